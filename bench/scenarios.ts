/**
 * The scenarios `npm run bench` measures, each with the processes it goes through (whose CPU it
 * is charged), what primes it, and how its load is made. See bench/README.md, "Scenarios".
 */
import type { LocalCa } from "../cli/mitm/certificates.ts";
import type { OwnEdge } from "../test/cli/support/edge.ts";
import type { ChainBench } from "./chain-setup.ts";
import { chainScenarios } from "./chain-scenarios.ts";
import { prime } from "./checks.ts";
import type { Child } from "./child.ts";
import { type BenchEdge, SERVICE_HOST } from "./edge-setup.ts";
import type { FloorWorker } from "./floor.ts";
import { httpLoad } from "./http-load.ts";
import type { Measurement, RunWindow } from "./measurement.ts";
import type { MitmInfo } from "./mitm.child.ts";
import type { MitmFloorInfo } from "./mitm-floor.child.ts";
import type { RelayInfo } from "./relay.child.ts";
import type { Mitmdump } from "./mitmdump.ts";
import type { Component } from "./process-cpu.ts";
import type { ServersInfo } from "./servers.child.ts";
import { CONNECTIONS, JSON_1MIB_PATH, PATH, settings, STUB_TOKEN } from "./settings.ts";
import { tlsLoad } from "./tls-load.ts";

export type Case = {
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
  /** Measured in this many rounds at most (the first ones); every round when unset. */
  rounds?: number;
  run(connections: number, window: RunWindow): Promise<Measurement>;
};

/** What every run starts: the loopback servers, the MITM in front of the stub edge, mitmdump. */
export type Parts = {
  servers: ServersInfo;
  ca: LocalCa;
  mitmStub: Child<MitmInfo>;
  /** Node's bare CONNECT relay (bench/relay.child.ts): the tunnel's floor. */
  relay: Child<RelayInfo>;
  /** Node's bare intercepting proxy (bench/mitm-floor.child.ts): the MITM's floor. */
  mitmFloor: Child<MitmFloorInfo>;
  mitmdump: Mitmdump | undefined;
  /** What only a whole run starts (not `--mitm-only`): the two `wrangler dev` and the MITM in front of the edge. */
  edgeParts?: EdgeParts;
};
export type EdgeParts = { edge: OwnEdge; floor: FloorWorker; bench: BenchEdge; mitmEdge: Child<MitmInfo>; chains?: ChainBench };

/** Which of the bench's processes each scenario goes through (by id, or id prefix before "-<n>"). */
const USES: Record<string, readonly Component[]> = {
  upstream: ["servers"],
  floor: ["floor", "servers"],
  "floor-gate": ["floor", "servers"],
  "floor-admit": ["floor", "servers"],
  "floor-work": ["floor", "servers"],
  proxy: ["edge", "servers"],
  "direct-tls": ["servers"],
  tunnel: ["mitm-stub", "servers"],
  "tunnel-floor": ["relay", "servers"],
  "mitm-stub": ["mitm-stub", "servers"],
  "mitm-floor": ["mitm-floor", "servers"],
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
  "floor-objects": ["floor", "servers"],
  "chain-append": ["edge"],
  "chain-proof": ["edge"],
  "redaction-on": ["edge", "servers"],
  "redaction-off": ["edge", "servers"],
};

export function scenarioCases(parts: Parts): Case[] {
  return scenarioRuns(parts).map((c) => {
    const uses = USES[c.id] ?? USES[c.id.replace(/-\d+$/, "")];
    if (!uses) throw new Error(`no USES entry for ${c.id}`);
    return { ...c, uses };
  });
}

/** A case's prime and run that send each request with the next of `headers` in turn (every one primed once). */
function roundRobin(url: string, headers: readonly Record<string, string>[]): Pick<Case, "prime" | "run"> {
  let next = 0;
  return {
    prime: () => prime(headers.map((each) => ({ url, headers: each }))),
    run: (connections, window) =>
      httpLoad({
        url,
        connections,
        ...window,
        perRequest: () => {
          next = (next + 1) % headers.length;
          return headers[next] ?? {};
        },
      }),
  };
}

