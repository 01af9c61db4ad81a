/**
 * `npm run bench` (and `-- --quick`, under a minute): everything it measures is started here, on
 * loopback, and stopped at the end — the edge (`wrangler dev`), the floor Worker (`wrangler
 * dev`), the recording upstream, a stub edge and a TLS server (one child), the CLI's MITM
 * listener (children), and mitmdump when it is installed. Load comes from autocannon (plain
 * HTTP) and bench/tls-load.ts (HTTPS, through CONNECT or not), always over kept-alive
 * connections. Every scenario is measured in the same run, at 1 and 16 connections, so the
 * ratios compare like with like; results go to bench/results.{md,json}. See bench/README.md.
 *
 * `-- --profile` also runs the MITM children under `node --cpu-prof` and adds where their CPU
 * time went to the results.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadOrCreateCa } from "../cli/mitm/certificates.ts";
import { ROOT } from "../test/cli/support/edge.ts";
import { launchEdgeWithChains } from "./chain-setup.ts";
import { CALM_LOAD, loadNow, waitForCalm } from "./calm.ts";
import { checkForwarding, upstreamStats } from "./checks.ts";
import { type Child, startChild } from "./child.ts";
import { CREDENTIAL, SERVICE_HOST, setUpEdge } from "./edge-setup.ts";
import { launchFloor } from "./floor.ts";
import type { LeafInfo } from "./leaf.child.ts";
import { medianOf, type Measurement, type RunWindow } from "./measurement.ts";
import { measurementOrder } from "./order.ts";
import type { MitmInfo } from "./mitm.child.ts";
import type { MitmFloorInfo } from "./mitm-floor.child.ts";
import type { RelayInfo } from "./relay.child.ts";
import { mitmdumpVersion, startMitmdump } from "./mitmdump.ts";
import { cpuSnapshot, totalCpuMs, withCpu } from "./process-cpu.ts";
import { settle } from "./settle.ts";
import { summarizeProfiles, type Window } from "./profile.ts";
import { allJudged, judgeGoals } from "./goals.ts";
import { renderMarkdown, type Results, type ScenarioResult } from "./report.ts";
import { type Case, type EdgeParts, scenarioCases } from "./scenarios.ts";
import type { ServersInfo } from "./servers.child.ts";
import { MITM_ONLY, PARTIAL, PROFILE, PROFILE_DIR, QUICK, selected, settings, STUB_TOKEN } from "./settings.ts";

const began = performance.now();
const log = (line: string) => process.stderr.write(`[bench ${((performance.now() - began) / 1000).toFixed(1)}s] ${line}\n`);
const load3 = () => os.loadavg().map((v) => Math.round(v * 100) / 100) as [number, number, number];
/** The scenarios goals are judged from (id prefixes): each waits for a quiet machine before it is measured. */
const GOAL_INPUTS = ["floor", "proxy", "agents-", "services-", "tunnel", "direct-tls", "mitm-stub", "mitm-floor", "mitmdump", "redaction-"];
/** After priming, the window opens once everything the bench started used at most 10 ms of CPU in each of three 100 ms intervals (bench/settle.ts). */
const SETTLING = { intervalMs: 100, idleCpuMsPerInterval: 10, quietIntervals: 3, limitMs: 15_000 };
/** A window in which no answer completed (a machine busy with other work) is measured again, this many times longer at most. */
const MAX_WINDOW_STRETCH = 8;

