/**
 * RFC 9457 problem details: every refusal the edge makes (the proxy's and the API's, from the one
 * error handler) answers `application/problem+json` when `Accept` asks for it, and the seeds'
 * `{error, message}` JSON otherwise; an upstream's own error is never rewritten.
 */
import { describe, expect, it } from "vitest";
import { call } from "./helpers.ts";
import { proxyFetch, proxySetup } from "./proxy-support.ts";
import { requestId } from "./upstream.ts";

const PROBLEM = { Accept: "application/problem+json" };

describe("an agent can tell the broker's refusal from the upstream's, in the format it asks for", () => {
  it("no service for a host: problem details with the seed's proposal_hint and help beside RFC 9457's members", async () => {
    const s = await proxySetup();
    const res = await proxyFetch(s, "/v1/x", { headers: PROBLEM }, "unknown.example.com");
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("x-edgevault-error")).toBe("forbidden");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      type: "https://edgevault.dev/problems/forbidden",
      title: "Forbidden",
      status: 403,
      error: "forbidden",
      proposal_hint: { host: "unknown.example.com", endpoint: "POST /v1/proposals" },
    });
    expect(body.detail).toContain("unknown.example.com");
    expect(body.help).toContain("/discover");
  });

  it("the same refusal without that Accept is the seed's JSON, unchanged", async () => {
    const s = await proxySetup();
    for (const accept of [undefined, "application/json", "*/*", "application/problem+json;q=0.1, application/json"]) {
      const res = await proxyFetch(s, "/v1/x", { headers: accept ? { Accept: accept } : {} }, "unknown.example.com");
      expect(res.headers.get("content-type"), String(accept)).toBe("application/json; charset=utf-8");
      const body = (await res.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(["error", "help", "message", "proposal_hint"]);
    }
  });

  it("a method the service does not allow", async () => {
    const s = await proxySetup();
    await call("PATCH", `/v1/vaults/${s.vault}/services/svc`, { token: s.company.ownerKey, body: { methods: ["GET"] } });
    const res = await proxyFetch(s, "/x", { method: "DELETE", headers: PROBLEM });
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({
      type: "https://edgevault.dev/problems/method_not_allowed",
      title: "Method not allowed",
      status: 403,
      error: "method_not_allowed",
      proposal_hint: { methods: ["GET", "DELETE"] },
    });
  });

  it("a refusal before admission (a bad token) and the API's own (validation, not found)", async () => {
    const s = await proxySetup();
    const unauthorized = await proxyFetch(s, "/x", { headers: { ...PROBLEM, Authorization: "Bearer nope" } });
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toMatchObject({ type: "https://edgevault.dev/problems/unauthorized", status: 401 });
    const invalid = await call("POST", `/v1/vaults/${s.vault}/services`, { token: s.company.ownerKey, headers: PROBLEM, body: { name: "x" } });
    expect(invalid.headers.get("content-type")).toBe("application/problem+json");
    expect(invalid.body).toMatchObject({ status: 400, error: "missing_field" });
    const missing = await call("GET", "/v1/vaults/no-such-vault", { token: s.company.ownerKey, headers: PROBLEM });
    expect(missing.body).toMatchObject({ type: "https://edgevault.dev/problems/not_found", title: "Not found", status: 404 });
  });

  it("an upstream's own error passes untouched, whatever the agent accepts", async () => {
    const s = await proxySetup();
    const res = await proxyFetch(s, `/r/${requestId()}/status/404`, { headers: PROBLEM });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-edgevault-error")).toBeNull();
  });
});