const basicAuth = (token: string) => `Basic ${Buffer.from(`${token}:bench`).toString("base64")}`;

function scenarioRuns(parts: Parts): Omit<Case, "uses">[] {
  const { servers, ca, mitmStub, relay, mitmFloor, mitmdump, edgeParts } = parts;
  const https = httpsRun(ca);
  const direct = { host: servers.tls.host, port: servers.tls.port };
  const viaStub = { port: mitmStub.info.port, authorization: basicAuth(STUB_TOKEN) };
  const mitmCases: Omit<Case, "uses">[] = [
    { id: "direct-tls", title: "HTTPS straight to a TLS server", connections: CONNECTIONS, run: https(direct) },
    { id: "tunnel", title: "MITM tunnel (host without a service) to that TLS server", connections: CONNECTIONS, run: https({ ...direct, proxy: viaStub }) },
    {
      id: "tunnel-floor",
      title: "Node's bare CONNECT relay (the tunnel's floor) to that TLS server",
      connections: CONNECTIONS,
      run: https({ ...direct, proxy: { port: relay.info.port } }),
    },
    { id: "mitm-stub", title: "MITM intercepting → stub edge (its own cost)", connections: CONNECTIONS, run: https({ proxy: viaStub }) },
    {
      id: "mitm-floor",
      title: "Node's bare intercepting proxy (the MITM's floor) → stub edge",
      connections: CONNECTIONS,
      run: https({ proxy: { port: mitmFloor.info.port } }),
    },
  ];
  if (mitmdump) {
    mitmCases.push({
      id: "mitmdump",
      title: `mitmdump ${mitmdump.version} intercepting → stub edge`,
      connections: CONNECTIONS,
      run: https({ proxy: { port: mitmdump.port }, ca: mitmdump.caPem }),
    });
  }
  const setupCases: Omit<Case, "uses">[] = settings.setupRows
    ? [
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
      ]
    : [];
  if (!edgeParts) return [...mitmCases, ...setupCases];
  const edge = edgeScenarioRuns(servers, edgeParts, https);
  return [...edge.before, ...mitmCases, edge.mitmEdge, ...setupCases, ...edge.after];
}

type HttpsRunOptions = { proxy?: { port: number; authorization?: string }; ca?: string; host?: string; port?: number; perRequest?: boolean };

const httpsRun = (ca: LocalCa) => (options: HttpsRunOptions) => (connections: number, window: RunWindow) =>
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

