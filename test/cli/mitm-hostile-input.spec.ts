/**
 * The local MITM listener against hostile clients: fast-check feeds it malformed CONNECT lines,
 * TLS garbage after a CONNECT, oversize heads and absolute-form nonsense over raw sockets (the
 * answer is a documented JSON refusal or a closed connection, never a crash), then slowloris
 * clients and a connection flood, while a real client keeps being served.
 */
import { once } from "node:events";
import { mkdtemp } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeafCertificates, loadOrCreateCa } from "../../cli/mitm/certificates.ts";
import { startListener, type MitmListener } from "../../cli/mitm/listener.ts";
import { EdgeSessions } from "../../cli/mitm/proxy-auth.ts";
import { LISTENER_ERROR_CODES } from "../../cli/mitm/proxy-errors.ts";
import { ERROR_CODES } from "../../workers/lib/error-codes.ts";
import { type Edge, startEdge, type TestCompany } from "./support/edge.ts";
import { basic, createServiceVault, execClient, mintSession, startUpstream, type Upstream } from "./support/mitm.ts";

const SEED = Number(process.env.FUZZ_SEED ?? "20261130");
const RUNS = 2_600;
const HEAD_TIMEOUT_MS = 1_500;
const MAX_CONNECTIONS = 64;
const SERVICE_HOST = "api.hostile.test";
/** The edge's codes (passed through) and the local proxy's own (docs/cli.md). */
const DOCUMENTED = new Set<string>([...ERROR_CODES, ...LISTENER_ERROR_CODES]);

/** Writes bytes, then resolves with what came back once the listener answered (first bytes) or closed. */
function exchange(port: number, bytes: Buffer): Promise<{ head: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let received = Buffer.alloc(0);
    const finish = (closed: boolean) => {
      socket.destroy();
      resolve({ head: received.toString("latin1"), closed });
    };
    socket.on("error", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // A complete answer head with its JSON body, or a tunnel/interception accepted: enough to judge.
      if (/\r\n\r\n[\s\S]*\}/.test(received.toString("latin1")) || received.toString("latin1").startsWith("HTTP/1.1 200")) finish(false);
    });
    // Half-close after the bytes: an incomplete head is judged at once, not after the head timeout.
    socket.once("connect", () => socket.end(bytes));
    socket.setTimeout(HEAD_TIMEOUT_MS * 4, () => reject(new Error("the listener neither answered nor closed")));
  });
}

/** The property over one answer: a refusal is a documented JSON error; anything else is 200 or a close. */
function judge(answer: { head: string; closed: boolean }): string | undefined {
  if (answer.head === "") return undefined; // closed without a word: allowed for garbage
  const status = /^HTTP\/1\.1 (\d{3})/.exec(answer.head)?.[1];
  if (!status) return `not an HTTP answer: ${JSON.stringify(answer.head.slice(0, 80))}`;
  if (status === "200") return undefined;
  if (Number(status) >= 500 && status !== "502") return `status ${status}`;
  const body = answer.head.slice(answer.head.indexOf("\r\n\r\n") + 4);
  try {
    const error = (JSON.parse(body) as { error?: string }).error;
    return error && DOCUMENTED.has(error) ? undefined : `undocumented error ${String(error)}`;
  } catch {
    return `status ${status} without a JSON body: ${JSON.stringify(body.slice(0, 80))}`;
  }
}

