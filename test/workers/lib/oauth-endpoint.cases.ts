import { describe, expect, it } from "vitest";
import { parseOAuthEndpoint } from "../../../workers/lib/http/oauth-endpoint.ts";
import { OAuthAuthSchema, oauthGrantOf } from "../../../workers/services/oauth-auth.contract.ts";
import { tokenLifetime, backoffMs, DENIED_BACKOFF_MS, FAILED_BACKOFF_MS } from "../../../workers/oauth/token-timing.ts";

const production = { allowPrivate: false };
const dev = { allowPrivate: true };

describe("an OAuth endpoint is held to the upstreams' rules", () => {
  it.each([
    ["https://github.com/login/oauth/access_token", "https://github.com/login/oauth/access_token"],
    ["https://Login.MicrosoftOnline.com:443/common/oauth2/v2.0/token", "https://login.microsoftonline.com/common/oauth2/v2.0/token"],
    ["https://auth.example.com/token?tenant=acme", "https://auth.example.com/token?tenant=acme"],
  ])("accepts %s in production, canonical", (raw, canonical) => {
    expect(parseOAuthEndpoint(raw, "token endpoint", production)).toBe(canonical);
  });

  it.each([
    ["http://auth.example.com/token", "https"],
    ["https://127.0.0.1/token", "IP"],
    ["https://10.0.0.1/token", "IP"],
    ["https://[::1]/token", "IP"],
    ["https://169.254.169.254/latest", "IP"],
    ["https://0x7f000001/token", ""],
    ["https://localhost/token", ""],
    ["https://metadata.google.internal/token", ""],
    ["https://user:pw@auth.example.com/token", "userinfo"],
    ["https://auth.example.com/token#x", "fragment"],
    ["auth.example.com/token", "absolute URL"],
    [`https://auth.example.com/${"a".repeat(2100)}`, "longer than"],
  ])("refuses %s in production (400 invalid_oauth_endpoint)", (raw, why) => {
    expect(() => parseOAuthEndpoint(raw, "token endpoint", production)).toThrow(expect.objectContaining({ status: 400, code: "invalid_oauth_endpoint" }));
    if (why) expect(() => parseOAuthEndpoint(raw, "token endpoint", production)).toThrow(new RegExp(why, "i"));
  });

  it("plain http only to loopback, and only in dev", () => {
    expect(parseOAuthEndpoint("http://127.0.0.1:9000/token", "token endpoint", dev)).toBe("http://127.0.0.1:9000/token");
    expect(() => parseOAuthEndpoint("http://auth.example.com/token", "token endpoint", dev)).toThrow(/loopback/);
    expect(() => parseOAuthEndpoint("http://127.0.0.1:9000/token", "token endpoint", production)).toThrow(/https/);
  });
});

describe("an oauth auth says its grant by its fields", () => {
  const base = { type: "oauth", client_id: "c", client_secret_key: "SECRET", token_endpoint: "https://auth.example.com/token" };
  it("a refresh token key means the refresh_token grant; none, client_credentials", () => {
    expect(oauthGrantOf(OAuthAuthSchema.parse({ ...base, refresh_token_key: "REFRESH" }))).toBe("refresh_token");
    expect(oauthGrantOf(OAuthAuthSchema.parse(base))).toBe("client_credentials");
  });
  it.each([
    [{ ...base, grant: "refresh_token" }, "refresh_token_key"],
    [{ ...base, grant: "client_credentials", refresh_token_key: "REFRESH" }, "refresh_token_key"],
    [{ ...base, refresh_token_key: "REFRESH", audience: "https://api" }, "audience"],
    [{ ...base, refresh_token_key: "SECRET" }, "refresh_token_key"],
    [{ ...base, scopes: ["read", "read"] }, "scopes"],
    [{ ...base, scopes: ["has space"] }, "scopes"],
    [{ ...base, client_id: "two words" }, "client_id"],
    [{ ...base, token_endpoint: "ftp://auth.example.com/token" }, "token_endpoint"],
    [{ ...base, extra: 1 }, ""],
  ])("refuses %j", (auth, path) => {
    const parsed = OAuthAuthSchema.safeParse(auth);
    expect(parsed.success).toBe(false);
    if (path) expect(parsed.error?.issues.some((i) => i.path.join(".").startsWith(path))).toBe(true);
  });
});

describe("token timing", () => {
  it("a token is used until expires_in − 60 s, refreshed from its last quarter (at most 5 minutes)", () => {
    expect(tokenLifetime(0, 7200)).toEqual({ usableUntil: 7_140_000, refreshFrom: 6_840_000 });
    expect(tokenLifetime(0, 600)).toEqual({ usableUntil: 540_000, refreshFrom: 405_000 });
    // Two minutes or less: half its life, so it is used at all.
    expect(tokenLifetime(0, 60)).toEqual({ usableUntil: 30_000, refreshFrom: 22_500 });
    // Absent: an hour. Zero: good for the request that got it, never kept.
    expect(tokenLifetime(0, undefined)).toEqual(tokenLifetime(0, 3600));
    expect(tokenLifetime(0, 0)).toEqual({ usableUntil: 0, refreshFrom: 0 });
  });
  it("refusals back off, doubling to their cap", () => {
    expect([1, 2, 3, 8, 40].map((n) => backoffMs(DENIED_BACKOFF_MS, n))).toEqual([30_000, 60_000, 120_000, 3_600_000, 3_600_000]);
    expect([1, 2, 6, 7].map((n) => backoffMs(FAILED_BACKOFF_MS, n))).toEqual([2_000, 4_000, 60_000, 60_000]);
  });
});