/** The scenarios through `wrangler dev`: before the MITM's in the report, the MITM in front of the edge, and after. */
function edgeScenarioRuns(
  servers: ServersInfo,
  { edge, floor, bench, mitmEdge, chains }: EdgeParts,
  https: ReturnType<typeof httpsRun>,
): { before: Omit<Case, "uses">[]; mitmEdge: Omit<Case, "uses">; after: Omit<Case, "uses">[] } {
  const session = { authorization: `Bearer ${bench.session}` };
  const plain =
    (url: string, headers: Record<string, string> = {}) =>
    (connections: number, window: RunWindow) =>
      httpLoad({ url, connections, ...window, headers });
  const proxyUrl = `${edge.addr}/proxy/${SERVICE_HOST}${PATH}`;
  const primeProxy = () => prime([{ url: proxyUrl, headers: session }]);

  const before: Omit<Case, "uses">[] = [
    { id: "upstream", title: "upstream directly", connections: CONNECTIONS, run: plain(`${servers.upstream}${PATH}`) },
    { id: "floor", title: "floor: bare forwarding Worker (wrangler dev)", connections: CONNECTIONS, run: plain(`${floor.addr}${PATH}`) },
    {
      id: "floor-gate",
      title: "floor + a Durable Object call before and after",
      connections: CONNECTIONS,
      run: plain(`${floor.addr}/__gate${PATH}`),
    },
    {
      id: "floor-admit",
      title: "floor + one Durable Object call before",
      connections: CONNECTIONS,
      run: plain(`${floor.addr}/__admit${PATH}`),
    },
    {
      id: "floor-work",
      title: "floor + what a proxy cannot skip (one DO call, headers, timeout, whole answer searched, log rows written to D1 in batches)",
      connections: CONNECTIONS,
      run: plain(`${floor.addr}/__work${PATH}`),
    },
    {
      id: "proxy",
      title: "/proxy/<host>/<path> warm (edge)",
      connections: CONNECTIONS,
      prime: primeProxy,
      run: plain(`${edge.addr}/proxy/${SERVICE_HOST}${PATH}`, session),
    },
  ];
  const mitmEdgeCase: Omit<Case, "uses"> = {
    id: "mitm-edge",
    title: "MITM intercepting → real edge → upstream",
    connections: CONNECTIONS,
    prime: primeProxy,
    run: https({ proxy: { port: mitmEdge.info.port, authorization: basicAuth(bench.session) } }),
  };
  const after: Omit<Case, "uses">[] = [];
  const agent = bench.agents[0];
  if (!agent) throw new Error("no agent");
  const exchangeBody = new URLSearchParams({
    grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
    subject_token: bench.svid,
    subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
  }).toString();
  after.push(
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

  // A 1 MiB JSON answer through /proxy: the same service, its responses redacted as they stream, or not.
  for (const [id, token] of [
    ["redaction-on", bench.redaction.on],
    ["redaction-off", bench.redaction.off],
  ] as const) {
    const url = `${edge.addr}/proxy/${SERVICE_HOST}${JSON_1MIB_PATH}`;
    after.push({
      id,
      title: `/proxy, a 1 MiB JSON answer, redaction ${id === "redaction-on" ? "on (the default)" : "off"}`,
      connections: CONNECTIONS,
      prime: () => prime([{ url, headers: { authorization: `Bearer ${token}` } }]),
      run: plain(url, { authorization: `Bearer ${token}` }),
    });
  }
  for (const n of settings.services) {
    const token = bench.servicesVaults.get(n);
    if (!token) throw new Error(`no vault with ${n} services`);
    after.push({
      id: `services-${n}`,
      title: `/proxy, vault of ${n} service${n > 1 ? "s" : ""} (matched one last)`,
      connections: settings.scalingConnections,
      prime: () => prime([{ url: proxyUrl, headers: { authorization: `Bearer ${token}` } }]),
      run: plain(proxyUrl, { authorization: `Bearer ${token}` }),
    });
  }
  for (const n of settings.agents) {
    const headers = bench.agents.slice(0, n).map((a) => ({ authorization: `Bearer ${a.token}`, "x-vault": bench.agentsVault }));
    after.push({
      id: `agents-${n}`,
      title: `/proxy, ${n} agent${n > 1 ? "s" : ""} sharing the vault (round-robin tokens)`,
      connections: settings.scalingConnections,
      ...roundRobin(proxyUrl, headers),
    });
  }
  // The floor's one call spread over as many Durable Objects as the agents have gates, against one:
  // what the runtime charges for the objects themselves.
  for (const n of [settings.agents[0], settings.agents[settings.agents.length - 1]]) {
    if (n === undefined || after.some((c) => c.id === `floor-objects-${n}`)) continue;
    const headers = Array.from({ length: n }, (_, i) => ({ "x-bench-object": `bench-${i}` }));
    after.push({
      id: `floor-objects-${n}`,
      title: `floor + one Durable Object call before, to ${n} object${n > 1 ? "s" : ""} (round-robin)`,
      connections: settings.scalingConnections,
      ...roundRobin(`${floor.addr}/__objects${PATH}`, headers),
    });
  }
  if (chains) after.push(...chainScenarios(edge, chains));
  return { before, mitmEdge: mitmEdgeCase, after };
}
