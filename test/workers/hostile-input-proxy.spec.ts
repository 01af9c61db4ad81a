/**
 * Hostile input against `/proxy/<host>/<path>` (fast-check; the arbitraries and the property are
 * in hostile-input/property.ts): never a 5xx, every refusal a documented JSON error.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { call, createCompany, createVault, inviteAgent } from "./helpers.ts";
import { headerSafe, nasty, SEED, seen, violation } from "./hostile-input/property.ts";
import { BASE } from "./helpers.ts";

const PROXY_RUNS = 2_500;

describe("hostile input, generated (fast-check)", () => {
  it(`/proxy hosts and paths: no 5xx, every refusal documented (${PROXY_RUNS} cases, seed ${SEED})`, { timeout: 300_000 }, async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    // A service whose upstream nothing listens on would be a 502 by design: the vault has none,
    // so every generated host is "no service", a bad host, or a bad request.
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
    const host = fc.oneof(
      nasty,
      fc.domain(),
      fc.ipV4(),
      fc.ipV6().map((ip) => `[${ip}]`),
      fc.tuple(fc.domain(), fc.integer({ min: -5, max: 70_000 })).map(([d, p]) => `${d}:${p}`),
      fc.constantFrom("localhost", "127.0.0.1", "169.254.169.254", "[::1]", "0", "0x7f000001", "xn--", "exa mple.com", "a..b", "%2e%2e"),
    );
    const method = fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "PROPFIND");
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(
        host,
        fc.array(nasty, { maxLength: 4 }),
        method,
        fc.boolean(),
        fc.option(nasty, { nil: undefined }),
        async (h, path, m, encode, header) => {
          cases += 1;
          const segments = path.map((p) => (encode ? encodeURIComponent(p) : p.replace(/[?#\s]/g, "_")));
          const headers: Record<string, string> = { Authorization: `Bearer ${agent.token}`, "X-Vault": vault };
          if (header !== undefined) headers["X-Forwarded-Host"] = headerSafe(header);
          const body = ["GET", "HEAD"].includes(m) ? undefined : (header ?? "");
          const reason = await violation({ method: m, url: `${BASE}/proxy/${encode ? encodeURIComponent(h) : h}/${segments.join("/")}`, headers, body });
          if (reason) throw new Error(`${m} /proxy/${h}/${segments.join("/")} → ${reason}`);
        },
      ),
      { seed: SEED, numRuns: PROXY_RUNS, endOnFailure: true },
    );
    console.log(`hostile input: ${cases} generated /proxy requests, seed ${SEED}: no 5xx, every refusal documented (${JSON.stringify(seen)})`);
    expect(cases).toBe(PROXY_RUNS);
    // The agent still works afterwards: nothing it sent broke its gate.
    expect((await call("GET", "/discover", { token: agent.token, headers: { "X-Vault": vault } })).status).toBe(200);
  });
});