async function main(): Promise<void> {
  const startedAt = Date.now();
  const loadAverageAtStart = load3();
  log(`${QUICK ? "quick" : "full"} run; load average ${loadAverageAtStart.join(" / ")} on ${os.cpus().length} cores`);
  const work = await mkdtemp(path.join(os.tmpdir(), "edgevault-bench-"));
  const caDir = path.join(work, "ca");
  const stoppers: (() => Promise<void>)[] = [];
  const notMeasured: string[] = [];
  const checks: string[] = [];
  try {
    const started = async <T extends { stop(): Promise<void> }>(starting: Promise<T>): Promise<T> => {
      const part = await starting;
      stoppers.push(() => part.stop());
      return part;
    };
    if (PROFILE) await rm(PROFILE_DIR, { recursive: true, force: true });
    const profiled = (name: string) => (PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${path.join(PROFILE_DIR, name)}`] : []);
    const mitmEnv = { BENCH_CA_DIR: caDir, BENCH_MITM_VAULT: "bench", BENCH_MITM_HOSTS: SERVICE_HOST };
    const versions: Record<string, string> = { wrangler: await packageVersion("wrangler"), autocannon: await packageVersion("autocannon") };

    log(
      MITM_ONLY
        ? "--mitm-only: starting the servers, the MITM in front of the stub edge, mitmdump"
        : "starting the edge and the floor Worker (wrangler dev), the servers, the MITM in front of the stub edge, mitmdump",
    );
    // Everything that can start side by side does: the two `wrangler dev` take most of the time,
    // and the edge, which needs nothing else, starts at once (startEdgeParts). Whatever started
    // is stopped at the end, even if another part failed to start.
    const caP = loadOrCreateCa(caDir);
    const serversP = caP.then(() => started(startChild<ServersInfo>("servers.child.ts", { BENCH_CA_DIR: caDir, BENCH_CREDENTIAL: CREDENTIAL })));
    const mitmStubP = serversP.then((servers) =>
      started(
        startChild<MitmInfo>(
          "mitm.child.ts",
          { ...mitmEnv, BENCH_MITM_EDGE: servers.info.stub, BENCH_MITM_TOKEN: STUB_TOKEN, BENCH_MITM_DISCOVER: "static" },
          { nodeArgs: profiled("mitm-stub"), label: "mitm-stub" },
        ),
      ),
    );
    const relayP = started(startChild<RelayInfo>("relay.child.ts", {}));
    const mitmFloorP = serversP.then((servers) =>
      started(
        startChild<MitmFloorInfo>("mitm-floor.child.ts", {
          BENCH_CA_DIR: caDir,
          BENCH_MITM_EDGE: servers.info.stub,
          BENCH_MITM_TOKEN: STUB_TOKEN,
          BENCH_MITM_HOST: SERVICE_HOST,
        }),
      ),
    );
    const mitmdumpP = Promise.all([serversP, mitmdumpVersion()]).then(([servers, version]) =>
      version
        ? started(startMitmdump({ dir: path.join(work, "mitmdump"), stubOrigin: servers.info.stub, host: SERVICE_HOST, token: STUB_TOKEN, version }))
        : undefined,
    );
    const edgePartsP: Promise<EdgeParts | undefined> = MITM_ONLY ? Promise.resolve(undefined) : startEdgeParts(serversP, started, mitmEnv, profiled);
    const parts = [caP, serversP, mitmStubP, relayP, mitmFloorP, mitmdumpP, edgePartsP] as const;
    for (const outcome of await Promise.allSettled(parts)) if (outcome.status === "rejected") throw outcome.reason;
    const [ca, servers, mitmStub, relay, mitmFloor, mitmdump, edgeParts] = await Promise.all(parts);
    if (mitmdump) versions.mitmdump = mitmdump.version;
    else notMeasured.push("mitmdump: not measured: mitmdump not installed (Debian: `apt-get install mitmproxy`)");
    if (MITM_ONLY) notMeasured.push("--mitm-only: the edge, the floor and the MITM in front of the edge were not started");
    const { upstream } = servers.info;
    log("started; measuring");

    const cases = scenarioCases({ servers: servers.info, ca, mitmStub, relay, mitmFloor, mitmdump, ...(edgeParts ? { edgeParts } : {}) }).filter((c) =>
      selected(c.id),
    );
    if (edgeParts) await checkForwarding(edgeParts.edge, edgeParts.bench, servers.info, ca, edgeParts.mitmEdge, checks);

    const runs = new Map<string, Measurement[]>();
    const windows = new Map<string, Window[]>();
    for (const { round, case: c, connections } of measurementOrder(cases, settings.rounds)) {
      const { window, ...measured } = await measure(c, connections);
      windows.set(c.id, [...(windows.get(c.id) ?? []), window]);
      const key = `${c.id}@${connections}`;
      runs.set(key, [...(runs.get(key) ?? []), measured]);
      log(
        `round ${round}/${settings.rounds} ${c.title} @${connections}: ${measured.rps.toFixed(0)} req/s, p50 ${measured.p50.toFixed(2)} ms, p99 ${measured.p99.toFixed(2)} ms${measured.errors ? `, ${measured.errors} errors` : ""}`,
      );
    }
    const scenarios: ScenarioResult[] = cases.map((c) => ({
      id: c.id,
      title: c.title,
      ...(c.note ? { note: c.note } : {}),
      byConnections: Object.fromEntries(c.connections.map((n) => [String(n), medianOf(runs.get(`${c.id}@${n}`) ?? [])])),
    }));

    log("timing leaf certificates");
    const leafChild = await startChild<LeafInfo>("leaf.child.ts", { BENCH_CA_DIR: caDir, BENCH_COLD_LEAVES: String(settings.coldLeaves) });
    await leafChild.stop();
    const leaf = leafChild.info;

    const stats = await upstreamStats(upstream);
    checks.push(`The upstream received ${stats.requests} requests in all, ${stats.withCredential} of them with the injected credential.`);
    const stubStats = await upstreamStats(servers.info.stub);
    checks.push(`The stub edge received ${stubStats.requests} requests in all, ${stubStats.withCredential} of them as /proxy/ with a bearer token.`);

    // Stopped before the profiles are read: a child writes its profile as it exits.
    await Promise.all(stoppers.splice(0).map((stop) => stop()));
    const results: Results = {
      measuredAt: new Date().toISOString(),
      mode: QUICK ? "quick" : "full",
      warmupMs: settings.warmupMs,
      durationMs: settings.durationMs,
      rounds: settings.rounds,
      wallSeconds: (Date.now() - startedAt) / 1000,
      machine: {
        cpu: os.cpus()[0]?.model.trim() ?? "unknown",
        cores: os.cpus().length,
        node: process.version,
        os: `${os.type()} ${os.release()} ${os.arch()}`,
        loadAverageAtStart,
        loadAverageAtEnd: load3(),
      },
      versions,
      scenarios,
      leaf,
      goals: [],
      checks,
      notMeasured,
    };
    results.goals = judgeGoals(results);
    if (PROFILE) {
      results.profiles = {
        "MITM intercepting → stub edge": await summarizeProfiles(path.join(PROFILE_DIR, "mitm-stub"), windows.get("mitm-stub") ?? []),
        "MITM tunnel": await summarizeProfiles(path.join(PROFILE_DIR, "mitm-stub"), windows.get("tunnel") ?? []),
        ...(edgeParts ? { "MITM intercepting → real edge": await summarizeProfiles(path.join(PROFILE_DIR, "mitm-edge"), windows.get("mitm-edge") ?? []) } : {}),
      };
    }
    const markdown = renderMarkdown(results);
    // Only a whole, full run whose every goal was judged on a quiet machine replaces the
    // committed results; a partial, quick or busy run goes to the temp directory.
    const whole = !PARTIAL && !QUICK && allJudged(results.goals);
    const out = whole ? path.join(ROOT, "bench", "results") : path.join(os.tmpdir(), PARTIAL ? "edgevault-bench-partial" : "edgevault-bench-unjudged");
    await writeFile(`${out}.json`, `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(`${out}.md`, markdown);
    if (!whole) {
      const why = PARTIAL ? "a partial run" : QUICK ? "a quick run" : `not every goal was judged (a measurement began above load ${CALM_LOAD})`;
      log(`${why}: results written to ${out}.{md,json}, bench/results.md left as it was`);
    }
    process.stdout.write(markdown);
  } finally {
    await Promise.all(stoppers.map((stop) => stop().catch((error: unknown) => log(`stopping: ${String(error)}`))));
    await rm(work, { recursive: true, force: true });
  }
}

type Started = <T extends { stop(): Promise<void> }>(starting: Promise<T>) => Promise<T>;

/**
 * The parts behind `wrangler dev`: the edge (set up with vaults and agents, and the chain
 * scenarios' companies), the floor Worker, the MITM in front of the edge.
 */
async function startEdgeParts(
  serversP: Promise<Child<ServersInfo>>,
  started: Started,
  mitmEnv: Record<string, string>,
  profiled: (name: string) => string[],
): Promise<EdgeParts> {
  const launchedP = launchEdgeWithChains(log);
  const edgeP = started(launchedP.then((launched) => launched.edge));
  const floorP = serversP.then((servers) => started(launchFloor(servers.info.upstream)));
  const benchP = Promise.all([edgeP, serversP]).then(([edge, servers]) =>
    setUpEdge(edge, servers.info.upstream, { services: settings.services, agents: Math.max(...settings.agents) }, log),
  );
  const mitmEdgeP = Promise.all([edgeP, benchP]).then(([edge, bench]) =>
    started(
      startChild<MitmInfo>(
        "mitm.child.ts",
        { ...mitmEnv, BENCH_MITM_EDGE: edge.addr, BENCH_MITM_TOKEN: bench.session, BENCH_MITM_DISCOVER: "edge" },
        { nodeArgs: profiled("mitm-edge"), label: "mitm-edge" },
      ),
    ),
  );
  const parts = [edgeP, floorP, benchP, mitmEdgeP] as const;
  for (const outcome of await Promise.allSettled(parts)) if (outcome.status === "rejected") throw outcome.reason;
  const [edge, floor, bench, mitmEdge] = await Promise.all(parts);
  const { chains } = await launchedP;
  return { edge, floor, bench, mitmEdge, ...(chains ? { chains } : {}) };
}

/**
 * One measurement of a case, primed first. A window in which no answer completed at all (the
 * machine busy with other work, a short `--quick` window) is measured again, longer.
 */
async function measure(c: Case, connections: number): Promise<Measurement & { window: Window }> {
  for (let stretch = 1; ; stretch *= 2) {
    const window: RunWindow = { warmupMs: settings.warmupMs, durationMs: settings.durationMs * stretch };
    const loadAtStart = GOAL_INPUTS.some((prefix) => c.id.startsWith(prefix)) ? await waitForCalm(settings.calmWaitMs, log) : loadNow();
    await c.prime?.();
    const settled = await settle({ readCpuMs: () => totalCpuMs(cpuSnapshot()), ...SETTLING });
    if (!settled.idle) log(`${c.title} @${connections}: the bench's processes were still busy ${settled.waitedMs} ms after priming; measuring anyway`);
    else if (settled.waitedMs > 1_000) log(`${c.title} @${connections}: waited ${settled.waitedMs} ms for the work behind priming to finish`);
    const measured = { ...(await withCpu(window, c.uses, () => c.run(connections, window))), loadAtStart };
    if (measured.requests > 0) return measured;
    if (measured.errors > 0 || stretch >= MAX_WINDOW_STRETCH) {
      throw new Error(`${c.title} @${connections}: no request succeeded in ${window.durationMs} ms (${measured.errors} errors)`);
    }
    log(`${c.title} @${connections}: no answer completed within ${window.durationMs} ms; measuring again with a longer window`);
  }
}

async function packageVersion(name: string): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string };
  return manifest.version;
}

await main();
