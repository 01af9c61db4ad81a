/**
 * `oauth` services at `/proxy`, against a real authorization server (oidc-provider: PKCE required,
 * refresh tokens rotated on every use) and the real recording upstream: the access token is
 * obtained once for every isolate, a rotated refresh token is stored before its access token is
 * used, tokens are refreshed before they expire without a warm request waiting, a 401 is retried
 * once, and a provider's refusal is answered 502 with backoff.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { call } from "./helpers.ts";
import { bearerOf, oauthVault, storedCredential, vaultIdOf } from "./oauth-support.ts";
import { proxyFetch } from "./proxy-support.ts";
import { recorded, recordedSettled, requestId } from "./upstream.ts";
import type { TestProvider } from "./authorization-server.ts";
import { OAuthAccessCache } from "../../workers/proxy/oauth-access.ts";
import { tokenLifetime } from "../../workers/oauth/token-timing.ts";
import { oauthTokens, tokenSlotOf } from "../../workers/oauth/token-slot.ts";
import type { VaultConfig } from "../../workers/proxy/vault-config.ts";
import { loadVaultConfig } from "../../workers/proxy/vault-config.ts";
import { createDatabase } from "../../workers/db/client.ts";
import type { OAuthAuth } from "../../workers/services/oauth-auth.contract.ts";

const started: TestProvider[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});
async function vaultWith(options: Parameters<typeof oauthVault>[0] = {}) {
  const s = await oauthVault(options);
  started.push(s.provider);
  return s;
}
const refreshes = async (provider: TestProvider, atLeast?: number) =>
  (await provider.tokenCalls(undefined, atLeast)).filter((c) => c.grantType === "refresh_token");

describe("one refresh at a time per credential, across every request", () => {
  it("50 parallel cold requests make exactly one call to the token endpoint, and all carry its token", async () => {
    const s = await vaultWith();
    const id = requestId();
    const answers = await Promise.all(Array.from({ length: 50 }, () => proxyFetch(s, `/r/${id}/user`)));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    expect(await refreshes(s.provider)).toHaveLength(1);
    const tokens = new Set((await recordedSettled(id, 50)).map(bearerOf));
    expect(tokens.size).toBe(1);
    const [token] = [...tokens];
    expect(token).toMatch(/^\S{20,}$/);
    // Neither the refresh token nor the client secret ever reaches the upstream.
    expect(token).not.toBe(s.refreshToken);
    expect(token).not.toBe(s.client.client_secret);
  });

  it("a warm request is answered from the isolate's copy, without asking the token's object", async () => {
    const s = await vaultWith();
    const config = await loadVaultConfig(createDatabase(env.DB), env, s.company.id, await vaultIdOf(s));
    const cache = new OAuthAccessCache();
    const ask = { config, vault: { id: config.vaultId, name: s.vault }, service: "svc", auth: s.auth as unknown as OAuthAuth };
    const cold = await cache.token(env, ask, () => undefined);
    const warm = await cache.token(env, ask, () => undefined);
    expect(cold).toMatchObject({ ok: true, from: "object" });
    expect(warm).toMatchObject({ ok: true, from: "isolate" });
    expect(warm.ok && cold.ok && warm.token === cold.token).toBe(true);
    expect(await refreshes(s.provider)).toHaveLength(1);
  });

  it("a reconnected account (a new refresh token in the vault) is never served the old grant's token", async () => {
    const s = await vaultWith();
    const config = await loadVaultConfig(createDatabase(env.DB), env, s.company.id, await vaultIdOf(s));
    const cache = new OAuthAccessCache();
    const auth = s.auth as unknown as OAuthAuth;
    const first = await cache.token(env, { config, vault: { id: config.vaultId, name: s.vault }, service: "svc", auth }, () => undefined);
    const again = await s.provider.grant({ ...s.client, redirect_uri: "https://edge.test/oauth/callback" }, "someone-else", "openid offline_access read");
    expect(
      (await call("POST", "/v1/credentials", { token: s.company.ownerKey, body: { vault: s.vault, credentials: { REFRESH_TOKEN: again.refresh_token } } }))
        .status,
    ).toBe(200);
    const fresh: VaultConfig = await loadVaultConfig(createDatabase(env.DB), env, s.company.id, config.vaultId);
    const second = await cache.token(env, { config: fresh, vault: { id: config.vaultId, name: s.vault }, service: "svc", auth }, () => undefined);
    expect(second).toMatchObject({ ok: true, from: "object" });
    expect(first.ok && second.ok && first.token !== second.token).toBe(true);
    const calls = await refreshes(s.provider);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.refreshTokenSha256).not.toBe(calls[0]?.refreshTokenSha256);
  });
});

describe("a rotated refresh token is stored before the access token that came with it is used", () => {
  it("the provider's rotation lands in the vault (sealed, written by the edge), and the next refresh uses it", async () => {
    const s = await vaultWith();
    const before = await storedCredential(s, "REFRESH_TOKEN");
    expect((await proxyFetch(s, `/r/${requestId()}/a`)).status).toBe(200);
    const after = await storedCredential(s, "REFRESH_TOKEN");
    expect(after?.ciphertext).not.toBe(before?.ciphertext);
    expect(after?.updatedBy).toBe("edge:oauth-rotation");
    expect(after?.ciphertext).not.toContain(s.refreshToken ?? "-");

    // The upstream refuses the token: the edge refreshes with the rotated token (the provider refuses a retired one).
    const id = requestId();
    expect((await proxyFetch(s, `/r/${id}/unauthorized-first`)).status).toBe(200);
    const calls = await refreshes(s.provider);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.refreshTokenSha256).not.toBe(calls[0]?.refreshTokenSha256);
  });

  it("when the vault cannot be written, the rotated token is kept by the token's object, no access token is used, and the next request stores it and goes through", async () => {
    const s = await vaultWith();
    const before = await storedCredential(s, "REFRESH_TOKEN");
    // A real D1 failure at the one write the rotation makes (a trigger refusing it), as a crash there would leave things.
    await env.DB.prepare(
      "CREATE TRIGGER refuse_rotation BEFORE UPDATE ON credentials WHEN NEW.updated_by = 'edge:oauth-rotation' BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
    ).run();
    let refused: Response;
    const id = requestId();
    try {
      refused = await proxyFetch(s, `/r/${id}/a`);
    } finally {
      await env.DB.prepare("DROP TRIGGER refuse_rotation").run();
    }
    expect(refused.status).toBe(502);
    expect(((await refused.json()) as { error: string }).error).toBe("oauth_refresh_failed");
    expect(await recorded(id)).toHaveLength(0);
    // The provider has retired the vault's token: the only usable one is the object's, and it is kept there.
    expect((await storedCredential(s, "REFRESH_TOKEN"))?.ciphertext).toBe(before?.ciphertext);
    const slot = await tokenSlotOf(s.auth as unknown as OAuthAuth);
    const kept = await runInDurableObject(oauthTokens(env, s.company.id, await vaultIdOf(s), slot), async (_instance, state) =>
      state.storage.get<{ pending?: { sealed: string; replaces: string } }>("state"),
    );
    expect(kept?.pending?.replaces).toBe(before?.ciphertext);
    expect(kept?.pending?.sealed).not.toBe(before?.ciphertext);

    const next = requestId();
    expect((await proxyFetch(s, `/r/${next}/a`)).status).toBe(200);
    expect((await storedCredential(s, "REFRESH_TOKEN"))?.ciphertext).toBe(kept?.pending?.sealed);
    expect(await refreshes(s.provider)).toHaveLength(1);
    // And the connection still works: a further refresh with the stored token is accepted by the provider.
    expect((await proxyFetch(s, `/r/${requestId()}/unauthorized-first`)).status).toBe(200);
    expect(await refreshes(s.provider)).toHaveLength(2);
  });
});

describe("an access token is used until expires_in − 60 s and refreshed before, in the background", () => {
  it("the lifetimes: an hour's token is used 59 minutes, refreshed from its last 5; no expires_in is an hour", () => {
    expect(tokenLifetime(0, 3600)).toEqual({ usableUntil: 3_540_000, refreshFrom: 3_240_000 });
    expect(tokenLifetime(0, undefined)).toEqual(tokenLifetime(0, 3600));
    expect(tokenLifetime(1000, 600).usableUntil).toBe(1000 + 540_000);
  });

  it("a request in the token's last stretch is served the current token at once, and the next one gets the new token", async () => {
    // A 10 s token: used until 5 s (half its life, being that short), refreshed from 3.75 s.
    const s = await vaultWith({ accessTokenTtl: 10 });
    const first = requestId();
    expect((await proxyFetch(s, `/r/${first}/a`)).status).toBe(200);
    const old = bearerOf((await recorded(first))[0]);
    // The token's age is the clock's, not an event's: let it reach its refresh window.
    await new Promise((resolve) => setTimeout(resolve, 3900));
    const late = requestId();
    expect((await proxyFetch(s, `/r/${late}/a`)).status).toBe(200);
    expect(bearerOf((await recorded(late))[0])).toBe(old);
    // The refresh that request started, awaited at the provider.
    const calls = await refreshes(s.provider, 3);
    expect(calls).toHaveLength(2);
    const after = requestId();
    expect((await proxyFetch(s, `/r/${after}/a`)).status).toBe(200);
    const renewed = bearerOf((await recorded(after))[0]);
    expect(renewed).not.toBe(old);
    expect(await refreshes(s.provider)).toHaveLength(2);
  });
});

describe("an upstream 401 forces one refresh and one retry", () => {
  it("without a body: the retry carries a new token and its answer is the agent's", async () => {
    const s = await vaultWith();
    const id = requestId();
    const answer = await proxyFetch(s, `/r/${id}/unauthorized-first`);
    expect(answer.status).toBe(200);
    const [refusedTry, retry] = await recorded(id);
    expect(bearerOf(retry)).not.toBe(bearerOf(refusedTry));
    expect(await refreshes(s.provider)).toHaveLength(2);
  });

  it("with a body up to 64 KiB: the same bytes are sent again", async () => {
    const s = await vaultWith();
    const id = requestId();
    const body = "x".repeat(10_000);
    const answer = await proxyFetch(s, `/r/${id}/unauthorized-first`, { method: "POST", body, headers: { "Content-Type": "text/plain" } });
    expect(answer.status).toBe(200);
    const tries = await recordedSettled(id, 2);
    expect(tries.map((t) => t.bodyBytes)).toEqual([10_000, 10_000]);
    expect(tries[1]?.bodySha256).toBe(tries[0]?.bodySha256);
  });

  it("with a larger body: streamed once, and the 401 goes back to the agent", async () => {
    const s = await vaultWith();
    const id = requestId();
    const answer = await proxyFetch(s, `/r/${id}/unauthorized-first`, {
      method: "POST",
      body: "y".repeat(70 * 1024),
      headers: { "Content-Type": "text/plain" },
    });
    expect(answer.status).toBe(401);
    expect(await recordedSettled(id, 1)).toHaveLength(1);
    expect(await refreshes(s.provider)).toHaveLength(1);
  });

  it("an upstream that always answers 401 costs one refresh per 30 s, not one per request: the 401s after it are the agent's", async () => {
    const s = await vaultWith();
    const answers = [];
    for (let i = 0; i < 6; i++) {
      const id = requestId();
      answers.push([(await proxyFetch(s, `/r/${id}/status/401`)).status, (await recordedSettled(id, 1)).length]);
    }
    // The first request: the token, a 401, one refresh and one retry; the others: sent once with that token, their 401 passed on.
    expect(answers).toEqual([[401, 2], ...Array(5).fill([401, 1])]);
    expect(await refreshes(s.provider)).toHaveLength(2);
  });

  it("a second 401 is not retried again", async () => {
    const s = await vaultWith();
    const id = requestId();
    const answer = await proxyFetch(s, `/r/${id}/status/401`);
    expect(answer.status).toBe(401);
    expect(await recorded(id)).toHaveLength(2);
  });
});

describe("a provider that refuses is answered 502 oauth_refresh_denied, audited once, and not asked again per request", () => {
  it("invalid_grant: a hint to reconnect, Retry-After, one token call for three requests, one audit row", async () => {
    const s = await vaultWith();
    await s.provider.refuseTokens("invalid_grant");
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await proxyFetch(s, `/r/${requestId()}/a`));
    for (const answer of answers) {
      expect(answer.status).toBe(502);
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
      const body = (await answer.json()) as { error: string; provider_error: string; proposal_hint: Record<string, unknown>; message: string };
      expect(body.error).toBe("oauth_refresh_denied");
      expect(body.provider_error).toBe("invalid_grant");
      expect(body.proposal_hint).toMatchObject({ service: "svc", endpoint: "POST /v1/proposals", reconnect: true });
      expect(JSON.stringify(body)).not.toContain(s.refreshToken ?? "-");
      expect(JSON.stringify(body)).not.toContain(s.client.client_secret);
    }
    expect(await refreshes(s.provider)).toHaveLength(1);
    const audit = await call("GET", "/v1/audit?action=oauth.refresh_denied", { token: s.company.ownerKey });
    const entries = audit.body.entries as { actor_type: string; detail: Record<string, unknown> }[];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor_type: "edge", detail: { service: "svc", error: "invalid_grant" } });
  });

  it("a revoked client (invalid_client) is refused the same way", async () => {
    const s = await vaultWith();
    await s.provider.refuseTokens("invalid_client");
    const answer = await proxyFetch(s, `/r/${requestId()}/a`);
    expect(answer.status).toBe(502);
    expect(((await answer.json()) as { provider_error: string }).provider_error).toBe("invalid_client");
  });

  it("a provider that is only unavailable is 502 oauth_refresh_failed, and asked again after a short backoff", async () => {
    const s = await vaultWith();
    await s.provider.refuseTokens("temporarily_unavailable");
    const answer = await proxyFetch(s, `/r/${requestId()}/a`);
    expect(answer.status).toBe(502);
    expect(((await answer.json()) as { error: string }).error).toBe("oauth_refresh_failed");
    expect(Number(answer.headers.get("retry-after"))).toBeLessThanOrEqual(2);
  });
});

describe("the client credentials grant", () => {
  it("client_secret_basic with scopes and an audience: the client's own token, injected as a bearer", async () => {
    const s = await vaultWith({ grant: "client_credentials", tokenAuth: "client_secret_basic", scopes: ["read"], audience: "https://api.example.com" });
    const id = requestId();
    expect((await proxyFetch(s, `/r/${id}/a`)).status).toBe(200);
    expect((await proxyFetch(s, `/r/${id}/b`)).status).toBe(200);
    const calls = await s.provider.tokenCalls();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      grantType: "client_credentials",
      clientId: s.client.client_id,
      clientAuth: "client_secret_basic",
      scope: "read",
      audience: "https://api.example.com",
    });
    const [a, b] = await recorded(id);
    expect(bearerOf(a)).toBeTruthy();
    expect(bearerOf(b)).toBe(bearerOf(a));
  });

  it("client_secret_post by default", async () => {
    const s = await vaultWith({ grant: "client_credentials" });
    expect((await proxyFetch(s, `/r/${requestId()}/a`)).status).toBe(200);
    expect((await s.provider.tokenCalls())[0]).toMatchObject({ grantType: "client_credentials", clientAuth: "client_secret_post" });
  });
});
