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
import { LeafCertificates, loadOrCreateCa, type LocalCa } from "../cli/mitm/certificates.ts";
import { launchEdge, ROOT, type OwnEdge } from "../test/cli/support/edge.ts";
import { startChild, type Child } from "./child.ts";
import { CREDENTIAL, SERVICE_HOST, setUpEdge, type BenchEdge } from "./edge-setup.ts";
import { launchFloor, type FloorWorker } from "./floor.ts";
import { httpLoad } from "./http-load.ts";
import { Latencies, medianOf, type Measurement, type RunWindow } from "./measurement.ts";
import type { MitmInfo } from "./mitm.child.ts";
import { mitmdumpVersion, startMitmdump, type Mitmdump } from "./mitmdump.ts";
import { type Component, cpuSnapshot, cpuUsed } from "./process-cpu.ts";
import { summarizeProfiles, type Window } from "./profile.ts";
import { judgeGoals, renderMarkdown, type Results, type ScenarioResult, type Timing } from "./report.ts";
import type { ServersInfo, UpstreamStats } from "./servers.child.ts";
import { tlsLoad } from "./tls-load.ts";

const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const PROFILE = args.has("--profile");
const settings = QUICK
  ? {
      durationMs: Number(process.env.BENCH_DURATION_MS ?? 700),
      warmupMs: 300,
      rounds: 1,
      services: [1, 30],
      agents: [1, 10],
      scalingConnections: [16],
      setupRows: false,
      coldLeaves: 20,
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
    };
const CONNECTIONS = [1, 16];
const PATH = "/v1/items?limit=3";
/** The stub edge accepts any bearer token; this one only names itself. */
const STUB_TOKEN = "evs_bench_stub_token";
/** Outside the repository: profiles are large and only read by this run (and by whoever profiles by hand). */
const PROFILE_DIR = path.join(os.tmpdir(), "edgevault-bench-profiles");

const began = performance.now();
const log = (line: string) => process.stderr.write(`[bench ${((performance.now() - began) / 1000).toFixed(1)}s] ${line}\n`);
const load3 = () => os.loadavg().map((v) => Math.round(v * 100) / 100) as [number, number, number];

type Case = {
  id: string;
  title: string;
  note?: string;
  connections: readonly number[];
  /** The bench's processes it goes through: their CPU is what it costs. */
  uses: readonly Component[];
  /**
   * Sent before each measurement, one request per distinct caller: Durable Objects idle for a
   * while are evicted and vault configurations go stale, and a reload must not land in the window.
   */
  prime?: () => Promise<void>;
  run(connections: number, window: RunWindow): Promise<Measurement>;
};

