/**
 * What a real `wrangler dev` (workerd) does with requests a Worker cannot route, sent byte for
 * byte over a raw socket: CONNECT, absolute-form targets, an asterisk target, a foreign Host, a
 * body on a WebSocket upgrade. Whether the runtime answers them itself (today: a bare 500 from
 * workerd, before any Worker runs) or hands them to the edge (then 405 / 421 JSON), none is ever
 * served as a route. docs/security.md records which does which.
 */
import assert from "node:assert/strict";
import { connect as connectTcp } from "node:net";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { startEdge, type Edge } from "./support/edge.ts";

type RawAnswer = { status: number; head: string; body: string };

/**
 * Sends `raw` on a fresh connection and reads the answer (as latin1, byte for byte) until its
 * declared body has arrived, `until` holds, the server closes, or `timeoutMs`.
 */
function rawRequest(port: number, raw: string, options: { until?: (text: string) => boolean; timeoutMs?: number } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, "127.0.0.1", () => socket.write(raw));
    let text = "";
    const done = () => {
      socket.destroy();
      const [head = "", body = ""] = text.split("\r\n\r\n", 2);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      if (status === 0) reject(new Error(`no HTTP answer to ${JSON.stringify(raw.split("\r\n")[0])}: ${JSON.stringify(text)}`));
      else resolve({ status, head, body });
    };
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      text += chunk;
      // One answer is all we want: stop once its declared body has arrived.
      const length = /\r\ncontent-length: *(\d+)/i.exec(text)?.[1];
      const bodyStart = text.indexOf("\r\n\r\n");
      if (length !== undefined && bodyStart !== -1 && text.length - bodyStart - 4 >= Number(length)) done();
      else if (options.until?.(text)) done();
    });
    socket.on("end", done);
    socket.on("error", reject);
    socket.setTimeout(options.timeoutMs ?? 10_000, done);
  });
}

const edgeAnswered = (answer: RawAnswer, code: string) => answer.head.toLowerCase().includes(`x-edgevault-error: ${code}`);

describe("requests the edge cannot route, against a real wrangler dev", { timeout: 120_000 }, () => {
  let edge: Edge;
  let port: number;
  let host: string;

  before(async () => {
    edge = await startEdge();
    port = Number(new URL(edge.addr).port);
    host = new URL(edge.addr).host;
  });
  after(async () => {
    await edge?.stop();
  });

  it("a request for a host the edge does not serve is 421 JSON, even with a valid path", async () => {
    const answer = await rawRequest(port, "GET /health HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n");
    assert.equal(answer.status, 421, answer.head);
    assert.ok(edgeAnswered(answer, "misdirected_request"), answer.head);
    assert.match(answer.body, new RegExp(edge.addr.replace(/\./g, "\\.")));
    const served = await rawRequest(port, `GET /health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    assert.equal(served.status, 200, served.head);
  });

  it("CONNECT is never served as a route: the runtime refuses it (or, if a runtime hands it over, the edge's 405)", async () => {
    for (const target of ["example.com:443", host]) {
      const answer = await rawRequest(port, `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
      const refusedByRuntime = answer.status >= 500 && !answer.head.toLowerCase().includes("x-edgevault-");
      assert.ok(refusedByRuntime || (answer.status === 405 && edgeAnswered(answer, "method_not_allowed")), `${target}: ${answer.head}`);
    }
  });

  it("an absolute-form or asterisk target is never served as a route: the runtime refuses it (or the edge's 421 for a foreign host)", async () => {
    const foreign = await rawRequest(port, "GET http://evil.example/health HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n");
    assert.ok(
      (foreign.status >= 500 && !foreign.head.toLowerCase().includes("x-edgevault-")) ||
        (foreign.status === 421 && edgeAnswered(foreign, "misdirected_request")),
      foreign.head,
    );
    const asterisk = await rawRequest(port, `OPTIONS * HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    assert.ok(asterisk.status >= 400, asterisk.head);
    // The absolute form of the edge's own address is refused today too; were it routed, it would be the route's answer.
    const own = await rawRequest(port, `GET ${edge.addr}/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    assert.ok(own.status >= 500 || own.status === 200, own.head);
  });

  it("a read carrying a body is 413 before anything runs", async () => {
    const answer = await rawRequest(port, `GET /health HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`);
    assert.equal(answer.status, 413, answer.head);
    assert.ok(edgeAnswered(answer, "payload_too_large"), answer.head);
  });

  it("a WebSocket upgrade's body never reaches the edge as a body: the runtime reads those bytes as frames, and a non-frame closes the channel (1002)", async () => {
    const company = await edge.createCompany();
    // A close frame carrying status 1002 (protocol error): 0x03 0xEA.
    const closed = (text: string) => text.includes("\u0003\u00ea");
    const answer = await rawRequest(
      port,
      `GET /v1/companies/${company.id}/agents/channel HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nContent-Length: 5\r\n\r\nhello",
      { until: closed },
    );
    // Were a runtime to hand the body over, the edge's cap for an upgrade (0) would refuse it.
    const refusedByEdge = answer.status === 413 && edgeAnswered(answer, "payload_too_large");
    assert.ok(refusedByEdge || (answer.status === 101 && closed(answer.body)), JSON.stringify(`${answer.head}\r\n\r\n${answer.body}`));
  });
});
