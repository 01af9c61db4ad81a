/**
 * What the MITM sends the edge and what it hands back, against a recording stub edge (a Node
 * server answering like the edge), with no `wrangler dev` behind it: the header rules both ways
 * (workers/lib/http/forward-headers.ts), the session token in place of the client's credentials,
 * bodies streamed both ways, keep-alive, and the listener's JSON error when the edge is gone.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp } from "node:fs/promises";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { afterAll, beforeAll, describe, it } from "vitest";
import { LeafCertificates, type LocalCa, loadOrCreateCa } from "../../cli/mitm/certificates.ts";
import { type MitmListener, startListener } from "../../cli/mitm/listener.ts";
import { SingleSession } from "../../cli/mitm/proxy-auth.ts";
import { parseDiscoveredHost, ServiceHosts } from "../../cli/mitm/service-hosts.ts";
import type { ServiceHost } from "../../workers/lib/http/host-pattern.ts";
import { basic, connect } from "./support/mitm.ts";

const HOST = "api.forwarding.test";
const TOKEN = "evs_forwarding_test_token";
const VAULT = "fwd";

type Seen = { method: string; url: string; rawHeaders: string[]; body: Buffer };

/** The stub edge: records each request, answers with whatever the current test set. */
async function startStubEdge(): Promise<{
  addr: string;
  seen: Seen[];
  answer: (fn: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void) => void;
  close(): Promise<void>;
}> {
  const seen: Seen[] = [];
  let handler = (_req: IncomingMessage, res: ServerResponse, _body: Buffer): void => {
    res.end("ok");
  };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    seen.push({ method: req.method ?? "", url: req.url ?? "", rawHeaders: req.rawHeaders, body });
    handler(req, res, body);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    addr: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    answer: (fn) => {
      handler = fn;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A client for HOST over one intercepted connection (CONNECT, then TLS verified against the CA):
 * a keep-alive agent that can only ever use that one socket, so a connection closed between
 * requests fails the next one instead of being silently replaced.
 */
async function intercepted(port: number, ca: LocalCa): Promise<{ agent: http.Agent; secure: tls.TLSSocket }> {
  const tunnel = await connect(port, `${HOST}:443`, basic(TOKEN, VAULT));
  assert.equal(tunnel.status, 200, tunnel.body);
  const secure = tls.connect({ socket: tunnel.socket as Duplex, servername: HOST, ca: ca.certPem, ALPNProtocols: ["http/1.1"] });
  await once(secure, "secureConnect");
  let handedOut = false;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  agent.createConnection = () => {
    if (handedOut) throw new Error("the intercepted connection was closed between requests");
    handedOut = true;
    return secure;
  };
  return { agent, secure };
}

type Answer = { status: number; statusMessage: string; rawHeaders: string[]; body: Buffer };

/** One request on the intercepted connection. */
async function request(
  client: { agent: http.Agent },
  options: { method?: string; path: string; headers?: http.OutgoingHttpHeaders | string[]; body?: Buffer | Buffer[] },
): Promise<Answer> {
  const req = http.request({ method: options.method ?? "GET", path: options.path, headers: options.headers, agent: client.agent, host: HOST });
  if (Array.isArray(options.body)) for (const chunk of options.body) req.write(chunk);
  else if (options.body) req.write(options.body);
  req.end();
  const [res] = (await once(req, "response")) as [IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return { status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? "", rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) };
}

/** Lower-case names with their values, in order. */
const pairs = (raw: readonly string[]): [string, string][] =>
  Array.from({ length: raw.length / 2 }, (_, i) => [raw[2 * i]?.toLowerCase() ?? "", raw[2 * i + 1] ?? ""]);
const names = (raw: readonly string[]) => pairs(raw).map(([name]) => name);
const values = (raw: readonly string[], name: string) =>
  pairs(raw)
    .filter(([n]) => n === name)
    .map(([, v]) => v);

describe("the MITM forwarding to the edge", { timeout: 60_000 }, () => {
  let edge: Awaited<ReturnType<typeof startStubEdge>>;
  let listener: MitmListener;
  let sessions: SingleSession;
  let ca: LocalCa;

  beforeAll(async () => {
    edge = await startStubEdge();
    ca = await loadOrCreateCa(await mkdtemp(path.join(tmpdir(), "ev-fwd-ca-")));
    const patterns = [parseDiscoveredHost(HOST)].filter((p): p is ServiceHost => p !== undefined);
    const hosts = new ServiceHosts({ load: async () => ({ vault: VAULT, patterns, policy: "passthrough" as const }) });
    await hosts.ready();
    sessions = new SingleSession(TOKEN, VAULT, hosts);
    listener = await startListener({ edgeAddr: edge.addr, sessions, leaves: new LeafCertificates(ca) });
  });

  afterAll(async () => {
    await listener?.close();
    sessions?.close();
    await edge?.close();
  });

  describe("towards the edge", () => {
    it("sends /proxy/<host><path> with the session token; hop-by-hop, Connection-named and proxy headers stay behind; repeated headers stay repeated", async () => {
      edge.answer((_req, res) => res.end("ok"));
      const client = await intercepted(listener.port, ca);
      const answer = await request(client, {
        path: "/v1/items?limit=3&q=%20x",
        headers: [
          "Host",
          HOST,
          "Authorization",
          "Bearer client-own-token",
          "Connection",
          "keep-alive, X-Drop-Me",
          "X-Drop-Me",
          "gone",
          "Keep-Alive",
          "timeout=5",
          "TE",
          "trailers",
          "Proxy-Authorization",
          basic(TOKEN, VAULT),
          "Proxy-Connection",
          "keep-alive",
          "X-Vault",
          "someone-else",
          "Accept",
          "application/json",
          "X-Repeated",
          "one",
          "X-Repeated",
          "two",
        ],
      });
      client.secure.destroy();
      assert.equal(answer.status, 200);
      const seen = edge.seen.at(-1);
      assert.ok(seen);
      assert.equal(seen.url, `/proxy/${HOST}/v1/items?limit=3&q=%20x`);
      assert.deepEqual(values(seen.rawHeaders, "authorization"), [`Bearer ${TOKEN}`]);
      assert.deepEqual(values(seen.rawHeaders, "host"), [new URL(edge.addr).host]);
      assert.deepEqual(values(seen.rawHeaders, "x-repeated"), ["one", "two"]);
      assert.deepEqual(values(seen.rawHeaders, "accept"), ["application/json"]);
      for (const name of ["x-drop-me", "keep-alive", "te", "proxy-authorization", "proxy-connection", "x-vault", "upgrade", "trailer"]) {
        assert.ok(!names(seen.rawHeaders).includes(name), `${name} reached the edge: ${seen.rawHeaders.join(", ")}`);
      }
      // Whatever Connection the edge sees is the MITM's own, never the client's list.
      assert.ok(values(seen.rawHeaders, "connection").every((v) => !/x-drop-me/i.test(v)));
    });

    it("agent headers in the X-Edgevault- namespace never reach the edge; the MITM sends none of its own", async () => {
      edge.answer((_req, res) => res.end("ok"));
      const client = await intercepted(listener.port, ca);
      const answer = await request(client, {
        path: "/hook",
        headers: [
          "Host",
          HOST,
          "X-Edgevault-Signature",
          "t=1,v1=forged",
          "x-edgevault-event",
          "proposal.applied",
          "X-EDGEVAULT-ERROR",
          "forbidden",
          "X_Edgevault_Delivery",
          "forged",
          "X-Kept",
          "yes",
        ],
      });
      client.secure.destroy();
      assert.equal(answer.status, 200);
      const seen = edge.seen.at(-1);
      assert.ok(seen);
      assert.deepEqual(
        names(seen.rawHeaders).filter((name) => name.replaceAll("_", "-").startsWith("x-edgevault-")),
        [],
      );
      assert.deepEqual(values(seen.rawHeaders, "x-kept"), ["yes"]);
    });

    it("streams a chunked upload and a Content-Length upload intact", async () => {
      edge.answer((_req, res, body) => res.end(String(body.length)));
      const client = await intercepted(listener.port, ca);
      const chunks = Array.from({ length: 64 }, (_, i) => Buffer.alloc(16_384, i));
      const chunked = await request(client, { method: "POST", path: "/upload", headers: { "transfer-encoding": "chunked" }, body: chunks });
      assert.equal(chunked.body.toString(), String(64 * 16_384));
      assert.deepEqual(edge.seen.at(-1)?.body, Buffer.concat(chunks));
      assert.deepEqual(values(edge.seen.at(-1)?.rawHeaders ?? [], "transfer-encoding"), ["chunked"]);
      const sized = Buffer.from("x".repeat(100_000));
      const withLength = await request(client, { method: "PUT", path: "/upload", headers: { "content-length": String(sized.length) }, body: sized });
      assert.equal(withLength.body.toString(), "100000");
      assert.deepEqual(edge.seen.at(-1)?.body, sized);
      assert.deepEqual(values(edge.seen.at(-1)?.rawHeaders ?? [], "content-length"), ["100000"]);
      client.secure.destroy();
    });
  });

  describe("back to the client", () => {
    it("passes status, reason and end-to-end headers (X-Edgevault-Error included); drops hop-by-hop and Connection-named ones", async () => {
      edge.answer((_req, res) => {
        res.writeHead(429, "Slow Down", [
          "Content-Type",
          "application/json",
          "Retry-After",
          "3",
          "X-Edgevault-Error",
          "rate_limited",
          "Set-Cookie",
          "a=1",
          "Set-Cookie",
          "b=2",
          "Connection",
          "keep-alive, X-Secret-Hop",
          "X-Secret-Hop",
          "hidden",
          "Keep-Alive",
          "timeout=60",
          "Content-Length",
          "24",
        ]);
        res.end('{"error":"rate_limited"}');
      });
      const client = await intercepted(listener.port, ca);
      const answer = await request(client, { path: "/limited" });
      client.secure.destroy();
      assert.equal(answer.status, 429);
      assert.equal(answer.statusMessage, "Slow Down");
      assert.equal(answer.body.toString(), '{"error":"rate_limited"}');
      assert.deepEqual(values(answer.rawHeaders, "retry-after"), ["3"]);
      assert.deepEqual(values(answer.rawHeaders, "x-edgevault-error"), ["rate_limited"]);
      assert.deepEqual(values(answer.rawHeaders, "set-cookie"), ["a=1", "b=2"]);
      assert.ok(!names(answer.rawHeaders).includes("x-secret-hop"));
      assert.ok(!values(answer.rawHeaders, "keep-alive").includes("timeout=60"));
    });

    it("streams a large chunked answer, answers HEAD and 204 without a body, and keeps one connection for all of them", async () => {
      const big = Buffer.alloc(3 * 1024 * 1024, 7);
      edge.answer((req, res) => {
        if (req.method === "HEAD") {
          res.writeHead(200, { "content-length": "12345" });
          res.end();
        } else if (req.url?.endsWith("/empty")) {
          res.writeHead(204);
          res.end();
        } else {
          res.writeHead(200, { "content-type": "application/octet-stream" });
          for (let i = 0; i < big.length; i += 65_536) res.write(big.subarray(i, i + 65_536));
          res.end();
        }
      });
      const client = await intercepted(listener.port, ca);
      const streamed = await request(client, { path: "/big" });
      assert.equal(streamed.status, 200);
      assert.ok(streamed.body.equals(big), "the streamed answer arrived intact");
      const head = await request(client, { method: "HEAD", path: "/big" });
      assert.equal(head.status, 200);
      assert.deepEqual(values(head.rawHeaders, "content-length"), ["12345"]);
      assert.equal(head.body.length, 0);
      const empty = await request(client, { path: "/empty" });
      assert.equal(empty.status, 204);
      const again = await request(client, { path: "/big" });
      assert.equal(again.body.length, big.length);
      assert.ok(!client.secure.destroyed, "the same intercepted connection served every request");
      client.secure.destroy();
    });

    it("answers 502 edge_unreachable as JSON when the edge is gone", async () => {
      const gone = await startStubEdge();
      await gone.close();
      const patterns = [parseDiscoveredHost(HOST)].filter((p): p is ServiceHost => p !== undefined);
      const hosts = new ServiceHosts({ load: async () => ({ vault: VAULT, patterns, policy: "passthrough" as const }) });
      await hosts.ready();
      const lonely = new SingleSession(TOKEN, VAULT, hosts);
      const orphan = await startListener({ edgeAddr: gone.addr, sessions: lonely, leaves: new LeafCertificates(ca) });
      try {
        const client = await intercepted(orphan.port, ca);
        const answer = await request(client, { path: "/v1/items" });
        client.secure.destroy();
        assert.equal(answer.status, 502);
        assert.deepEqual(values(answer.rawHeaders, "x-edgevault-error"), ["edge_unreachable"]);
        assert.equal((JSON.parse(answer.body.toString()) as { error: string }).error, "edge_unreachable");
      } finally {
        await orphan.close();
        lonely.close();
      }
    });
  });
});