describe("the local proxy under hostile clients", { timeout: 300_000 }, () => {
  let edge: Edge;
  let company: TestCompany;
  let upstream: Upstream;
  let listener: MitmListener;
  let auth: string;
  let caPath: string;

  beforeAll(async () => {
    [edge, upstream] = await Promise.all([startEdge(), startUpstream()]);
    company = await edge.createCompany();
    await createServiceVault(edge.call, company.ownerKey, { vault: "hostile", host: SERVICE_HOST, upstreamOrigin: upstream.origin });
    auth = basic(await mintSession(edge.call, company.ownerKey, "hostile"), "hostile");
    const caDirectory = await mkdtemp(path.join(tmpdir(), "edgevault-hostile-ca-"));
    caPath = path.join(caDirectory, "ca.pem");
    const leaves = new LeafCertificates(await loadOrCreateCa(caDirectory));
    listener = await startListener({
      edgeAddr: edge.addr,
      sessions: new EdgeSessions(edge.addr),
      leaves,
      maxConnections: MAX_CONNECTIONS,
      headTimeoutMs: HEAD_TIMEOUT_MS,
    });
  });
  afterAll(async () => {
    await listener?.close();
    await Promise.all([edge?.stop(), upstream?.close()]);
  });

  /** A real client through the listener: it must keep working whatever the others do. */
  const realClient = () =>
    execClient("curl", ["-sS", "--fail-with-body", "--max-time", "20", "--cacert", caPath, `https://${SERVICE_HOST}/ok`], {
      HTTPS_PROXY: `http://${Buffer.from(auth.slice(6), "base64").toString()}@127.0.0.1:${listener.port}`,
    });

  it(`malformed CONNECT lines, TLS garbage, oversize heads: documented refusals or a close (${RUNS} cases, seed ${SEED})`, async () => {
    const text = fc.string({ unit: "binary-ascii", maxLength: 60 });
    // Targets that never make the listener resolve a random name: malformed ones, the service, a refused port.
    const target = fc.oneof(
      text.map((t) => `!${t}`),
      fc.constantFrom(`${SERVICE_HOST}:443`, "127.0.0.1:1", "[::1]:1", ":443", "a:0", "a:99999", "[zz]:443", `${SERVICE_HOST}:443 extra`),
    );
    const proxyAuth = fc.constantFrom(undefined, "Basic !!!", "Bearer nope", "Basic Zm9vOmJhcg==", auth);
    const request = fc.oneof(
      fc
        .record({ target, proxyAuth, junk: fc.uint8Array({ maxLength: 2048 }) })
        .map(({ target: t, proxyAuth: a, junk }) =>
          Buffer.concat([Buffer.from(`CONNECT ${t} HTTP/1.1\r\nHost: ${t}\r\n${a ? `Proxy-Authorization: ${a}\r\n` : ""}\r\n`, "latin1"), Buffer.from(junk)]),
        ),
      fc.uint8Array({ minLength: 1, maxLength: 4096 }).map((bytes) => Buffer.from(bytes)),
      fc.integer({ min: 1_000, max: 120_000 }).map((n) => Buffer.from(`CONNECT ${SERVICE_HOST}:443 HTTP/1.1\r\nX-Big: ${"b".repeat(n)}\r\n\r\n`)),
      fc
        .tuple(text, proxyAuth)
        .map(([t, a]) => Buffer.from(`GET http://!${t}/ HTTP/1.1\r\nHost: x\r\n${a ? `Proxy-Authorization: ${a}\r\n` : ""}\r\n`, "latin1")),
      text.map((t) => Buffer.from(`${t}\r\n\r\n`, "latin1")),
    );
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(request, async (bytes) => {
        cases += 1;
        const reason = judge(await exchange(listener.port, bytes));
        if (reason) throw new Error(reason);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    console.log(`hostile input: ${cases} generated raw connections to the local proxy, seed ${SEED}: no crash, every refusal documented`);
    expect(cases).toBe(RUNS);
    const served = await realClient();
    expect(served.code, served.stderr).toBe(0);
  });

  it("slowloris clients are closed after the head timeout; a real client is served meanwhile", async () => {
    const slow = Array.from({ length: 20 }, () => net.connect(listener.port, "127.0.0.1"));
    await Promise.all(slow.map((s) => once(s, "connect")));
    // Each sends the start of a head and then nothing more, and one stalls inside a CONNECT's TLS.
    for (const s of slow) s.write("CONNECT api.hostile.test:443 HTTP/1.1\r\nX-Slow: ");
    const stalled = net.connect(listener.port, "127.0.0.1");
    // Read whatever comes (a 408, the CONNECT's 200): a paused socket would never see its close.
    for (const s of [...slow, stalled]) {
      s.resume();
      s.on("error", () => undefined);
    }
    stalled.write(`CONNECT ${SERVICE_HOST}:443 HTTP/1.1\r\nProxy-Authorization: ${auth}\r\n\r\n`);
    const closed = [...slow, stalled].map((s) => once(s, "close"));
    const served = await realClient();
    expect(served.code, served.stderr).toBe(0);
    await Promise.all(closed);
  });

  it(`a flood beyond ${MAX_CONNECTIONS} connections: exactly the limit is served, the rest are dropped, and the listener serves again after`, async () => {
    const flood = Array.from({ length: MAX_CONNECTIONS + 20 }, () => net.connect(listener.port, "127.0.0.1"));
    // Each socket resolves with its first answer (kept: the listener's own 400, and it stays open,
    // holding its slot) or with "" when the listener closed it unanswered (over the limit).
    const answers = flood.map(
      (s) =>
        new Promise<string>((resolve) => {
          s.on("error", () => undefined);
          s.once("data", (chunk: Buffer) => resolve(chunk.toString("latin1")));
          s.once("close", () => resolve(""));
        }),
    );
    await Promise.all(
      flood.map(
        (s) =>
          new Promise((resolve) => {
            s.once("connect", resolve);
            s.once("close", resolve);
          }),
      ),
    );
    for (const s of flood) if (!s.destroyed) s.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const received = await Promise.all(answers);
    expect(received.filter((d) => d.startsWith("HTTP/1.1 400")).length).toBe(MAX_CONNECTIONS);
    expect(received.filter((d) => d === "").length).toBe(20);
    for (const s of flood) s.destroy();
    const served = await realClient();
    expect(served.code, served.stderr).toBe(0);
  });
});
