/**
 * The loopback servers the bench measures against, in one child process (bench/child.ts):
 *
 * - the **upstream**: a service's real API, answering a small JSON body (1 MiB of JSON at
 *   `/json-1mib`, for redaction). It records how many requests reached it and how many carried
 *   the injected credential (`GET /__stats`), so the bench can tell a measured proxy actually
 *   forwarded, with the credential.
 * - the **stub edge**: a Node HTTP server answering `/proxy/<host>/<path>` the way the edge does
 *   (same status, headers and body as the upstream's), with no work behind it: the MITM in front
 *   of it pays only its own cost.
 * - the **TLS server**: the same answer over HTTPS on 127.0.0.2, with a certificate from the
 *   bench's CA: the host the MITM tunnels (it has no service), and the direct baseline.
 */
import { once } from "node:events";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { loadCa, mintLeaf } from "../cli/mitm/certificates.ts";
import { announce } from "./child.ts";
import { JSON_1MIB_PATH } from "./settings.ts";

export type ServersInfo = { upstream: string; stub: string; tls: { host: string; port: number } };
export type UpstreamStats = { requests: number; withCredential: number };

const BODY = '{"ok":true,"from":"bench upstream"}';
const credential = process.env.BENCH_CREDENTIAL ?? "";
const stats: UpstreamStats = { requests: 0, withCredential: 0 };
const stubStats: UpstreamStats = { requests: 0, withCredential: 0 };

/** A 1 MiB JSON answer (a list of items), built once: what redaction scans as it streams. */
const JSON_1MIB = (() => {
  const item = '{"id":"item_0000000","name":"a record the bench upstream returns","tags":["x","y","z"],"ok":true}';
  const items: string[] = [];
  let size = 2;
  while (size + item.length + 1 <= 1024 * 1024) {
    items.push(item);
    size += item.length + 1;
  }
  const body = `[${items.join(",")}]`;
  return Buffer.from(body.padEnd(1024 * 1024 - 1, " ").concat("\n"));
})();

/** The upstream's answer: what every measured path ends with. */
function answer(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(BODY) });
  res.end(BODY);
}

/** Reads and discards a request body (none in the bench, but a keep-alive connection needs it consumed). */
function drained(req: IncomingMessage, then: () => void): void {
  req.resume();
  req.once("end", then);
}

const upstream = http.createServer((req, res) => {
  if (req.url === "/__stats") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(stats));
    return;
  }
  stats.requests += 1;
  if (credential && req.headers.authorization === `Bearer ${credential}`) stats.withCredential += 1;
  if (req.url === JSON_1MIB_PATH) {
    drained(req, () => {
      res.writeHead(200, { "content-type": "application/json", "content-length": JSON_1MIB.length });
      res.end(JSON_1MIB);
    });
    return;
  }
  drained(req, () => answer(res));
});

const stub = http.createServer((req, res) => {
  if (req.url === "/__stats") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(stubStats));
    return;
  }
  stubStats.requests += 1;
  if (req.url?.startsWith("/proxy/") && req.headers.authorization?.startsWith("Bearer ")) stubStats.withCredential += 1;
  drained(req, () => answer(res));
});

const caDir = process.env.BENCH_CA_DIR;
const ca = caDir ? await loadCa(caDir) : undefined;
if (!ca) throw new Error("BENCH_CA_DIR must name the bench's CA");
const TLS_HOST = "127.0.0.2";
const leaf = await mintLeaf(ca, TLS_HOST);
const secure = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => drained(req, () => answer(res)));

// Idle keep-alive connections stay open across the bench's pauses between scenarios.
for (const server of [upstream, stub, secure]) server.keepAliveTimeout = 60_000;

upstream.listen(0, "127.0.0.1");
stub.listen(0, "127.0.0.1");
secure.listen(0, TLS_HOST);
await Promise.all([once(upstream, "listening"), once(stub, "listening"), once(secure, "listening")]);
const port = (server: http.Server) => (server.address() as AddressInfo).port;

const info: ServersInfo = {
  upstream: `http://127.0.0.1:${port(upstream)}`,
  stub: `http://127.0.0.1:${port(stub)}`,
  tls: { host: TLS_HOST, port: port(secure) },
};
announce(info, async () => {
  for (const server of [upstream, stub, secure]) server.closeAllConnections();
});
