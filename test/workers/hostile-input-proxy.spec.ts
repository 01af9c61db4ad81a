/**
 * Hostile input against `/proxy/<host>/<path>` (fast-check; the arbitraries and the property are
 * in hostile-input/property.ts): never a 5xx, every refusal a documented JSON error, and for the
 * hosts the vault's services answer (one exact, one wildcard, both forwarding to the recording
 * upstream) the injection itself: what the upstream answers for reached it with the vault's
 * credential injected and the agent's token gone, what the edge refused reached nothing, and the
 * credential never comes back to the agent.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BASE, call, createCompany, createVault, inviteAgent, unique } from "./helpers.ts";
import { type Answer, headerSafe, judge, nasty, resetCounts, SEED, seen, send, type Sent, unsent } from "./hostile-input/property.ts";
import { recorded, requestId, upstreamUrl } from "./upstream.ts";

const PROXY_RUNS = 2_500;
/** The recording upstream answers every forwarded case with this, never an echo of what it received. */
const UPSTREAM_ROUTE = "/big/16";
const UPSTREAM_BODY = "abcdefghijklmnop";
/** Node's default `maxHeaderSize`, request line included. */
const UPSTREAM_MAX_HEADER_BYTES = 16 * 1024;
/** Roughly what a request's head weighs on the wire. */
const headBytes = (sent: Sent) => sent.url.length + Object.entries(sent.headers).reduce((sum, [name, value]) => sum + name.length + value.length + 4, 0);

