/**
 * `wrangler dev` (npm start, and every CLI and end-to-end test's edge) puts its ProxyWorker in
 * front of the edge. kj's client pool and the edge's HTTP server both drop an idle keep-alive
 * connection after 5 s, so now and then a request is written to a connection the edge has just
 * closed, and wrangler 4.86.0 answered a POST that met it with 503 "Your worker restarted
 * mid-request" though nothing restarted (workers-sdk#14641; the CI failures of stops 31-34).
 * patches/wrangler+4.86.0.patch sends such a request again with its body. Here the installed
 * ProxyWorker runs in Miniflare as wrangler runs it, in front of a stand-in edge that drops the
 * first connection it is sent a request on, as the closing server does.
 */
import { randomBytes } from "node:crypto";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Miniflare, type Request as MiniflareRequest, Response as MiniflareResponse } from "miniflare";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./support/edge.ts";

const PROXY_WORKER = path.join(ROOT, "node_modules", "wrangler", "wrangler-dist", "ProxyWorker.js");

/** What the stand-in edge was sent: each request's method, path and whole body, and whether it was dropped unanswered. */
type Received = { method: string; path: string; body: string; dropped: boolean };

let edge: Server;
let received: Received[] = [];
/** How many of the next requests the stand-in drops without an answer. */
let dropNext = 0;
/** The status the stand-in answers with when it answers. */
let answerStatus = 200;

const readBody = async (request: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
};

let proxy: Miniflare;
let proxyUrl: URL;
const secret = randomBytes(16).toString("hex");
const controllerMessages: unknown[] = [];

beforeAll(async () => {
  edge = createServer(async (request, response) => {
    const body = await readBody(request);
    const dropped = dropNext > 0;
    received.push({ method: request.method ?? "", path: request.url ?? "", body, dropped });
    if (dropped) {
      dropNext -= 1;
      request.socket.destroy();
      return;
    }
    response.writeHead(answerStatus, { "content-type": "text/plain" }).end(`edge saw ${body.length} bytes`);
  });
  edge.listen(0, "127.0.0.1");
  await new Promise((resolve) => edge.once("listening", resolve));
  const { port } = edge.address() as AddressInfo;

  // The options wrangler's ProxyController gives the ProxyWorker (wrangler-dist/cli.js, createProxyWorker).
  proxy = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    workers: [
      {
        name: "ProxyWorker",
        compatibilityDate: "2023-12-18",
        compatibilityFlags: ["nodejs_compat"],
        modulesRoot: path.dirname(PROXY_WORKER),
        modules: [{ type: "ESModule", path: PROXY_WORKER }],
        durableObjects: { DURABLE_OBJECT: { className: "ProxyWorker", unsafePreventEviction: true } },
        stripCfConnectingIp: false,
        serviceBindings: {
          PROXY_CONTROLLER: async (request: MiniflareRequest) => {
            controllerMessages.push(await request.json());
            return new MiniflareResponse(null, { status: 204 });
          },
        },
        bindings: { PROXY_CONTROLLER_AUTH_SECRET: secret },
        cache: false,
        unsafeEphemeralDurableObjects: true,
      },
    ],
  });
  proxyUrl = await proxy.ready;
  // What the ProxyController sends once the edge is up: where it is.
  const play = await proxy.dispatchFetch("http://dummy/cdn-cgi/ProxyWorker/play", {
    headers: { Authorization: secret },
    cf: { hostMetadata: { type: "play", proxyData: { userWorkerUrl: { protocol: "http:", hostname: "127.0.0.1", port: String(port) }, headers: {} } } },
  });
  expect(play.status).toBe(204);
});

afterEach(() => {
  received = [];
  dropNext = 0;
  answerStatus = 200;
});

afterAll(async () => {
  await proxy?.dispose();
  await new Promise((resolve) => edge?.close(resolve));
});

describe("wrangler dev's ProxyWorker, patched", () => {
  it("sends a POST again, body and all, when the edge's connection closes under it, and the caller gets the edge's answer", async () => {
    dropNext = 1;
    const body = JSON.stringify({ note: "x".repeat(100_000) });
    const response = await fetch(new URL("/v1/sessions?vault=work", proxyUrl), { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(`edge saw ${body.length} bytes`);
    expect(received).toEqual([
      { method: "POST", path: "/v1/sessions?vault=work", body, dropped: true },
      { method: "POST", path: "/v1/sessions?vault=work", body, dropped: false },
    ]);
    expect(controllerMessages).toEqual([]);
  });

  it("tries three times in all, then answers as wrangler did: 503 for a POST", async () => {
    dropNext = 3;
    const response = await fetch(new URL("/v1/companies", proxyUrl), { method: "POST", body: "{}" });
    expect(response.status).toBe(503);
    expect(await response.text()).toMatch(/^Your worker restarted mid-request/);
    expect(received.map((r) => r.dropped)).toEqual([true, true, true]);
  });

  it("never sends twice a request the edge answered, even with an error", async () => {
    answerStatus = 500;
    const response = await fetch(new URL("/v1/companies", proxyUrl), { method: "POST", body: "{}" });
    expect(response.status).toBe(500);
    await response.text();
    expect(received).toEqual([{ method: "POST", path: "/v1/companies", body: "{}", dropped: false }]);
  });

  // Unpatched, the GET waits for the next request to come in: a short limit makes that a failure, not a hang.
  it("sends a GET again too, at once, instead of holding it until another request comes", { timeout: 10_000 }, async () => {
    dropNext = 1;
    const response = await fetch(new URL("/discover", proxyUrl));
    expect(response.status).toBe(200);
    await response.text();
    expect(received.map((r) => [r.method, r.dropped])).toEqual([
      ["GET", true],
      ["GET", false],
    ]);
  });

  it("passes on a GET that carries a body as wrangler does, once (a Request of that method cannot be given a body to replay)", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const sent = httpRequest(new URL("/health", proxyUrl), { method: "GET", headers: { "content-length": "5" } }, (answer) => {
        answer.resume();
        answer.on("end", () => resolve(answer.statusCode ?? 0));
      });
      sent.on("error", reject);
      sent.end("hello");
    });
    expect(status).toBe(200);
    expect(received).toEqual([{ method: "GET", path: "/health", body: "hello", dropped: false }]);
  });
});
