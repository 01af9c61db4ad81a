/**
 * A recording upstream for proxy tests (plain Node `http`, started once by the Worker suite's
 * globalSetup). Every request is recorded under a test-chosen id — the `x-test-id` header or
 * a `/r/<id>/…` path prefix — so parallel tests never read each other's traffic. Bodies are
 * streamed: counted and hashed, only the first 64 KiB kept as text, so 50 MB uploads are cheap.
 *
 * Behaviour by path (after the optional `/r/<id>` prefix):
 * - `/status/<code>`   answers that status (with the echo body unless the status has none)
 * - `/redirect`        302 to `?to=` or `/r/<id>/redirected`; a follower would be recorded there
 * - `/set-cookie`      200 with `Set-Cookie`, `Set-Cookie2` and `Alt-Svc`
 * - `/hop-by-hop`      200 with hop-by-hop headers and a `Connection`-named one
 * - `/headers?a=1&b=2` 200 with each query pair as a response header (`a: 1`, `b: 2`)
 * - `/big/<bytes>`     streams that many bytes (`abc…` repeating), with Content-Length (and `?type=`, default application/octet-stream)
 * - `/slow/<ms>`       waits before sending headers, then echoes
 * - `/hang`            never answers
 * - `/reset[/<n>]`     sends headers (a Content-Length of n, default 1,000,000) and part of a body, then resets the connection
 * - `/partial/<n>`     declares a Content-Length of n, sends a first line and holds the rest back
 * - `/early-hints`     sends 103 Early Hints, then a 200 JSON answer
 * - `/huge-headers/<n>` answers with one header of n bytes
 * - `/endless`         streams a body that never ends (until the client goes away)
 * - `/answer/<status>/<base64url JSON>` answers that status with that JSON: a token endpoint
 *                      saying exactly what a test needs (`expires_in: 0`, `token_type: "DPoP"`, …)
 * - `/unauthorized-first` answers 401 (with `WWW-Authenticate: Bearer error="invalid_token"`) to
 *                      the first request under its id and echoes every later one: an access token
 *                      its provider revoked before it expired, as an OAuth service's upstream sees it
 * - `/reflect`         echoes a credential it received, as a careless upstream would: the value of
 *                      the request header `x-reflect-from` (default `authorization`, its scheme
 *                      dropped) in the `?form=` (raw, base64, base64url, percent, json), in the
 *                      response header `x-echoed` and in a body shaped by `?shape=` (json, text, sse,
 *                      bytes) of type `?type=`, gzip-encoded with `?gzip=1`, written `?chunk=` bytes
 *                      at a time with a pause between writes, so the value reaches the edge split
 *                      across chunks, after `?pad=<n>` dots (a large answer)
 * - anything else      200 JSON echo of what arrived
 * - WebSocket upgrade  recorded, then text frames are echoed back as `echo:<text>`
 * A request header `x-test-route: <route>` picks the behaviour whatever the path (a fuzzed path
 * still gets `/big/16` and not the echo, which would hand the injected credential back).
 * Control: `GET /__recorded/<id>` returns that id's recorded requests as JSON.
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { acceptWebSocket } from "./websocket-echo.ts";
import type { Socket } from "node:net";

export type RecordedRequest = {
  method: string;
  /** Path and query as received, including any `/r/<id>` prefix. */
  url: string;
  /** Lower-case names; repeated headers keep every value. */
  headers: Record<string, string | string[]>;
  /** Raw header pairs in arrival order, as sent on the wire. */
  rawHeaders: string[];
  bodyBytes: number;
  /** Hex SHA-256 of the whole body (final once `complete`). */
  bodySha256: string;
  /** The first 64 KiB of the body, decoded as UTF-8. */
  bodyText: string;
  /** False while the body is still arriving (or if the client went away). */
  complete: boolean;
  aborted: boolean;
  receivedAt: number;
};

export type UpstreamServer = { port: number; url: string; close(): Promise<void> };

