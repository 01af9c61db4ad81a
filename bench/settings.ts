/** What `npm run bench` measures and for how long: the full run's settings, or `--quick`'s. */
import os from "node:os";
import path from "node:path";

const args = new Set(process.argv.slice(2));
export const QUICK = args.has("--quick");
export const PROFILE = args.has("--profile");
/**
/**
 * `--only=agents,proxy`: measure only the scenarios whose id starts with one of these (ids are in
 * results.json and bench/scenarios.ts).
 */
export const ONLY = process.argv
  .slice(2)
  .find((a) => a.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",")
  .filter(Boolean);
/**
 * `--mitm-only` (or `BENCH_ONLY=mitm`): only what needs no `wrangler dev` — HTTPS direct, the
 * MITM's tunnel, the MITM intercepting → stub edge, mitmdump, the leaf timings. Starts in a few
 * seconds, so a change to cli/mitm/ can be measured on its own.
 */
export const MITM_ONLY = args.has("--mitm-only") || process.env.BENCH_ONLY === "mitm";
/** A partial run writes its results to the temp directory, never over bench/results.{md,json}, which hold a whole run. */
export const PARTIAL = MITM_ONLY || ONLY !== undefined;
export const selected = (id: string): boolean => !ONLY || ONLY.some((prefix) => id.startsWith(prefix));
const chosen = QUICK
  ? {
      durationMs: Number(process.env.BENCH_DURATION_MS ?? 500),
      warmupMs: 200,
      rounds: Number(process.env.BENCH_ROUNDS ?? 1),
      services: [1, 10],
      agents: [1, 10],
      scalingConnections: [16],
      setupRows: false,
      coldLeaves: 20,
      calmWaitMs: Number(process.env.BENCH_CALM_WAIT_MS ?? 15_000),
    }
  : {
      durationMs: Number(process.env.BENCH_DURATION_MS ?? 4_000),
      warmupMs: 1_000,
      rounds: Number(process.env.BENCH_ROUNDS ?? 3),
      services: [1, 10, 100, 1_000],
      agents: [1, 100, 1_000],
      scalingConnections: [1, 16],
      setupRows: true,
      coldLeaves: 100,
      calmWaitMs: Number(process.env.BENCH_CALM_WAIT_MS ?? 120_000),
    };
/** Vaults of N services take minutes to create: only those measured are. */
export const settings = { ...chosen, services: chosen.services.filter((n) => selected(`services-${n}`)) };
export const CONNECTIONS = [1, 16];
export const PATH = "/v1/items?limit=3";
/** The upstream's 1 MiB JSON answer (the redaction scenarios). */
export const JSON_1MIB_PATH = "/json-1mib";
/** The stub edge accepts any bearer token; this one only names itself. */
export const STUB_TOKEN = "evs_bench_stub_token";
/** Outside the repository: profiles are large and only read by this run (and by whoever profiles by hand). */
export const PROFILE_DIR = path.join(os.tmpdir(), "edgevault-bench-profiles");
