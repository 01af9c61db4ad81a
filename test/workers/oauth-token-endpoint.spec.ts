/**
 * An `oauth` service sends its client secret and refresh token to its token endpoint, not to its
 * host: the hostile tester's proposal reused the vault's stored secret and refresh token with a
 * token endpoint of the agent's own, and the approval page said they would go to api.github.com.
 * Every place that says where a value goes names the token endpoint, and a refresh token is sent
 * only to the token endpoint and client it was first used with (durable-objects/oauth-tokens.ts),
 * so a second endpoint naming the same key never receives, rotates or backs off the vault's.
 */
import { afterEach, describe, expect, it } from "vitest";
import { call, createUser, unique } from "./helpers.ts";
import { oauthVault, storedCredential } from "./oauth-support.ts";
import { getPage, signInCookie } from "./pages-support.ts";
import { proxyFetch } from "./proxy-support.ts";
import { requestId, upstreamUrl } from "./upstream.ts";
import { refreshingClient, startProvider, type TestProvider } from "./authorization-server.ts";

const started: TestProvider[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});

/** The vault of oauth-support.ts (service `svc` at provider A), and a second provider the agent runs. */
async function vaultAndRogue() {
  const s = await oauthVault();
  const rogue = await startProvider();
  started.push(s.provider, rogue);
  return { ...s, rogue };
}

type Exposure = { key: string; sent_to: string[]; to?: string };
type Destination = { service: string; token_endpoint?: string };

describe("an oauth service's client secret and refresh token are shown going to its token endpoint", () => {
  it("a proxy agent's proposal reusing the stored secret and refresh token with its own token endpoint names that endpoint, not the host", async () => {
    const s = await vaultAndRogue();
    const auth = {
      type: "oauth",
      client_id: "x",
      client_secret_key: "CLIENT_SECRET",
      refresh_token_key: "REFRESH_TOKEN",
      token_endpoint: s.rogue.tokenEndpoint,
    };
    const raised = await call("POST", "/v1/proposals", {
      token: s.agent.token,
      headers: { "X-Vault": s.vault },
      body: { services: [{ name: "github", host: "api.github.com", auth }], message: "GitHub, please" },
    });
    expect(raised.status, raised.text).toBe(201);
    const view = await call("GET", `/v1/proposals/${raised.body.id as string}`, { token: s.company.ownerKey });
    const exposes = ((view.body.services as { exposes?: Exposure[] }[])[0]?.exposes ?? []).sort((a, b) => a.key.localeCompare(b.key));
    expect(exposes.map((e) => [e.key, e.to])).toEqual([
      ["CLIENT_SECRET", s.rogue.tokenEndpoint],
      ["REFRESH_TOKEN", s.rogue.tokenEndpoint],
    ]);
    expect(exposes[0]?.sent_to).toContain(s.provider.tokenEndpoint);

    const admin = await createUser(s.company);
    expect((await call("POST", `/v1/vaults/${s.vault}/users`, { token: s.company.ownerKey, body: { email: admin.email, role: "admin" } })).status).toBe(200);
    const url = new URL(String(raised.body.approval_url));
    const page = (await getPage(url.pathname + url.search, await signInCookie(admin.email))).text;
    expect(page).toContain(`<code>CLIENT_SECRET</code> would be sent to the token endpoint <code>${s.rogue.tokenEndpoint}</code>`);
    expect(page).toContain(`<code>REFRESH_TOKEN</code> would be sent to the token endpoint <code>${s.rogue.tokenEndpoint}</code>`);
    expect(page).toContain(`are sent to the token endpoint <code>${s.rogue.tokenEndpoint}</code>, not to <code>api.github.com</code>`);
    expect(page).not.toContain("<code>CLIENT_SECRET</code> would be sent to <code>api.github.com</code>");
  });

  it("a value asked for an oauth key is shown sent to the token endpoint, and an approval made before that endpoint changed is refused", async () => {
    const s = await vaultAndRogue();
    const raised = await call("POST", "/v1/proposals", {
      token: s.agent.token,
      headers: { "X-Vault": s.vault },
      body: { credentials: [{ key: "CLIENT_SECRET", description: "the new client secret" }] },
    });
    expect(raised.status, raised.text).toBe(201);
    const view = await call("GET", `/v1/proposals/${raised.body.id as string}`, { token: s.company.ownerKey });
    const sentTo = (view.body.credentials as { sent_to?: Destination[] }[])[0]?.sent_to;
    expect(sentTo).toMatchObject([{ service: "svc", token_endpoint: s.provider.tokenEndpoint }]);

    // The token endpoint moves after the approver looked: the value would go elsewhere, so the approval is refused.
    const moved = await call("PATCH", `/v1/vaults/${s.vault}/services/svc`, {
      token: s.company.ownerKey,
      body: { auth: { ...s.auth, token_endpoint: s.rogue.tokenEndpoint } },
    });
    expect(moved.status, moved.text).toBe(200);
    const admin = await createUser(s.company);
    expect((await call("POST", `/v1/vaults/${s.vault}/users`, { token: s.company.ownerKey, body: { email: admin.email, role: "admin" } })).status).toBe(200);
    const approved = await call("POST", `/v1/proposals/${raised.body.id as string}/approve`, {
      token: admin.token,
      body: { destinations_digest: view.body.destinations_digest, credentials: { CLIENT_SECRET: "typed-secret" } },
    });
    expect(approved).toMatchObject({ status: 409, body: { error: "proposal_changed" } });
  });
});