const TEXT_LIMIT = 64 * 1024;
/** Fires whenever a recording is added or finishes; the control endpoint waits on it. */
const changes = new EventEmitter().setMaxListeners(0);
const ANONYMOUS = "_";

export async function startUpstreamServer(options: { port?: number } = {}): Promise<UpstreamServer> {
  const recordings = new Map<string, RecordedRequest[]>();
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    handle(req, res, recordings).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    });
  });
  // WebSocket upgrades are recorded like requests (so tests see the injected credential), then echoed.
  server.on("upgrade", (req: IncomingMessage, socket: Duplex) => {
    const id = typeof req.headers["x-test-id"] === "string" ? req.headers["x-test-id"] : (/^\/r\/([^/]+)/.exec(req.url ?? "")?.[1] ?? ANONYMOUS);
    const list = recordings.get(id) ?? [];
    list.push({
      method: req.method ?? "GET",
      url: req.url ?? "/",
      headers: { ...req.headers } as RecordedRequest["headers"],
      rawHeaders: [...req.rawHeaders],
      bodyBytes: 0,
      bodySha256: "",
      bodyText: "",
      complete: true,
      aborted: false,
      receivedAt: Date.now(),
    });
    recordings.set(id, list);
    changes.emit("change");
    acceptWebSocket(req, socket);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // `/hang` keeps sockets open forever; end them so the test run can exit.
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, recordings: Map<string, RecordedRequest[]>): Promise<void> {
  const url = req.url ?? "/";
  const pathname = url.split("?")[0] ?? "/";
  const query = new URLSearchParams(url.includes("?") ? url.slice(url.indexOf("?") + 1) : "");

  const routeHeader = typeof req.headers["x-test-route"] === "string" ? req.headers["x-test-route"] : undefined;
  const control = routeHeader === undefined ? /^\/__recorded\/([^/]+)$/.exec(pathname) : null;
  if (control) {
    req.resume();
    const id = decodeURIComponent(control[1] ?? "");
    // `?count=N` holds the answer until N requests under this id have finished arriving (or
    // `timeout_ms` passes), so tests await the event instead of polling.
    const count = Number(query.get("count") ?? 0);
    const settledCount = () => (recordings.get(id) ?? []).filter((r) => r.complete || r.aborted).length;
    if (count > 0 && settledCount() < count) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(Number(query.get("timeout_ms") ?? 5000), 30_000));
        function done() {
          clearTimeout(timer);
          changes.off("change", check);
          resolve();
        }
        function check() {
          if (settledCount() >= count) done();
        }
        changes.on("change", check);
      });
    }
    return json(res, 200, recordings.get(id) ?? []);
  }

  const prefixed = /^\/r\/([^/]+)(\/.*)?$/.exec(pathname);
  const headerId = req.headers["x-test-id"];
  const id = (typeof headerId === "string" ? headerId : undefined) ?? (prefixed ? decodeURIComponent(prefixed[1] ?? "") : ANONYMOUS);
  const route = routeHeader ?? (prefixed ? (prefixed[2] ?? "/") : pathname);

  const record: RecordedRequest = {
    method: req.method ?? "GET",
    url,
    headers: { ...req.headers } as Record<string, string | string[]>,
    rawHeaders: [...req.rawHeaders],
    bodyBytes: 0,
    bodySha256: "",
    bodyText: "",
    complete: false,
    aborted: false,
    receivedAt: Date.now(),
  };
  const list = recordings.get(id) ?? [];
  list.push(record);
  recordings.set(id, list);

  const body = readBody(req, record);
  const echo = () => ({
    method: record.method,
    url,
    headers: record.headers,
    bodyBytes: record.bodyBytes,
    bodySha256: record.bodySha256,
    bodyText: record.bodyText,
  });

  if (route === "/hang") return; // never answers; the socket is destroyed on close()

  if (route === "/unauthorized-first" && list.length === 1) {
    await body;
    res.writeHead(401, { "content-type": "application/json", "www-authenticate": 'Bearer error="invalid_token"' });
    return void res.end(JSON.stringify({ message: "Bad credentials" }));
  }

  const reset = /^\/reset(?:\/(\d+))?$/.exec(route);
  if (reset) {
    await body;
    res.writeHead(200, { "content-type": "text/plain", "content-length": reset[1] ?? "1000000" });
    res.write("the first part of a body that never finishes\n");
    // Let the head and first chunk leave, then cut the connection mid-body.
    return void setImmediate(() => res.socket?.destroy());
  }

  const partial = /^\/partial\/(\d+)$/.exec(route);
  if (partial) {
    await body;
    res.writeHead(200, { "content-type": "text/plain", "content-length": partial[1] });
    // The first part, then nothing more until the client goes away.
    return void res.write("the first part of a body that is still coming\n");
  }

  if (route === "/early-hints") {
    await body;
    res.writeEarlyHints({ link: "</style.css>; rel=preload; as=style" });
    return json(res, 200, { after: "early hints" });
  }

  const hugeHeaders = /^\/huge-headers\/(\d+)$/.exec(route);
  if (hugeHeaders) {
    await body;
    // Written by hand: Node's own writer refuses a header this large.
    res.socket?.end(`HTTP/1.1 200 OK\r\nx-huge: ${"h".repeat(Number(hugeHeaders[1]))}\r\ncontent-length: 2\r\n\r\nok`);
    return;
  }

  // Under any path too, so a client that appends one (OIDC discovery's /.well-known/…) meets it.
  if (/^\/endless(\/|$)/.test(route)) {
    await body;
    res.writeHead(200, { "content-type": "application/octet-stream" });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) {
        /* keep writing until the socket pushes back */
      }
    };
    res.on("drain", pump);
    return void pump();
  }

  const answer = /^\/answer\/(\d{3})\/([A-Za-z0-9_-]+)$/.exec(route);
  if (answer) {
    await body;
    const text = Buffer.from(answer[2] ?? "", "base64url").toString("utf8");
    res.writeHead(Number(answer[1]), { "content-type": "application/json", "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
    return void res.end(text);
  }

  if (route === "/reflect") {
    await body;
    return reflect(req, res, query);
  }

  const slow = /^\/slow\/(\d+)$/.exec(route);
  if (slow) await new Promise((resolve) => setTimeout(resolve, Number(slow[1])));

  const status = /^\/status\/(\d{3})$/.exec(route);
  if (status) {
    await body;
    const code = Number(status[1]);
    if (code === 204 || code === 304 || (code >= 100 && code < 200)) {
      res.writeHead(code);
      return void res.end();
    }
    return json(res, code, echo());
  }

  if (route === "/redirect") {
    await body;
    res.writeHead(302, { location: query.get("to") ?? `/r/${encodeURIComponent(id)}/redirected`, "content-type": "text/plain" });
    return void res.end("redirecting");
  }

  if (route === "/set-cookie") {
    await body;
    res.setHeader("set-cookie", ["session=upstream-secret; Path=/; HttpOnly", "other=1"]);
    res.setHeader("set-cookie2", "legacy=1");
    res.setHeader("alt-svc", 'h3=":443"; ma=86400');
    res.setHeader("x-upstream", "kept");
    return json(res, 200, { ok: true });
  }

  if (route === "/hop-by-hop") {
    await body;
    res.setHeader("connection", "x-hop-named");
    res.setHeader("x-hop-named", "dropped");
    res.setHeader("keep-alive", "timeout=5");
    res.setHeader("proxy-authenticate", 'Basic realm="upstream"');
    res.setHeader("upgrade", "h2c");
    res.setHeader("x-end-to-end", "kept");
    return json(res, 200, { ok: true });
  }

  if (route === "/headers") {
    await body;
    for (const [name, value] of query) res.appendHeader(name, value);
    return json(res, 200, { ok: true });
  }

  const big = /^\/big\/(\d+)$/.exec(route);
  if (big) {
    await body;
    return streamBytes(res, Number(big[1]), query.get("type") ?? "application/octet-stream");
  }

  await body;
  return json(res, 200, echo());
}

/** Counts, hashes and keeps a prefix of the body as it streams; never buffers it whole. */
function readBody(req: IncomingMessage, record: RecordedRequest): Promise<void> {
  const hash = createHash("sha256");
  const kept: Buffer[] = [];
  let keptBytes = 0;
  return new Promise((resolve) => {
    req.on("data", (chunk: Buffer) => {
      record.bodyBytes += chunk.length;
      hash.update(chunk);
      if (keptBytes < TEXT_LIMIT) {
        const slice = chunk.subarray(0, TEXT_LIMIT - keptBytes);
        kept.push(slice);
        keptBytes += slice.length;
      }
    });
    req.on("end", () => {
      record.bodySha256 = hash.digest("hex");
      record.bodyText = Buffer.concat(kept).toString("utf8");
      record.complete = true;
      changes.emit("change");
      resolve();
    });
    req.on("close", () => {
      if (!record.complete) record.aborted = true;
      changes.emit("change");
      resolve();
    });
    req.on("error", () => {
      record.aborted = true;
      resolve();
    });
  });
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** Streams `total` bytes (byte i is `a` + i mod 26) in ~64 KiB chunks, honouring backpressure. */
function streamBytes(res: ServerResponse, total: number, type: string): void {
  const pattern = Buffer.alloc(26 * 2520); // a multiple of 26, so the pattern runs on across chunks
  for (let i = 0; i < pattern.length; i++) pattern[i] = 97 + (i % 26);
  res.writeHead(200, { "content-type": type, "content-length": total });
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      const n = Math.min(pattern.length, total - sent);
      sent += n;
      if (!res.write(pattern.subarray(0, n))) return void res.once("drain", pump);
    }
    res.end();
  };
  pump();
}

