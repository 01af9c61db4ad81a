/** Around the measurements: priming a path before its window, and checking that forwarding really injects the credential. */
import type { LocalCa } from "../cli/mitm/certificates.ts";
import type { OwnEdge } from "../test/cli/support/edge.ts";
import type { BenchEdge } from "./edge-setup.ts";
import { SERVICE_HOST } from "./edge-setup.ts";
import type { Child } from "./child.ts";
import type { MitmInfo } from "./mitm.child.ts";
import type { ServersInfo, UpstreamStats } from "./servers.child.ts";
import { PATH } from "./settings.ts";
import { tlsLoad } from "./tls-load.ts";

type PrimingRequest = { url: string; method?: string; headers: Record<string, string>; body?: string };

/** Sends each request once, 16 at a time; every answer must be 2xx. */
export async function prime(requests: readonly PrimingRequest[]): Promise<void> {
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
export async function checkForwarding(
  edge: OwnEdge,
  bench: BenchEdge,
  servers: ServersInfo,
  ca: LocalCa,
  mitmEdge: Child<MitmInfo>,
  checks: string[],
): Promise<void> {
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

export async function upstreamStats(upstream: string): Promise<UpstreamStats> {
  return (await (await fetch(`${upstream}/__stats`)).json()) as UpstreamStats;
}