describe("a refresh token is sent only to the token endpoint and client it was first used with", () => {
  /** A second service naming the vault's refresh token with the rogue provider's token endpoint (added by the owner: approval is not what this holds). */
  async function rogueService(s: Awaited<ReturnType<typeof vaultAndRogue>>) {
    const host = `${unique("rogue").slice(0, 30)}.example.com`;
    const added = await call("POST", `/v1/vaults/${s.vault}/services`, {
      token: s.company.ownerKey,
      body: { name: "rogue", host, upstream: upstreamUrl(), auth: { ...s.auth, token_endpoint: s.rogue.tokenEndpoint } },
    });
    expect(added.status, added.text).toBe(201);
    return host;
  }

  it("another token endpoint naming the same key is refused without a call to it, and the service it belongs to keeps its token, rotation and backoff", async () => {
    const s = await vaultAndRogue();
    expect((await proxyFetch(s, `/r/${requestId()}/a`)).status).toBe(200);
    const stored = await storedCredential(s, "REFRESH_TOKEN");
    const host = await rogueService(s);

    for (let i = 0; i < 2; i++) {
      const refused = await proxyFetch(s, `/r/${requestId()}/a`, {}, host);
      expect(refused.status).toBe(502);
      const body = (await refused.json()) as { error: string; message: string };
      expect(body.error).toBe("oauth_refresh_failed");
      expect(body.message).toContain('the refresh token "REFRESH_TOKEN" is sent only to the token endpoint and client it was first used with');
    }
    expect(await s.rogue.tokenCalls()).toHaveLength(0);
    expect((await storedCredential(s, "REFRESH_TOKEN"))?.ciphertext).toBe(stored?.ciphertext);

    // The service it belongs to: a 401 makes it refresh with the vault's rotated token, not backed off, not dropped.
    expect((await proxyFetch(s, `/r/${requestId()}/unauthorized-first`)).status).toBe(200);
    const refreshes = (await s.provider.tokenCalls()).filter((c) => c.grantType === "refresh_token");
    expect(refreshes).toHaveLength(2);
  });

  it("a refresh token a person stores starts over: bound to the endpoint it is first used with", async () => {
    const s = await vaultAndRogue();
    const host = await rogueService(s);
    expect((await proxyFetch(s, `/r/${requestId()}/a`)).status).toBe(200);
    expect((await proxyFetch(s, `/r/${requestId()}/a`, {}, host)).status).toBe(502);

    // The admin connects the rogue provider's account instead: its own client, its own refresh token.
    const client = await refreshingClient(s.rogue);
    const granted = await s.rogue.grant({ ...client, redirect_uri: "https://edge.test/oauth/callback" }, "someone", "openid offline_access read");
    const rewritten = await call("PATCH", `/v1/vaults/${s.vault}/services/rogue`, {
      token: s.company.ownerKey,
      body: { auth: { ...s.auth, client_id: client.client_id, client_secret_key: "ROGUE_SECRET", token_endpoint: s.rogue.tokenEndpoint } },
    });
    expect(rewritten.status, rewritten.text).toBe(200);
    const put = await call("POST", "/v1/credentials", {
      token: s.company.ownerKey,
      body: { vault: s.vault, credentials: { ROGUE_SECRET: client.client_secret, REFRESH_TOKEN: granted.refresh_token } },
    });
    expect(put.status).toBe(200);
    expect((await proxyFetch(s, `/r/${requestId()}/a`, {}, host)).status).toBe(200);
    expect((await s.rogue.tokenCalls()).filter((c) => c.grantType === "refresh_token")).toHaveLength(1);
    // And the first service, whose provider never issued that token, is the one refused now.
    expect((await proxyFetch(s, `/r/${requestId()}/unauthorized-first`)).status).toBe(502);
  });
});
