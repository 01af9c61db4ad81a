/**
 * What the edge does with a token endpoint's answer that is a token response but not one it can
 * use as it stands: `expires_in: 0` (good for the request that got it, never kept), an absurd
 * `expires_in` (kept a year at most), a token that is not Bearer (DPoP) or not header-safe (502
 * `oauth_token_invalid`, the provider's fault, not a vault key's), and a refusal's `Retry-After`
 * (the time left of the backoff). The token endpoint is the recording upstream's `/answer` route,
 * which says exactly what each test needs.
 */
import { describe, expect, it } from "vitest";
import { call, createCompany, createVault, inviteAgent, unique } from "./helpers.ts";
import { proxyFetch } from "./proxy-support.ts";
import { recorded, requestId, upstreamUrl } from "./upstream.ts";
import { MAX_EXPIRES_IN_S, tokenLifetime } from "../../workers/oauth/token-timing.ts";

/** A vault whose client-credentials service takes its token from an endpoint answering `status` with `answer`; the endpoint's calls are recorded under `calls`. */
async function serviceAnswered(answer: Record<string, unknown>, status = 200) {
  const calls = requestId();
  const tokenEndpoint = upstreamUrl(`/r/${calls}/answer/${status}/${Buffer.from(JSON.stringify(answer)).toString("base64url")}`);
  const company = await createCompany();
  const vault = await createVault(company.ownerKey);
  const host = `${unique("answers").slice(0, 30)}.example.com`;
  const auth = { type: "oauth", grant: "client_credentials", client_id: "edgevault", client_secret_key: "CLIENT_SECRET", token_endpoint: tokenEndpoint };
  const added = await call("POST", `/v1/vaults/${vault}/services`, { token: company.ownerKey, body: { name: "svc", host, upstream: upstreamUrl(), auth } });
  expect(added.status, added.text).toBe(201);
  expect((await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials: { CLIENT_SECRET: "s3cret" } } })).status).toBe(200);
  const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
  return { calls, s: { agent, vault, host } };
}

const tokenCalls = async (calls: string) => (await recorded(calls)).length;

describe("a token's lifetime is what the provider said, within reason", () => {
  it("expires_in 0: the token serves the request that got it and is never kept: each request asks again", async () => {
    const { calls, s } = await serviceAnswered({ access_token: "zero-life", token_type: "Bearer", expires_in: 0 });
    for (let i = 0; i < 3; i++) expect((await proxyFetch(s, `/r/${requestId()}/a`)).status).toBe(200);
    expect(await tokenCalls(calls)).toBe(3);
    expect(tokenLifetime(1000, 0)).toEqual({ usableUntil: 1000, refreshFrom: 1000 });
  });

  it("expires_in 1e308: kept a year at most, not for ever", async () => {
    const { calls, s } = await serviceAnswered({ access_token: "long-life", token_type: "Bearer", expires_in: 1e308 });
    for (let i = 0; i < 2; i++) expect((await proxyFetch(s, `/r/${requestId()}/a`)).status).toBe(200);
    expect(await tokenCalls(calls)).toBe(1);
    const life = tokenLifetime(0, 1e308);
    expect(Number.isFinite(life.usableUntil)).toBe(true);
    expect(life.usableUntil).toBeLessThanOrEqual(MAX_EXPIRES_IN_S * 1000);
  });
});

describe("a token the edge cannot send is the provider's fault, said so: 502 oauth_token_invalid", () => {
  it("a DPoP token is refused, never sent as Bearer", async () => {
    const { s } = await serviceAnswered({ access_token: "bound-to-a-key", token_type: "DPoP", expires_in: 3600 });
    const id = requestId();
    const refused = await proxyFetch(s, `/r/${id}/a`);
    expect(refused.status).toBe(502);
    const body = (await refused.json()) as { error: string; message: string };
    expect(body.error).toBe("oauth_token_invalid");
    expect(body.message).toContain("the edge sends Bearer tokens only");
    expect(await recorded(id)).toHaveLength(0);
  });

  it("a token with a line break names the provider's answer, not a vault key nobody holds", async () => {
    const { s } = await serviceAnswered({ access_token: "line\nbreak", token_type: "bearer", expires_in: 3600 });
    const refused = await proxyFetch(s, `/r/${requestId()}/a`);
    expect(refused.status).toBe(502);
    const text = await refused.text();
    expect(JSON.parse(text)).toMatchObject({ error: "oauth_token_invalid" });
    expect(text).not.toContain("oauth_access_token");
    expect(text).not.toContain("line");
  });
});

describe("a refusal answered from the backoff says how long is left of it", () => {
  it("Retry-After counts down: 30 s at the refusal, less a second and more later", async () => {
    const { calls, s } = await serviceAnswered({ error: "invalid_client" }, 401);
    const first = await proxyFetch(s, `/r/${requestId()}/a`);
    expect([first.status, first.headers.get("retry-after")]).toEqual([502, "30"]);
    // The backoff's age is the clock's, not an event's.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = await proxyFetch(s, `/r/${requestId()}/a`);
    expect(later.status).toBe(502);
    expect(Number(later.headers.get("retry-after"))).toBeLessThanOrEqual(29);
    expect(await tokenCalls(calls)).toBe(1);
  });
});
