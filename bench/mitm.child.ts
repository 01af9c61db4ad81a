/**
 * The CLI's MITM listener (cli/mitm/listener.ts `startListener`, as `edgevault vault run`
 * starts it) in a child process of its own, for one session:
 *
 * - `BENCH_MITM_DISCOVER=static`: the hosts to intercept are given (`BENCH_MITM_HOSTS`), so the
 *   listener never asks the edge: used in front of the stub edge, which answers only `/proxy`.
 * - `BENCH_MITM_DISCOVER=edge`: the hosts come from the edge's `/discover`, refreshed every 5 s,
 *   exactly as `vault run` does.
 */
import { ApiClient } from "../cli/edge/api-client.ts";
import { LeafCertificates, loadCa } from "../cli/mitm/certificates.ts";
import { startListener } from "../cli/mitm/listener.ts";
import { SingleSession } from "../cli/mitm/proxy-auth.ts";
import { edgeSnapshotLoader, parseDiscoveredHost, ServiceHosts } from "../cli/mitm/service-hosts.ts";
import type { ServiceHost } from "../workers/lib/http/host-pattern.ts";
import { announce } from "./child.ts";

export type MitmInfo = { port: number };

const need = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const edgeAddr = need("BENCH_MITM_EDGE");
const token = need("BENCH_MITM_TOKEN");
const vault = need("BENCH_MITM_VAULT");
const ca = await loadCa(need("BENCH_CA_DIR"));
if (!ca) throw new Error("BENCH_CA_DIR has no CA");

const patterns = (process.env.BENCH_MITM_HOSTS ?? "")
  .split(",")
  .filter(Boolean)
  .map((host) => parseDiscoveredHost(host))
  .filter((p): p is ServiceHost => p !== undefined);
const load =
  process.env.BENCH_MITM_DISCOVER === "edge"
    ? edgeSnapshotLoader(new ApiClient({ addr: edgeAddr, token }))
    : async () => ({ vault, patterns, policy: "passthrough" as const });
const hosts = new ServiceHosts({ load });
await hosts.ready();
const sessions = new SingleSession(token, vault, hosts);
const listener = await startListener({ edgeAddr, sessions, leaves: new LeafCertificates(ca) });

announce({ port: listener.port } satisfies MitmInfo, async () => {
  await listener.close();
  sessions.close();
});