/** The `/reflect` route (see the module comment): a credential echoed back, split across writes. */
async function reflect(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const from = (req.headers["x-reflect-from"] as string | undefined) ?? "authorization";
  const received = String(req.headers[from.toLowerCase()] ?? "");
  const secret = from.toLowerCase() === "authorization" ? received.replace(/^\S+ /, "") : received;
  const forms: Record<string, string> = {
    raw: secret,
    base64: Buffer.from(secret).toString("base64"),
    base64url: Buffer.from(secret).toString("base64url"),
    percent: encodeURIComponent(secret),
    json: JSON.stringify(secret).slice(1, -1),
  };
  const echoed = forms[query.get("form") ?? "raw"] ?? secret;
  const shapes: Record<string, string> = {
    json: JSON.stringify({ debug: { seen: echoed }, ok: false }),
    text: `Unauthorized: the key ${echoed} was refused\n`,
    sse: `data: {"n":1}\n\ndata: {"token":"${echoed}"}\n\ndata: [DONE]\n\n`,
    bytes: echoed,
  };
  // `?pad=<n>`: n dots before the body, so the echo sits at the end of a large answer.
  const plain = Buffer.concat([
    Buffer.alloc(Math.min(Number(query.get("pad") ?? 0) || 0, 8 * 1024 * 1024), 0x2e),
    Buffer.from(shapes[query.get("shape") ?? "json"] ?? echoed),
  ]);
  // `?gzip=1`: the body compressed, as many APIs answer; the edge must redact what it decodes.
  const gzip = query.get("gzip") === "1";
  const text = gzip ? gzipSync(plain) : plain;
  const chunk = Math.max(1, Number(query.get("chunk") ?? text.length));
  res.writeHead(200, {
    "content-type": query.get("type") ?? "application/json",
    "content-length": String(text.length),
    "x-echoed": echoed.replace(/[^\x20-\x7e]/g, "?"),
    ...(gzip ? { "content-encoding": "gzip" } : {}),
  });
  for (let at = 0; at < text.length; at += chunk) {
    res.write(text.subarray(at, at + chunk));
    // A pause between writes, so each leaves as its own piece of the body.
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  res.end();
}
