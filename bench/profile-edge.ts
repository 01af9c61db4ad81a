/**
 * `npm run bench:profile-edge`: where the edge's workerd CPU goes for warm `/proxy` requests, and
 * the floor Worker's for the same load, so the runtime's own share shows beside the edge's. Each
 * `wrangler dev` starts with a known inspector port; for each target the path is primed and
 * warmed, then V8's sampling profiler runs inside workerd (the Chrome DevTools Protocol through
 * wrangler's inspector proxy: bench/inspector.ts) while autocannon drives it, and the workerd
 * processes' CPU is read from /proc over the same window. The profile is summarized by area and
 * by function (bench/profile.ts, with frames mapped back to their source files through the
 * bundle's source map) and the raw `.cpuprofile` files are kept for DevTools.
 *
 *   npm run bench:profile-edge                        # proxy, floor, floor-admit; 16 connections, 10 s each
 *   npm run bench:profile-edge -- --seconds=20 --connections=1 --only=proxy
 *   npm run bench:profile-edge -- --connections=1 --only=redaction-on,redaction-off   # a 1 MiB JSON answer
 *   npm run bench:profile-edge -- --native          # Linux perf on both workerd instead: the runtime's C++, GC, SQLite, kernel
 *   npm run bench:profile-edge -- --warmup-seconds=10  # a longer warm-up before each window (default 5)
 *
 * The machine's 1-minute load average is printed with each profile: on a shared machine the
 * absolute CPU per request moves with it, the shares within one profile much less.
 */
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadOrCreateCa } from "../cli/mitm/certificates.ts";
import { launchEdge } from "../test/cli/support/edge.ts";
import { loadNow } from "./calm.ts";
import { prime } from "./checks.ts";
import { startChild } from "./child.ts";
import { CREDENTIAL, SERVICE_HOST, setUpEdge } from "./edge-setup.ts";
import { launchFloor } from "./floor.ts";
import { httpLoad } from "./http-load.ts";
import { freeLoopbackPort } from "./free-port.ts";
import { connectInspector, workerTarget } from "./inspector.ts";
import { type NativeProfile, startPerf, summarizeDrivers, summarizePerf, threadsOf, workerdProcesses } from "./native-profile.ts";
import { componentRoots, withCpu } from "./process-cpu.ts";
import type { CpuProfile } from "./profile.ts";
import type { ServersInfo } from "./servers.child.ts";
import { JSON_1MIB_PATH, PATH } from "./settings.ts";
import { floorSteps, proxySteps } from "./proxy-steps.ts";
import { bundleSourceMaps, type Step, summarizeWorkerProfile, type WorkerProfileSummary } from "./worker-profile.ts";

const flag = (name: string, fallback: string) =>
  process.argv
    .slice(2)
    .find((a) => a.startsWith(`--${name}=`))
    ?.slice(name.length + 3) ?? fallback;
const SECONDS = Number(flag("seconds", "10"));
const CONNECTIONS = Number(flag("connections", "16"));
/** V8's sampling interval inside workerd, in microseconds (its default is 1,000). */
const INTERVAL_US = Number(flag("interval-us", "100"));
/**
 * How long each target is driven before its window. Two seconds left V8 still compiling the edge's
 * code in the window (0.04 ms a request in stop 33's perf profile), so five by default.
 */
const WARMUP_MS = Number(flag("warmup-seconds", "5")) * 1000;
if (!(WARMUP_MS >= 0)) throw new Error(`--warmup-seconds must be a number of seconds, not ${flag("warmup-seconds", "")}`);
const ONLY = flag("only", "proxy,floor,floor-admit").split(",");
/** Linux `perf` on the workerd processes instead of V8's profiler through the inspector (bench/native-profile.ts). */
const NATIVE = process.argv.includes("--native");
const OUT = path.join(os.tmpdir(), "edgevault-edge-profiles");

const began = performance.now();
const log = (line: string) => process.stderr.write(`[profile-edge ${((performance.now() - began) / 1000).toFixed(1)}s] ${line}\n`);

