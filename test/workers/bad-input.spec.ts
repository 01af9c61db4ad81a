import { describe, expect, it } from "vitest";
import { call, createCompany, createVault } from "./helpers.ts";

describe("bad input answers a specific 4xx, never a 500", () => {
  it("malformed JSON", async () => {
    const company = await createCompany();
    const res = await call("POST", "/v1/vaults", {
      token: company.ownerKey,
      headers: { "Content-Type": "application/json" },
      rawBody: "{not json",
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("malformed_json");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.text).not.toMatch(/at \w+ \(|\.ts:\d+/); // no stack trace
  });

  it("missing body or wrong content type", async () => {
    const company = await createCompany();
    const none = await call("POST", "/v1/vaults", { token: company.ownerKey });
    expect(none.status).toBe(400);
    expect(none.body.error).toBe("missing_field");
    const text = await call("POST", "/v1/vaults", { token: company.ownerKey, headers: { "Content-Type": "text/plain" }, rawBody: "name=x" });
    expect(text.status).toBe(415);
    expect(text.body.error).toBe("unsupported_media_type");
  });

  it("wrong types, missing fields and unknown fields", async () => {
    const company = await createCompany();
    const wrongType = await call("POST", "/v1/vaults", { token: company.ownerKey, body: { name: 42 } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error).toBe("invalid_request");
    const missing = await call("POST", "/v1/vaults", { token: company.ownerKey, body: {} });
    expect(missing.body.error).toBe("missing_field");
    expect(missing.body.message).toContain("name");
    const unknown = await call("POST", "/v1/vaults", { token: company.ownerKey, body: { name: "ok-name", colour: "red" } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe("unknown_field");
    expect(unknown.body.message).toContain("colour");
    const array = await call("POST", "/v1/vaults", { token: company.ownerKey, body: ["x"] });
    expect(array.status).toBe(400);
  });

  it("bodies over 1 MiB answer 413", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const huge = JSON.stringify({ vault, credentials: { BIG: "x".repeat(1024 * 1024 + 10) } });
    const res = await call("POST", "/v1/credentials", { token: company.ownerKey, headers: { "Content-Type": "application/json" }, rawBody: huge });
    expect(res.status).toBe(413);
    expect(res.body.error).toBe("payload_too_large");
  });

  it("missing, malformed and forged tokens answer 401", async () => {
    const company = await createCompany();
    for (const headers of [
      {} as Record<string, string>,
      { Authorization: "Bearer" },
      { Authorization: "Basic abc" },
      { Authorization: `Bearer ${company.ownerKey}x` },
      { Authorization: `Bearer evk_AAAAAAAAAAAA_${"A".repeat(43)}` },
    ]) {
      const res = await call("GET", "/v1/vaults", { headers });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe("unauthorized");
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
    }
  });

  it("bad query parameters", async () => {
    const company = await createCompany();
    const res = await call("GET", "/v1/audit?limit=abc", { token: company.ownerKey });
    expect(res.status).toBe(400);
    const unknown = await call("GET", "/v1/audit?colour=red", { token: company.ownerKey });
    expect(unknown.body.error).toBe("unknown_field");
  });
});
