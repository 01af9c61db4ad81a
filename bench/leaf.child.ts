/**
 * Leaf certificate minting (cli/mitm/certificates.ts `LeafCertificates.get`), timed in a child
 * process of its own so that neither the bench's heap nor its load generators share its event
 * loop: cold, a host never seen (a certificate signed and its TLS context; the process's leaf key
 * pair is made by the warm-up, as a running MITM's is by its first host), and cached, the same
 * host again. Announces the timings and exits when told.
 */
import { LeafCertificates, loadCa } from "../cli/mitm/certificates.ts";
import { announce } from "./child.ts";
import { Latencies } from "./measurement.ts";
import type { Timing } from "./report.ts";

export type LeafInfo = { cold: Timing; cached: Timing };

const ca = await loadCa(process.env.BENCH_CA_DIR ?? "");
if (!ca) throw new Error("BENCH_CA_DIR has no CA");
const coldCount = Number(process.env.BENCH_COLD_LEAVES ?? 100);

const leaves = new LeafCertificates(ca);
await leaves.get("warm-up.bench.example");

async function time(count: number, get: (i: number) => Promise<unknown>): Promise<Timing> {
  const latencies = new Latencies();
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const begun = performance.now();
    await get(i);
    latencies.record(performance.now() - begun);
  }
  const used = process.cpuUsage(cpu);
  const summary = latencies.summary((performance.now() - started) / 1000);
  return { count, p50: summary.p50, p99: summary.p99, perSecond: summary.rps, cpuMs: (used.user + used.system) / 1000 / count };
}

const info: LeafInfo = {
  cold: await time(coldCount, (i) => leaves.get(`host-${i}.bench.example`)),
  cached: await time(20_000, () => leaves.get("host-0.bench.example")),
};
announce(info, async () => {});
