import { describe, expect, it } from "vitest";
import { call } from "./helpers.ts";

describe("meta", () => {
  it("GET /health answers ok", async () => {
    const res = await call("GET", "/health");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok", environment: "dev" });
  });

  it("GET /openapi.json documents every area", async () => {
    const res = await call("GET", "/openapi.json");
    expect(res.status).toBe(200);
    const paths = Object.keys(res.body.paths as object);
    for (const p of [
      "/v1/companies",
      "/v1/api-keys",
      "/v1/users",
      "/v1/auth/sign-in",
      "/v1/vaults",
      "/v1/credentials",
      "/v1/audit",
      "/discover",
      "/proxy/{host}/{path}",
      "/v1/proposals",
      "/v1/agents/register",
      "/v1/token/exchange",
    ]) {
      expect(paths).toContain(p);
    }
  });

  it("GET /docs renders the reference without loading anything from other hosts", async () => {
    const res = await call("GET", "/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.text).toContain("/v1/credentials");
    expect(res.text).not.toMatch(/(src|href)="https?:/);
  });

  it("unknown routes answer a JSON 404", async () => {
    const res = await call("GET", "/nope");
    expect(res.status).toBe(404);
    expect(res.body.error).toBe("not_found");
    expect(res.headers.get("cache-control")).toBe("no-store");
  });
});