async function main(): Promise<void> {
  const startedAt = Date.now();
  const loadAverageAtStart = load3();
  log(`${QUICK ? "quick" : "full"} run; load average ${loadAverageAtStart.join(" / ")} on ${os.cpus().length} cores`);
  const work = await mkdtemp(path.join(os.tmpdir(), "edgevault-bench-"));
  const caDir = path.join(work, "ca");
  const ca = await loadOrCreateCa(caDir);
  const stoppers: (() => Promise<void>)[] = [];
  const notMeasured: string[] = [];
  const checks: string[] = [];
  try {
    const started = async <T extends { stop(): Promise<void> }>(starting: Promise<T>): Promise<T> => {
      const part = await starting;
      stoppers.push(() => part.stop());
      return part;
    };
    const servers = await started(startChild<ServersInfo>("servers.child.ts", { BENCH_CA_DIR: caDir, BENCH_CREDENTIAL: CREDENTIAL }));
    const { upstream, stub } = servers.info;

    if (PROFILE) await rm(PROFILE_DIR, { recursive: true, force: true });
    const profiled = (name: string) => (PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${path.join(PROFILE_DIR, name)}`] : []);
    const mitmEnv = { BENCH_CA_DIR: caDir, BENCH_MITM_VAULT: "bench", BENCH_MITM_HOSTS: SERVICE_HOST };
    const versions: Record<string, string> = { wrangler: await packageVersion("wrangler"), autocannon: await packageVersion("autocannon") };
    const mitmdumpAt = await mitmdumpVersion();
    if (mitmdumpAt) versions.mitmdump = mitmdumpAt;
    else notMeasured.push("mitmdump: not measured: mitmdump not installed (Debian: `apt-get install mitmproxy`)");

    log("starting the edge and the floor Worker (wrangler dev), the MITM in front of the stub edge, mitmdump");
    // All at once; whatever started is stopped at the end even if another part failed to start.
    const starting = await Promise.allSettled([
      started(launchEdge()),
      started(launchFloor(upstream)),
      started(
        startChild<MitmInfo>(
          "mitm.child.ts",
          { ...mitmEnv, BENCH_MITM_EDGE: stub, BENCH_MITM_TOKEN: STUB_TOKEN, BENCH_MITM_DISCOVER: "static" },
          { nodeArgs: profiled("mitm-stub"), label: "mitm-stub" },
        ),
      ),
      mitmdumpAt
        ? started(startMitmdump({ dir: path.join(work, "mitmdump"), stubOrigin: stub, host: SERVICE_HOST, token: STUB_TOKEN, version: mitmdumpAt }))
        : undefined,
    ] as const);
    for (const outcome of starting) if (outcome.status === "rejected") throw outcome.reason;
    const [edge, floor, mitmStub, mitmdump] = starting.map((outcome) => (outcome.status === "fulfilled" ? outcome.value : undefined)) as [
      OwnEdge,
      FloorWorker,
      Child<MitmInfo>,
      Mitmdump | undefined,
    ];

    const bench = await setUpEdge(edge, upstream, { services: settings.services, agents: Math.max(...settings.agents) }, log);
    const mitmEdge = await started(
      startChild<MitmInfo>(
        "mitm.child.ts",
        { ...mitmEnv, BENCH_MITM_EDGE: edge.addr, BENCH_MITM_TOKEN: bench.session, BENCH_MITM_DISCOVER: "edge" },
        { nodeArgs: profiled("mitm-edge"), label: "mitm-edge" },
      ),
    );

    const cases = scenarioCases({ edge, floor, bench, servers: servers.info, ca, mitmStub, mitmEdge, mitmdump });
    await checkForwarding(edge, bench, servers.info, ca, mitmEdge, checks);

    const runs = new Map<string, Measurement[]>();
    const windows = new Map<string, Window[]>();
    for (let round = 1; round <= settings.rounds; round++) {
      for (const c of cases) {
        for (const connections of c.connections) {
          await c.prime?.();
          const measured = await withCpu(settings, c.uses, () => c.run(connections, settings));
          if (measured.window) windows.set(c.id, [...(windows.get(c.id) ?? []), measured.window]);
          if (measured.requests === 0) throw new Error(`${c.title} @${connections}: no request succeeded (${measured.errors} errors)`);
          const key = `${c.id}@${connections}`;
          runs.set(key, [...(runs.get(key) ?? []), measured]);
          log(
            `round ${round}/${settings.rounds} ${c.title} @${connections}: ${measured.rps.toFixed(0)} req/s, p50 ${measured.p50.toFixed(2)} ms, p99 ${measured.p99.toFixed(2)} ms${measured.errors ? `, ${measured.errors} errors` : ""}`,
          );
        }
      }
    }
    const scenarios: ScenarioResult[] = cases.map((c) => ({
      id: c.id,
      title: c.title,
      ...(c.note ? { note: c.note } : {}),
      byConnections: Object.fromEntries(c.connections.map((n) => [String(n), medianOf(runs.get(`${c.id}@${n}`) ?? [])])),
    }));

    log("timing leaf certificates");
    const leaf = await leafTimings(ca, settings.coldLeaves);

    const stats = await upstreamStats(upstream);
    checks.push(`The upstream received ${stats.requests} requests in all, ${stats.withCredential} of them with the injected credential.`);

    // Stopped before the profiles are read: a child writes its profile as it exits.
    for (const stop of stoppers.splice(0).reverse()) await stop();
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
        "MITM intercepting → real edge": await summarizeProfiles(path.join(PROFILE_DIR, "mitm-edge"), windows.get("mitm-edge") ?? []),
      };
    }
    const markdown = renderMarkdown(results);
    await writeFile(path.join(ROOT, "bench", "results.json"), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(path.join(ROOT, "bench", "results.md"), markdown);
    process.stdout.write(markdown);
  } finally {
    for (const stop of stoppers.reverse()) await stop().catch((error: unknown) => log(`stopping: ${String(error)}`));
    await rm(work, { recursive: true, force: true });
  }
}

type Parts = {
  edge: OwnEdge;
  floor: FloorWorker;
  bench: BenchEdge;
  servers: ServersInfo;
  ca: LocalCa;
  mitmStub: Child<MitmInfo>;
  mitmEdge: Child<MitmInfo>;
  mitmdump: Mitmdump | undefined;
};

/** Which of the bench's processes each scenario goes through (by id, or id prefix before "-<n>"). */
const USES: Record<string, readonly Component[]> = {
  upstream: ["servers"],
  floor: ["floor", "servers"],
  "floor-gate": ["floor", "servers"],
  proxy: ["edge", "servers"],
  "direct-tls": ["servers"],
  tunnel: ["mitm-stub", "servers"],
  "mitm-stub": ["mitm-stub", "servers"],
  mitmdump: ["mitmdump", "servers"],
  "mitm-edge": ["mitm-edge", "edge", "servers"],
  "setup-direct": ["servers"],
  "setup-tunnel": ["mitm-stub", "servers"],
  "setup-mitm": ["mitm-stub", "servers"],
  "svid-issue": ["edge"],
  "token-exchange": ["edge"],
  "jwt-noop": ["floor"],
  "jwt-sign": ["floor"],
  "jwt-verify": ["floor"],
  services: ["edge", "servers"],
  agents: ["edge", "servers"],
};

function scenarioCases(parts: Parts): Case[] {
  return scenarioRuns(parts).map((c) => {
    const uses = USES[c.id] ?? USES[c.id.replace(/-\d+$/, "")];
    if (!uses) throw new Error(`no USES entry for ${c.id}`);
    return { ...c, uses };
  });
}

function scenarioRuns(parts: Parts): Omit<Case, "uses">[] {
  const { edge, floor, bench, servers, ca, mitmStub, mitmEdge, mitmdump } = parts;
  const session = { authorization: `Bearer ${bench.session}` };
  const plain =
    (url: string, headers: Record<string, string> = {}) =>
    (connections: number, window: RunWindow) =>
      httpLoad({ url, connections, ...window, headers });
  const basicAuth = (token: string) => `Basic ${Buffer.from(`${token}:bench`).toString("base64")}`;
  const https =
    (options: { proxy?: { port: number; authorization?: string }; ca?: string; host?: string; port?: number; perRequest?: boolean }) =>
    (connections: number, window: RunWindow) =>
      tlsLoad({
        host: options.host ?? SERVICE_HOST,
        port: options.port ?? 443,
        ca: options.ca ?? ca.certPem,
        path: PATH,
        ...(options.proxy ? { proxy: options.proxy } : {}),
        connections,
        ...window,
        newConnectionPerRequest: options.perRequest ?? false,
      });
  const proxyUrl = `${edge.addr}/proxy/${SERVICE_HOST}${PATH}`;
  const primeProxy = () => prime([{ url: proxyUrl, headers: session }]);
  const direct = { host: servers.tls.host, port: servers.tls.port };
  const viaStub = { port: mitmStub.info.port, authorization: basicAuth(STUB_TOKEN) };

  const cases: Omit<Case, "uses">[] = [
    { id: "upstream", title: "upstream directly", connections: CONNECTIONS, run: plain(`${servers.upstream}${PATH}`) },
    { id: "floor", title: "floor: bare forwarding Worker (wrangler dev)", connections: CONNECTIONS, run: plain(`${floor.addr}${PATH}`) },
    {
      id: "floor-gate",
      title: "floor + a Durable Object call before and after",
      connections: CONNECTIONS,
      run: plain(`${floor.addr}/__gate${PATH}`),
    },
    {
      id: "proxy",
      title: "/proxy/<host>/<path> warm (edge)",
      connections: CONNECTIONS,
      prime: primeProxy,
      run: plain(`${edge.addr}/proxy/${SERVICE_HOST}${PATH}`, session),
    },
    { id: "direct-tls", title: "HTTPS straight to a TLS server", connections: CONNECTIONS, run: https(direct) },
    { id: "tunnel", title: "MITM tunnel (host without a service) to that TLS server", connections: CONNECTIONS, run: https({ ...direct, proxy: viaStub }) },
    { id: "mitm-stub", title: "MITM intercepting → stub edge (its own cost)", connections: CONNECTIONS, run: https({ proxy: viaStub }) },
  ];
  if (mitmdump) {
    cases.push({
      id: "mitmdump",
      title: `mitmdump ${mitmdump.version} intercepting → stub edge`,
      connections: CONNECTIONS,
      run: https({ proxy: { port: mitmdump.port }, ca: mitmdump.caPem }),
    });
  }
  cases.push({
    id: "mitm-edge",
    title: "MITM intercepting → real edge → upstream",
    connections: CONNECTIONS,
    prime: primeProxy,
    run: https({ proxy: { port: mitmEdge.info.port, authorization: basicAuth(bench.session) } }),
  });
  if (settings.setupRows) {
    cases.push(
      {
        id: "setup-direct",
        title: "new connection per request: HTTPS straight to the TLS server",
        connections: CONNECTIONS,
        run: https({ ...direct, perRequest: true }),
      },
      {
        id: "setup-tunnel",
        title: "new connection per request: MITM tunnel",
        connections: CONNECTIONS,
        run: https({ ...direct, proxy: viaStub, perRequest: true }),
      },
      {
        id: "setup-mitm",
        title: "new connection per request: MITM intercepting (leaf cached) → stub",
        connections: CONNECTIONS,
        run: https({ proxy: viaStub, perRequest: true }),
      },
    );
  }

  const agent = bench.agents[0];
  if (!agent) throw new Error("no agent");
  const exchangeBody = new URLSearchParams({
    grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
    subject_token: bench.svid,
    subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
  }).toString();
  cases.push(
    {
      id: "svid-issue",
      title: "GET /v1/agents/<name>/svid (edge: signs a JWT-SVID)",
      connections: CONNECTIONS,
      prime: () => prime([{ url: `${edge.addr}/v1/agents/${agent.name}/svid`, headers: { authorization: `Bearer ${agent.token}` } }]),
      run: plain(`${edge.addr}/v1/agents/${agent.name}/svid`, { authorization: `Bearer ${agent.token}` }),
    },
    {
      id: "token-exchange",
      title: "POST /v1/token/exchange (edge: verifies the SVID, signs a token)",
      connections: CONNECTIONS,
      prime: () =>
        prime([
          { url: `${edge.addr}/v1/token/exchange`, method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: exchangeBody },
        ]),
      run: (connections, window) =>
        httpLoad({
          url: `${edge.addr}/v1/token/exchange`,
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: exchangeBody,
          connections,
          ...window,
        }),
    },
    { id: "jwt-noop", title: "floor Worker: JSON answer, no crypto", connections: CONNECTIONS, run: plain(`${floor.addr}/__jwt/noop`) },
    { id: "jwt-sign", title: "floor Worker: sign one EdDSA JWT-SVID", connections: CONNECTIONS, run: plain(`${floor.addr}/__jwt/sign`) },
    { id: "jwt-verify", title: "floor Worker: verify one EdDSA JWT-SVID", connections: CONNECTIONS, run: plain(`${floor.addr}/__jwt/verify`) },
  );

  for (const n of settings.services) {
    const token = bench.servicesVaults.get(n);
    if (!token) throw new Error(`no vault with ${n} services`);
    cases.push({
      id: `services-${n}`,
      title: `/proxy, vault of ${n} service${n > 1 ? "s" : ""} (matched one last)`,
      connections: settings.scalingConnections,
      prime: () => prime([{ url: proxyUrl, headers: { authorization: `Bearer ${token}` } }]),
      run: plain(proxyUrl, { authorization: `Bearer ${token}` }),
    });
  }
  for (const n of settings.agents) {
    const tokens = bench.agents.slice(0, n).map((a) => `Bearer ${a.token}`);
    let next = 0;
    cases.push({
      id: `agents-${n}`,
      title: `/proxy, ${n} agent${n > 1 ? "s" : ""} sharing the vault (round-robin tokens)`,
      connections: settings.scalingConnections,
      prime: () => prime(tokens.map((authorization) => ({ url: proxyUrl, headers: { authorization, "x-vault": bench.agentsVault } }))),
      run: (connections, window) =>
        httpLoad({
          url: proxyUrl,
          connections,
          ...window,
          perRequest: () => {
            next = (next + 1) % tokens.length;
            return { authorization: tokens[next] ?? "", "x-vault": bench.agentsVault };
          },
        }),
    });
  }
  return cases;
}

/**
 * Runs a measurement and adds the CPU per request it cost the components it goes through and
 * the load generator, read at the counted window's edges.
 */
async function withCpu(window: RunWindow, uses: readonly Component[], run: () => Promise<Measurement>): Promise<Measurement & { window: Window }> {
  let server = cpuSnapshot();
  let client = process.cpuUsage();
  let serverUsed: { total: number; parts: Record<string, number> } | undefined;
  let clientUsed = Number.NaN;
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  let startUs = nowUs();
  let endUs = Number.NaN;
  const close = () => {
    endUs = nowUs();
    serverUsed = cpuUsed(server, cpuSnapshot(), uses);
    const used = process.cpuUsage(client);
    clientUsed = (used.user + used.system) / 1000;
  };
  const opened = setTimeout(() => {
    startUs = nowUs();
    server = cpuSnapshot();
    client = process.cpuUsage();
  }, window.warmupMs);
  const closed = setTimeout(close, window.warmupMs + window.durationMs);
  const measured = await run();
  clearTimeout(opened);
  clearTimeout(closed);
  // A busy event loop can run the closing timer after the run: the window then ends here, a little late.
  if (!serverUsed) close();
  const perRequest = (ms: number) => (measured.requests ? ms / measured.requests : Number.NaN);
  return {
    ...measured,
    serverCpuMs: perRequest(serverUsed?.total ?? Number.NaN),
    serverCpuParts: Object.fromEntries(Object.entries(serverUsed?.parts ?? {}).map(([part, ms]) => [part, perRequest(ms)])),
    clientCpuMs: perRequest(clientUsed),
    window: { startUs, endUs },
  };
}

type PrimingRequest = { url: string; method?: string; headers: Record<string, string>; body?: string };

/** Sends each request once, 16 at a time; every answer must be 2xx. */
async function prime(requests: readonly PrimingRequest[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(16, requests.length) }, async () => {
      while (next < requests.length) {
        const request = requests[next++];
        if (!request) continue;
        const res = await fetch(request.url, { method: request.method ?? "GET", headers: request.headers, body: request.body });
        await res.arrayBuffer();
        if (res.status >= 300) throw new Error(`priming ${request.method ?? "GET"} ${request.url}: ${res.status}`);
      }
    }),
  );
}

/** Before measuring: the edge and the MITM in front of it really forward, with the credential. */
async function checkForwarding(edge: OwnEdge, bench: BenchEdge, servers: ServersInfo, ca: LocalCa, mitmEdge: Child<MitmInfo>, checks: string[]): Promise<void> {
  const before = await upstreamStats(servers.upstream);
  const res = await fetch(`${edge.addr}/proxy/${SERVICE_HOST}${PATH}`, { headers: { authorization: `Bearer ${bench.session}` } });
  await res.arrayBuffer();
  const through = await tlsLoad({
    host: SERVICE_HOST,
    port: 443,
    ca: ca.certPem,
    path: PATH,
    proxy: { port: mitmEdge.info.port, authorization: `Basic ${Buffer.from(`${bench.session}:bench`).toString("base64")}` },
    connections: 1,
    warmupMs: 0,
    durationMs: 500,
  });
  const after = await upstreamStats(servers.upstream);
  const expected = 1 + through.requests;
  if (res.status !== 200 || through.errors > 0 || after.withCredential - before.withCredential < expected) {
    throw new Error(
      `forwarding check failed: /proxy ${res.status}, through the MITM ${through.requests} ok / ${through.errors} errors, upstream saw ${after.withCredential - before.withCredential} with the credential`,
    );
  }
  checks.push(`Before measuring: /proxy and the MITM in front of the edge delivered ${expected} requests to the upstream, each with the injected credential.`);
}

async function upstreamStats(upstream: string): Promise<UpstreamStats> {
  return (await (await fetch(`${upstream}/__stats`)).json()) as UpstreamStats;
}

/** Cold: a host never seen (key pair, certificate, TLS context). Cached: the same host again. */
async function leafTimings(ca: LocalCa, cold: number): Promise<{ cold: Timing; cached: Timing }> {
  const leaves = new LeafCertificates(ca);
  await leaves.get("warm-up.bench.example");
  const time = async (count: number, get: (i: number) => Promise<unknown>): Promise<Timing> => {
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
  };
  return {
    cold: await time(cold, (i) => leaves.get(`host-${i}.bench.example`)),
    cached: await time(20_000, () => leaves.get("host-0.bench.example")),
  };
}

async function packageVersion(name: string): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string };
  return manifest.version;
}

await main();
