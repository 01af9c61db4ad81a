/**
 * The MITM's floor: the smallest intercepting proxy Node can be, with none of the CLI's code on a
 * request's path. An `http` server's `connect` event answers 200 and terminates TLS on the socket
 * with one leaf for the bench's host (minted once, at start), an `http` server parses the
 * requests on it, and each goes to the stub edge's `/proxy/<host><path>` with the session token,
 * through a kept-alive agent, its answer piped back; headers travel as Node's flat lists both ways
 * (the tightest way Node's `http` takes them). No proxy authentication, no decision about
 * the host, no header filtering, no error mapping. The MITM (cli/mitm/) is judged against
 * mitmdump; this row shows what any intercepting proxy written in Node pays for the same
 * requests, so that what the MITM adds can be told from what Node's TLS and HTTP cost.
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import tls from "node:tls";
import { LeafCertificates, loadCa } from "../cli/mitm/certificates.ts";
import { announce } from "./child.ts";

export type MitmFloorInfo = { port: number };

const need = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const edge = new URL(need("BENCH_MITM_EDGE"));
const token = need("BENCH_MITM_TOKEN");
const host = need("BENCH_MITM_HOST");
const ca = await loadCa(need("BENCH_CA_DIR"));
if (!ca) throw new Error("BENCH_CA_DIR has no CA");
const { secureContext } = await new LeafCertificates(ca).get(host);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, noDelay: true });

/** The client's headers as Node read them (a flat list, passed on without re-validation), `Host` and `Authorization` replaced. */
function headersFor(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (lower !== "host" && lower !== "authorization") out.push(name, raw[i + 1] as string);
  }
  out.push("host", edge.host, "authorization", `Bearer ${token}`);
  return out;
}

const intercepted = http.createServer((req, res) => {
  const outgoing = http.request(
    { hostname: edge.hostname, port: edge.port, method: req.method, path: `/proxy/${host}${req.url ?? "/"}`, headers: headersFor(req.rawHeaders), agent },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(res);
    },
  );
  outgoing.on("error", () => res.destroy());
  req.pipe(outgoing);
});

const server = http.createServer((_, res) => res.writeHead(405).end());
server.on("connect", (_req: http.IncomingMessage, client: Socket) => {
  client.setNoDelay(true);
  client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
  const secure = new tls.TLSSocket(client, { isServer: true, secureContext, ALPNProtocols: ["http/1.1"] });
  secure.on("error", () => client.destroy());
  intercepted.emit("connection", secure);
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

announce({ port: (server.address() as AddressInfo).port } satisfies MitmFloorInfo, async () => {
  server.closeAllConnections();
  intercepted.closeAllConnections();
  agent.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