type Target = { id: string; title: string; component: "edge" | "floor"; inspectorPort: number; url: string; headers: Record<string, string>; steps: Step[] };
export type EdgeProfile = {
  id: string;
  title: string;
  connections: number;
  seconds: number;
  loadAtStart: number;
  loadAtEnd: number;
  requests: number;
  rps: number;
  p50: number;
  /** workerd CPU per request (both workerd of the `wrangler dev`), from /proc. */
  workerdCpuMs: number;
  /** The whole `wrangler dev` (its Node processes too) per request. */
  allCpuMs: number;
  /** The profile's samples per request, split into JavaScript and what V8 sees as outside it. */
  summary?: WorkerProfileSummary;
  /** With `--native`: perf's samples per request, per workerd process. */
  native?: NativeProfile[];
  file: string;
};

async function main(): Promise<void> {
  log(
    `load average ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(" / ")} on ${os.cpus().length} cores`,
  );
  await mkdir(OUT, { recursive: true });
  // The servers child also serves TLS from the bench's CA; only its plain upstream is used here.
  const work = path.join(OUT, "ca");
  await loadOrCreateCa(work);
  const servers = await startChild<ServersInfo>("servers.child.ts", { BENCH_CA_DIR: work, BENCH_CREDENTIAL: CREDENTIAL });
  const stoppers: (() => Promise<void>)[] = [() => servers.stop()];
  try {
    const [edgePort, floorPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
    const wantFloor = ONLY.some((id) => id.startsWith("floor"));
    // perf needs no inspector, and an attached one costs the Worker a DevTools event per subrequest
    // (bench/README.md, "Stop 31"): natively, both run as `npm run bench` runs them, without it.
    const [edge, floor] = await Promise.all([
      launchEdge(undefined, NATIVE ? { inspector: false } : { inspectorPort: edgePort }),
      wantFloor ? launchFloor(servers.info.upstream, NATIVE ? {} : { inspectorPort: floorPort }) : Promise.resolve(undefined),
    ]);
    stoppers.push(() => edge.stop());
    if (floor) stoppers.push(() => floor.stop());
    log(`edge at ${edge.addr} (inspector ${edgePort})${floor ? `, floor at ${floor.addr} (inspector ${floorPort})` : ""}; setting up`);
    const bench = await setUpEdge(edge, servers.info.upstream, { services: [], agents: 1 }, log);

    const noHeaders: Record<string, string> = {};
    const targets: Target[] = [
      {
        id: "proxy",
        title: "/proxy/<host>/<path> warm (edge)",
        component: "edge",
        inspectorPort: edgePort,
        url: `${edge.addr}/proxy/${SERVICE_HOST}${PATH}`,
        headers: { authorization: `Bearer ${bench.session}` },
        steps: proxySteps(),
      },
    ];
    // The 1 MiB JSON answer with its body redacted as it streams, and without: where redaction's cost goes.
    for (const [id, token] of [
      ["redaction-on", bench.redaction.on],
      ["redaction-off", bench.redaction.off],
    ] as const) {
      const title = `/proxy, a 1 MiB JSON answer, redaction ${id === "redaction-on" ? "on" : "off"} (edge)`;
      const url = `${edge.addr}/proxy/${SERVICE_HOST}${JSON_1MIB_PATH}`;
      targets.push({ id, title, component: "edge", inspectorPort: edgePort, url, headers: { authorization: `Bearer ${token}` }, steps: proxySteps() });
    }
    if (floor) {
      const onFloor = { component: "floor", inspectorPort: floorPort, headers: noHeaders, steps: floorSteps() } as const;
      targets.push(
        { id: "floor", title: "floor: bare forwarding Worker", url: `${floor.addr}${PATH}`, ...onFloor },
        { id: "floor-admit", title: "floor + one Durable Object call before", url: `${floor.addr}/__admit${PATH}`, ...onFloor },
        { id: "floor-work", title: "floor + what a proxy cannot skip", url: `${floor.addr}/__work${PATH}`, ...onFloor },
      );
    }

    const profiles: EdgeProfile[] = [];
    for (const target of targets.filter((t) => ONLY.includes(t.id))) profiles.push(await profileTarget(target));
    for (const profile of profiles) process.stdout.write(render(profile));
    await writeFile(path.join(OUT, "summary.json"), `${JSON.stringify(profiles, null, 2)}\n`);
    log(`profiles and summary.json in ${OUT} (open a .cpuprofile in Chrome DevTools' Performance panel)`);
  } finally {
    for (const stop of stoppers.reverse()) await stop().catch((error: unknown) => log(`stopping: ${String(error)}`));
  }
}

async function profileTarget(target: Target): Promise<EdgeProfile> {
  if (NATIVE) return profileNatively(target);
  const inspector = await connectInspector(await workerTarget(target.inspectorPort));
  try {
    await prime([{ url: target.url, headers: target.headers }]);
    log(`${target.id}: warming up for ${WARMUP_MS} ms at ${CONNECTIONS} connections`);
    await httpLoad({ url: target.url, headers: target.headers, connections: CONNECTIONS, warmupMs: 0, durationMs: WARMUP_MS });
    // Source maps are read before the window: scripts are parsed by then, and the read is not measured.
    const maps = await bundleSourceMaps(inspector);
    await inspector.send("Profiler.enable");
    await inspector.send("Profiler.setSamplingInterval", { interval: INTERVAL_US });
    const loadAtStart = loadNow();
    log(`${target.id}: profiling ${SECONDS} s at ${CONNECTIONS} connections (load ${loadAtStart})`);
    await inspector.send("Profiler.start");
    const window = { warmupMs: 0, durationMs: SECONDS * 1000 };
    const measured = await withCpu(window, [target.component], () =>
      httpLoad({ url: target.url, headers: target.headers, connections: CONNECTIONS, ...window }),
    );
    const { profile } = await inspector.send<{ profile: CpuProfile }>("Profiler.stop");
    await inspector.send("Profiler.disable");
    const file = path.join(OUT, `${target.id}-c${CONNECTIONS}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    const parts = measured.serverCpuParts ?? {};
    return {
      id: target.id,
      title: target.title,
      connections: CONNECTIONS,
      seconds: SECONDS,
      loadAtStart,
      loadAtEnd: loadNow(),
      requests: measured.requests,
      rps: measured.rps,
      p50: measured.p50,
      workerdCpuMs: parts[`${target.component}/workerd`] ?? Number.NaN,
      allCpuMs: measured.serverCpuMs ?? Number.NaN,
      summary: summarizeWorkerProfile(profile, maps, measured.requests, target.steps),
      file,
    };
  } finally {
    inspector.close();
  }
}

/** The same window under Linux `perf`, with no inspector attached. */
async function profileNatively(target: Target): Promise<EdgeProfile> {
  await prime([{ url: target.url, headers: target.headers }]);
  log(`${target.id}: warming up for ${WARMUP_MS} ms at ${CONNECTIONS} connections`);
  await httpLoad({ url: target.url, headers: target.headers, connections: CONNECTIONS, warmupMs: 0, durationMs: WARMUP_MS });
  const processes = componentRoots(target.component).flatMap(workerdProcesses);
  if (processes.length === 0) throw new Error(`no workerd found for ${target.component}`);
  const file = path.join(OUT, `${target.id}-c${CONNECTIONS}.perf.data`);
  const loadAtStart = loadNow();
  log(
    `${target.id}: perf on workerd ${processes.map((p) => `${p.pid} (${p.role})`).join(", ")} for ${SECONDS} s at ${CONNECTIONS} connections (load ${loadAtStart})`,
  );
  const perf = startPerf(
    processes.map((p) => p.pid),
    file,
  );
  const window = { warmupMs: 0, durationMs: SECONDS * 1000 };
  const measured = await withCpu(window, [target.component], () => httpLoad({ url: target.url, headers: target.headers, connections: CONNECTIONS, ...window }));
  await perf.stop();
  const parts = measured.serverCpuParts ?? {};
  const withThreads = processes.map((p) => ({ ...p, threads: threadsOf(p.pid) }));
  return {
    id: target.id,
    title: target.title,
    connections: CONNECTIONS,
    seconds: SECONDS,
    loadAtStart,
    loadAtEnd: loadNow(),
    requests: measured.requests,
    rps: measured.rps,
    p50: measured.p50,
    workerdCpuMs: parts[`${target.component}/workerd`] ?? Number.NaN,
    allCpuMs: measured.serverCpuMs ?? Number.NaN,
    native: await Promise.all(
      (await summarizePerf(file, withThreads, measured.requests)).map(async (part) =>
        part.role === "worker runtime" ? { ...part, drivers: await summarizeDrivers(file, part.pid, measured.requests) } : part,
      ),
    ),
    file,
  };
}

function renderNative(p: EdgeProfile, native: NativeProfile[]): string {
  const ms = (v: number) => v.toFixed(3);
  const lines = [
    `\n## ${p.title}: ${p.connections} connections, ${p.seconds} s (load ${p.loadAtStart} → ${p.loadAtEnd}), perf`,
    "",
    `${p.requests} requests, ${p.rps.toFixed(0)} req/s, p50 ${p.p50.toFixed(2)} ms; workerd CPU ${ms(p.workerdCpuMs)} ms/request from /proc (all of wrangler dev ${ms(p.allCpuMs)}). ${p.file}`,
  ];
  for (const part of native) {
    lines.push(
      "",
      `### ${part.role} (workerd ${part.pid}): ${ms(part.msPerRequest)} ms/request sampled`,
      "",
      "| category (innermost frame) | ms/request | share |",
      "|---|---:|---:|",
      ...part.categories.map((c) => `| ${c.name} | ${ms(c.msPerRequest)} | ${(c.share * 100).toFixed(1)} % |`),
      "",
      "| symbol (self) | ms/request | share |",
      "|---|---:|---:|",
      ...part.symbols.map((c) => `| ${c.name.replaceAll("|", "\\|")} | ${ms(c.msPerRequest)} | ${(c.share * 100).toFixed(1)} % |`),
    );
    if (part.drivers) {
      lines.push(
        "",
        "| what drove it (call graph: the runtime API below the JavaScript, or the JavaScript itself) | ms/request | share |",
        "|---|---:|---:|",
        ...part.drivers.map((c) => `| ${c.name} | ${ms(c.msPerRequest)} | ${(c.share * 100).toFixed(1)} % |`),
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

function render(p: EdgeProfile): string {
  if (p.native) return renderNative(p, p.native);
  if (!p.summary) return "";
  const ms = (v: number) => v.toFixed(3);
  const lines = [
    `\n## ${p.title}: ${p.connections} connections, ${p.seconds} s (load ${p.loadAtStart} → ${p.loadAtEnd})`,
    "",
    `${p.requests} requests, ${p.rps.toFixed(0)} req/s, p50 ${p.p50.toFixed(2)} ms; workerd CPU ${ms(p.workerdCpuMs)} ms/request (all of wrangler dev ${ms(p.allCpuMs)});`,
    `sampled in the Worker's isolate: ${ms(p.summary.busyMsPerRequest)} ms/request busy (JavaScript ${ms(p.summary.jsMsPerRequest)}), ${p.summary.samples} samples. ${p.file}`,
    "",
    "| step (innermost on the stack) | ms/request | share of busy |",
    "|---|---:|---:|",
    ...p.summary.steps.map((a) => `| ${a.name} | ${ms(a.msPerRequest)} | ${(a.share * 100).toFixed(1)} % |`),
    "",
    "| area | ms/request | share of busy |",
    "|---|---:|---:|",
    ...p.summary.areas.map((a) => `| ${a.name} | ${ms(a.msPerRequest)} | ${(a.share * 100).toFixed(1)} % |`),
    "",
    "| function (self time) | ms/request | share of busy |",
    "|---|---:|---:|",
    ...p.summary.functions.map((f) => `| ${f.name.replaceAll("|", "\\|")} | ${ms(f.msPerRequest)} | ${(f.share * 100).toFixed(1)} % |`),
    "",
    "| own function, with what it calls (inclusive) | ms/request | share of busy |",
    "|---|---:|---:|",
    ...p.summary.inclusive.map((f) => `| ${f.name.replaceAll("|", "\\|")} | ${ms(f.msPerRequest)} | ${(f.share * 100).toFixed(1)} % |`),
    "",
  ];
  return `${lines.join("\n")}\n`;
}

await main();