describe("hostile input, generated (fast-check)", () => {
  it(`/proxy hosts and paths: no 5xx, every refusal documented, the credential injected upstream and never returned (${PROXY_RUNS} cases, seed ${SEED})`, {
    timeout: 300_000,
  }, async () => {
    resetCounts();
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    // Thousands of requests in seconds: a budget that never refuses, so every matched case is forwarded.
    const limits = await call("PATCH", `/v1/vaults/${vault}`, { token: company.ownerKey, body: { rate_limit: { rate_per_second: 10_000, burst: 100_000 } } });
    expect(limits.status).toBe(200);
    const credential = `fuzz-credential-${crypto.randomUUID()}`;
    expect((await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials: { FUZZ_KEY: credential } } })).status).toBe(200);
    const exact = `${unique("fz").slice(0, 30)}.example.com`;
    const parent = `${unique("wild").slice(0, 30)}.example.com`;
    for (const [name, host, auth] of [
      ["exact", exact, { type: "bearer", token: "FUZZ_KEY" }],
      ["wild", `*.${parent}`, { type: "api-key", key: "FUZZ_KEY", header: "X-Api-Key" }],
    ] as const) {
      const made = await call("POST", `/v1/vaults/${vault}/services`, { token: company.ownerKey, body: { name, host, upstream: upstreamUrl(), auth } });
      expect(made.status, host).toBe(201);
    }
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
    const injected = { exact: ["authorization", `Bearer ${credential}`], wild: ["x-api-key", credential] } as const;
    const serviceOf = (host: string) => (host === exact || host === `${exact}:443` ? "exact" : host.endsWith(`.${parent}`) ? "wild" : undefined);

    const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?$/);
    const host = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(exact, `${exact}:443`, `${exact.toUpperCase()}`) },
      { weight: 3, arbitrary: label.map((l) => `${l}.${parent}`) },
      { weight: 1, arbitrary: nasty.map((n) => `${n}.${parent}`) },
      { weight: 1, arbitrary: nasty },
      { weight: 1, arbitrary: fc.domain() },
      { weight: 1, arbitrary: fc.ipV4() },
      { weight: 1, arbitrary: fc.ipV6().map((ip) => `[${ip}]`) },
      { weight: 1, arbitrary: fc.tuple(fc.domain(), fc.integer({ min: -5, max: 70_000 })).map(([d, p]) => `${d}:${p}`) },
      {
        weight: 1,
        arbitrary: fc.constantFrom("localhost", "127.0.0.1", "169.254.169.254", "[::1]", "0", "0x7f000001", "xn--", "exa mple.com", "a..b", "%2e%2e"),
      },
    );
    const method = fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "PROPFIND");
    let cases = 0;
    const forwarded = { exact: 0, wild: 0 };
    let refusedForService = 0;
    let upstreamRefusedLong = 0;

    /**
     * Node's HTTP server refuses a head over its 16 KiB limit before recording it: 431, or a cut
     * connection while the edge still writes (502 upstream_unreachable, as for any upstream that
     * drops a request). The upstream's limit, not the edge's fault; counted, nothing recorded.
     */
    async function upstreamRefusedOversize(h: string, id: string, sent: Sent, answer: Answer): Promise<boolean> {
      if (!serviceOf(h.toLowerCase()) || headBytes(sent) <= UPSTREAM_MAX_HEADER_BYTES) return false;
      const marked = answer.headers.get("x-edgevault-error");
      const refused = (answer.status === 431 && marked === null) || (answer.status === 502 && marked === "upstream_unreachable");
      if (!refused || answer.text.includes(credential) || (await recorded(id)).length > 0) return false;
      upstreamRefusedLong += 1;
      return true;
    }

    /** What must hold beyond the shared property for a case: the credential where it belongs, and only there. */
    async function injectionHolds(h: string, id: string, answer: Answer): Promise<string | undefined> {
      const back = `${answer.status} ${JSON.stringify([...answer.headers])} ${answer.text}`;
      if (back.includes(credential)) return "the credential came back to the agent";
      const arrived = await recorded(id);
      const service = serviceOf(h.toLowerCase());
      const fromEdge = answer.headers.get("x-edgevault-error") !== null;
      if (fromEdge) {
        if (service) refusedForService += 1;
        return arrived.length ? `refused with ${answer.status}, yet the upstream received ${arrived.length} request(s)` : undefined;
      }
      if (!service) return `${answer.status} from the upstream for a host no service answers`;
      if (answer.status !== 200 || arrived.length !== 1 || answer.bodyError)
        return `forwarded: ${answer.status}${answer.bodyError ? ` (${answer.bodyError})` : ""}, ${arrived.length} request(s) upstream`;
      const [header, value] = injected[service];
      const headers = arrived[0]?.headers ?? {};
      if (headers[header] !== value) return `the upstream received ${header}: ${String(headers[header])}`;
      if (JSON.stringify(headers).includes(agent.token)) return "the agent's token reached the upstream";
      if (answer.text !== "" && answer.text !== UPSTREAM_BODY) return `the upstream's answer changed on the way: ${answer.text.slice(0, 40)}`;
      forwarded[service] += 1;
      return undefined;
    }

    await fc.assert(
      fc.asyncProperty(
        host,
        fc.array(nasty, { maxLength: 4 }),
        method,
        fc.boolean(),
        fc.option(nasty, { nil: undefined }),
        async (h, path, m, encode, header) => {
          cases += 1;
          const id = requestId();
          const segments = path.map((p) => (encode ? encodeURIComponent(p) : p.replace(/[?#\s]/g, "_")));
          const headers: Record<string, string> = {
            Authorization: `Bearer ${agent.token}`,
            "X-Vault": vault,
            "x-test-id": id,
            "x-test-route": UPSTREAM_ROUTE,
          };
          if (header !== undefined) headers["X-Forwarded-Host"] = headerSafe(header);
          const body = ["GET", "HEAD"].includes(m) ? undefined : (header ?? "");
          const sent: Sent = { method: m, url: `${BASE}/proxy/${encode ? encodeURIComponent(h) : h}/${segments.join("/")}`, headers, body };
          const answer = await send(sent);
          if (!answer || (await upstreamRefusedOversize(h, id, sent, answer))) return;
          // A client resolves `..` in the URL before sending: such a case never reached /proxy at all.
          const proxied = new URL(sent.url).pathname.startsWith("/proxy/");
          const reason = judge(sent, answer, { upstreamAnswers: proxied }) ?? (proxied ? await injectionHolds(h, id, answer) : undefined);
          if (reason) throw new Error(`${m} /proxy/${h}/${segments.join("/")} → ${reason}`);
        },
      ),
      { seed: SEED, numRuns: PROXY_RUNS, endOnFailure: true },
    );
    console.log(
      `hostile input: ${cases} generated /proxy requests, seed ${SEED}: no 5xx of the edge's own, every refusal documented (${JSON.stringify(seen)}); forwarded with the credential injected: ${forwarded.exact} exact, ${forwarded.wild} wildcard; ${refusedForService} refused for a service's host with nothing sent; ${upstreamRefusedLong} forwarded with a URL too long for the upstream; ${unsent.length} the fetch API would not build`,
    );
    expect(cases).toBe(PROXY_RUNS);
    expect(Object.values(seen).reduce((sum, n) => sum + n, 0) + unsent.length).toBe(PROXY_RUNS);
    // The fuzz reached both services' injection, and their refusals, many times over.
    expect(forwarded.exact).toBeGreaterThan(PROXY_RUNS / 20);
    expect(forwarded.wild).toBeGreaterThan(PROXY_RUNS / 20);
    expect(refusedForService).toBeGreaterThan(PROXY_RUNS / 20);
    // The agent still works afterwards: nothing it sent broke its gate.
    expect((await call("GET", "/discover", { token: agent.token, headers: { "X-Vault": vault } })).status).toBe(200);
  });
});
