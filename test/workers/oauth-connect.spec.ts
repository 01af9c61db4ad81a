/**
 * Connecting an OAuth service's account in the browser, against a real authorization server
 * (oidc-provider, PKCE required) whose own login and consent pages are walked as a person would
 * (test/support/authorization-consent.ts): the connect stores the refresh token unseen, after which
 * an agent's /proxy call goes through; a tampered state, a replayed answer, another browser, a
 * PKCE verifier that does not match, and a sign-in ended meanwhile are each refused.
 */
import { SELF } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { call, createCompany, createUser, createVault, inviteAgent, unique } from "./helpers.ts";
import { refreshingClient, startProvider, type TestProvider } from "./authorization-server.ts";
import { bearerOf, providerLinkOf, REDIRECT_URI, storedCredential } from "./oauth-support.ts";
import { type Browser, getPage, postForm, signInCookie } from "./pages-support.ts";
import { proxyFetch } from "./proxy-support.ts";
import { recorded, requestId, upstreamUrl } from "./upstream.ts";

const started: TestProvider[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});

/** A vault whose `svc` is an oauth service of a fresh provider; its client secret stored unless `typeSecret`. */
async function connectWorld(options: { typeSecret?: boolean } = {}) {
  const provider = await startProvider();
  started.push(provider);
  const client = await refreshingClient(provider, REDIRECT_URI);
  const company = await createCompany();
  const vault = await createVault(company.ownerKey);
  const host = `${unique("conn").slice(0, 30)}.example.com`;
  const auth = {
    type: "oauth",
    client_id: client.client_id,
    client_secret_key: "CLIENT_SECRET",
    refresh_token_key: "REFRESH_TOKEN",
    token_endpoint: provider.tokenEndpoint,
    scopes: ["openid", "offline_access", "read"],
  };
  expect(
    (await call("POST", `/v1/vaults/${vault}/services`, { token: company.ownerKey, body: { name: "svc", host, upstream: upstreamUrl(), auth } })).status,
  ).toBe(201);
  if (!options.typeSecret) {
    expect(
      (await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials: { CLIENT_SECRET: client.client_secret } } })).status,
    ).toBe(200);
  }
  const owner = await createUser(company, "owner");
  const browser = await signInCookie(owner.email);
  const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
  return { provider, client, company, vault, host, owner, browser, agent };
}

type World = Awaited<ReturnType<typeof connectWorld>>;

/** Makes a connect over the API (as the CLI does), by the provider's discovery URL. */
async function makeConnect(w: World, token = w.owner.token) {
  const made = await call("POST", `/v1/vaults/${w.vault}/services/svc/oauth/connections`, { token, body: { discovery_url: w.provider.issuer } });
  expect(made.status, made.text).toBe(201);
  return made.body as { id: string; connect_url: string; status: string; scopes: string[]; redirect_uri: string };
}

/** Opens the connect page and presses Continue: where the browser is sent, and the binding cookie it got. */
async function goToProvider(w: World, id: string, as: Browser = w.browser, fields: Record<string, string> = {}) {
  const shown = await getPage(`/vaults/${w.vault}/oauth/${id}`, as);
  expect(shown.status, shown.text.slice(0, 300)).toBe(200);
  const sent = await postForm(`/vaults/${w.vault}/oauth/${id}`, as, fields);
  expect(sent.status, sent.text.slice(0, 300)).toBe(200);
  const binding = /ev_oauth_connect=([^;]+)/.exec(sent.headers.get("set-cookie") ?? "")?.[1] ?? "";
  return { page: shown.text, authorizeUrl: providerLinkOf(sent.text), binding, setCookie: sent.headers.get("set-cookie") ?? "" };
}

/** The provider's redirect back, fetched as the browser that carries `binding`. */
async function callback(location: string, binding?: string) {
  const url = new URL(location);
  const res = await SELF.fetch(`https://edge.test${url.pathname}${url.search}`, {
    redirect: "manual",
    headers: binding ? { Cookie: `ev_oauth_connect=${binding}` } : {},
  });
  return { status: res.status, text: await res.text() };
}

const connection = async (w: World, id: string) => (await call("GET", `/v1/vaults/${w.vault}/oauth/connections/${id}`, { token: w.owner.token })).body;

describe("a vault admin connects an account through the provider's consent, and agents then reach the service", () => {
  it("the scopes are shown before going; the callback stores the refresh token unseen; an agent's /proxy call then succeeds", async () => {
    const w = await connectWorld();
    const made = await makeConnect(w);
    expect(made).toMatchObject({ status: "pending", scopes: ["openid", "offline_access", "read"], redirect_uri: REDIRECT_URI });
    expect(made.connect_url).toBe(`https://edge.test/vaults/${w.vault}/oauth/${made.id}`);
    const went = await goToProvider(w, made.id);
    for (const scope of made.scopes) expect(went.page).toContain(`<code>${scope}</code>`);
    expect(went.setCookie).toMatch(/HttpOnly/i);
    expect(went.setCookie).toMatch(/SameSite=Lax/i);
    expect(went.setCookie).toMatch(/Path=\/oauth\/callback/i);
    const authorize = new URL(went.authorizeUrl);
    expect(authorize.origin).toBe(w.provider.issuer);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("state")?.length).toBeGreaterThanOrEqual(43);
    expect(authorize.searchParams.get("redirect_uri")).toBe(REDIRECT_URI);
    expect((await connection(w, made.id)).status).toBe("authorizing");

    const back = await w.provider.consent(went.authorizeUrl, unique("person"));
    const done = await callback(back, went.binding);
    expect(done.status, done.text.slice(0, 500)).toBe(200);
    expect(done.text).toContain("connected");
    expect((await connection(w, made.id)).status).toBe("connected");
    const stored = await storedCredential(w, "REFRESH_TOKEN");
    expect(stored?.updatedBy).toBe(w.owner.id);
    // Nothing of the exchange is on the page or in the connect's view.
    expect(JSON.stringify(await connection(w, made.id))).not.toMatch(/refresh_token"|access_token/);

    const id = requestId();
    const proxied = await proxyFetch(w, `/r/${id}/me`);
    expect(proxied.status, await proxied.clone().text()).toBe(200);
    expect(bearerOf((await recorded(id))[0])).toBeTruthy();
    expect((await w.provider.tokenCalls()).map((c) => c.grantType)).toEqual(["authorization_code", "refresh_token"]);
    const audit = await call("GET", "/v1/audit?action=oauth.connect", { token: w.company.ownerKey });
    expect((audit.body.entries as { detail: { keys: string[] } }[])[0]?.detail.keys).toEqual(["REFRESH_TOKEN"]);
  });

  it("a client secret typed on the connect page is stored with the refresh token", async () => {
    const w = await connectWorld({ typeSecret: true });
    const made = await makeConnect(w);
    const went = await goToProvider(w, made.id, w.browser, { client_secret: w.client.client_secret });
    expect(went.page).toContain('name="client_secret"');
    const done = await callback(await w.provider.consent(went.authorizeUrl, unique("person")), went.binding);
    expect(done.status, done.text.slice(0, 500)).toBe(200);
    expect(await storedCredential(w, "CLIENT_SECRET")).toBeTruthy();
    expect((await proxyFetch(w, `/r/${requestId()}/me`)).status).toBe(200);
  });

  it("the console's Connect button makes the connect and opens its page; a catalog provider is found by the service's token endpoint", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const auth = {
      type: "oauth",
      client_id: "Iv1.0123456789abcdef",
      client_secret_key: "GITHUB_CLIENT_SECRET",
      refresh_token_key: "GITHUB_REFRESH_TOKEN",
      token_endpoint: "https://github.com/login/oauth/access_token",
    };
    expect(
      (await call("POST", `/v1/vaults/${vault}/services`, { token: company.ownerKey, body: { name: "github", host: "api.github.com", auth } })).status,
    ).toBe(201);
    const owner = await createUser(company, "owner");
    const browser = await signInCookie(owner.email);
    const vaultPage = await getPage(`/vaults/${vault}`, browser);
    expect(vaultPage.text).toContain("Connect GitHub");
    const made = await postForm(`/vaults/${vault}/services/github/connect`, browser);
    expect(made.status).toBe(303);
    const shown = await getPage(made.location ?? "", browser);
    expect(shown.text).toContain("Connect GitHub");
    expect(shown.text).toContain("<code>repo</code>");
    const sent = await postForm(made.location ?? "", browser, { client_secret: "typed-secret" });
    const authorize = new URL(providerLinkOf(sent.text));
    expect(`${authorize.origin}${authorize.pathname}`).toBe("https://github.com/login/oauth/authorize");
    expect(authorize.searchParams.get("client_id")).toBe(auth.client_id);
    expect(authorize.searchParams.get("scope")).toBe("repo read:user");
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
  });

  it("the console's service form makes an oauth service from a catalog provider, and a client-credentials one from a token endpoint", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const owner = await createUser(company, "owner");
    const browser = await signInCookie(owner.email);
    const base = { enabled: "on", redact_response: "on", auth_type: "oauth", oauth_client_id: "Iv1.form", oauth_secret_key: "GH_SECRET" };
    const added = await postForm(`/vaults/${vault}/services`, browser, {
      ...base,
      name: "gh",
      host: "api.github.com",
      oauth_provider: "github",
      oauth_refresh_key: "GH_REFRESH",
    });
    expect(added.status, added.text.slice(0, 400)).toBe(303);
    const machine = await postForm(`/vaults/${vault}/services`, browser, {
      ...base,
      name: "m2m",
      host: "api.billing.example",
      oauth_token_endpoint: "https://auth.billing.example/oauth/token",
      oauth_scopes: "invoices:read invoices:write",
      oauth_token_auth: "client_secret_basic",
    });
    expect(machine.status, machine.text.slice(0, 400)).toBe(303);
    const gh = await call("GET", `/v1/vaults/${vault}/services/gh`, { token: company.ownerKey });
    expect(gh.body.service).toMatchObject({
      auth: {
        type: "oauth",
        client_id: "Iv1.form",
        client_secret_key: "GH_SECRET",
        refresh_token_key: "GH_REFRESH",
        token_endpoint: "https://github.com/login/oauth/access_token",
      },
    });
    const m2m = await call("GET", `/v1/vaults/${vault}/services/m2m`, { token: company.ownerKey });
    expect(m2m.body.service).toMatchObject({
      auth: { type: "oauth", grant: "client_credentials", scopes: ["invoices:read", "invoices:write"], token_auth: "client_secret_basic" },
    });
    // Its page offers Connect for the refresh-token service only.
    expect((await getPage(`/vaults/${vault}/services/gh`, browser)).text).toContain("Connect GitHub");
    expect((await getPage(`/vaults/${vault}/services/m2m`, browser)).text).not.toContain("/services/m2m/connect");
  });

  it("a client-credentials service has no account to connect (400 oauth_not_connectable)", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const auth = {
      type: "oauth",
      grant: "client_credentials",
      client_id: "machine",
      client_secret_key: "SECRET",
      token_endpoint: "https://auth.example.com/token",
    };
    expect((await call("POST", `/v1/vaults/${vault}/services`, { token: company.ownerKey, body: { name: "m2m", host: "api.example.com", auth } })).status).toBe(
      201,
    );
    const made = await call("POST", `/v1/vaults/${vault}/services/m2m/oauth/connections`, { token: company.ownerKey, body: {} });
    expect(made.status).toBe(400);
    expect(made.body.error).toBe("oauth_not_connectable");
  });
});

describe("an agent asks for an OAuth service with a proposal; once approved, a vault admin connects it from the approval page", () => {
  it("the proposal needs no credential values; its approval page says an account is to be connected, then offers Connect", async () => {
    const w = await connectWorld({ typeSecret: true });
    const auth = {
      type: "oauth",
      client_id: w.client.client_id,
      client_secret_key: "CRM_SECRET",
      refresh_token_key: "CRM_REFRESH",
      token_endpoint: w.provider.tokenEndpoint,
    };
    const host = `${unique("crm").slice(0, 30)}.example.com`;
    const raised = await call("POST", "/v1/proposals", {
      token: w.agent.token,
      headers: { "X-Vault": w.vault },
      body: { services: [{ action: "set", name: "crm", host, upstream: upstreamUrl(), auth }], message: "I need the CRM" },
    });
    expect(raised.status, raised.text).toBe(201);
    const approval = new URL(String(raised.body.approval_url));
    const pending = await getPage(`${approval.pathname}${approval.search}`, w.browser);
    expect(pending.text).toContain("Accounts to connect");
    expect(pending.text).not.toContain("/services/crm/connect");
    const approved = await postForm(approval.pathname, w.browser, {
      token: approval.searchParams.get("token") ?? "",
      action: "approve",
      destinations_digest: /name="destinations_digest" value="([^"]*)"/.exec(pending.text)?.[1] ?? "",
    });
    expect(approved.status, approved.text.slice(0, 300)).toBeLessThan(400);
    const after = await getPage(`${approval.pathname}${approval.search}`, w.browser);
    expect(after.text).toContain(`/vaults/${w.vault}/services/crm/connect`);
    // The agent's call waits for the connect: the vault holds no secret or refresh token yet.
    const early = await SELF.fetch(`https://edge.test/proxy/${host}/x`, { headers: { Authorization: `Bearer ${w.agent.token}`, "X-Vault": w.vault } });
    expect(early.status).toBe(502);
    expect(((await early.json()) as { error: string }).error).toBe("credential_not_found");
    const made = await postForm(`/vaults/${w.vault}/services/crm/connect`, w.browser);
    expect(made.status).toBe(303);
    const went = await goToProvider(w, made.location?.split("/").pop() ?? "", w.browser, { client_secret: w.client.client_secret });
    expect((await callback(await w.provider.consent(went.authorizeUrl, unique("person")), went.binding)).status).toBe(200);
    const id = requestId();
    expect(
      (await SELF.fetch(`https://edge.test/proxy/${host}/r/${id}/x`, { headers: { Authorization: `Bearer ${w.agent.token}`, "X-Vault": w.vault } })).status,
    ).toBe(200);
    expect(bearerOf((await recorded(id))[0])).toBeTruthy();
  });
});

describe("an answer is accepted once, from the browser that was sent, for the state it was sent with", () => {
  it("a tampered state is refused and stores nothing; the genuine answer still works, once", async () => {
    const w = await connectWorld();
    const made = await makeConnect(w);
    const went = await goToProvider(w, made.id);
    const back = new URL(await w.provider.consent(went.authorizeUrl, unique("person")));
    const tampered = new URL(back);
    tampered.searchParams.set("state", `${back.searchParams.get("state")}x`);
    const refused = await callback(tampered.href, went.binding);
    expect(refused.status).toBe(400);
    expect(await storedCredential(w, "REFRESH_TOKEN")).toBeNull();
    expect((await callback(back.href, went.binding)).status).toBe(200);
    // A replay of the same answer finds nothing left to finish.
    const replay = await callback(back.href, went.binding);
    expect(replay.status).toBe(400);
    expect((await w.provider.tokenCalls()).filter((c) => c.grantType === "authorization_code")).toHaveLength(1);
  });

  it("another browser (no binding cookie, or another's) cannot finish it", async () => {
    const w = await connectWorld();
    const made = await makeConnect(w);
    const went = await goToProvider(w, made.id);
    const back = await w.provider.consent(went.authorizeUrl, unique("person"));
    expect((await callback(back)).status).toBe(400);
    expect((await callback(back, "another-browsers-binding")).status).toBe(400);
    expect(await storedCredential(w, "REFRESH_TOKEN")).toBeNull();
    expect((await w.provider.tokenCalls()).filter((c) => c.grantType === "authorization_code")).toHaveLength(0);
  });

  it("a code issued for another PKCE challenge is refused by the provider at the exchange, and the connect fails", async () => {
    const w = await connectWorld();
    const made = await makeConnect(w);
    const went = await goToProvider(w, made.id);
    const swapped = new URL(went.authorizeUrl);
    // Someone else's challenge: the edge's verifier no longer matches the code.
    swapped.searchParams.set("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    const done = await callback(await w.provider.consent(swapped.href, unique("person")), went.binding);
    expect(done.status).toBe(400);
    expect(done.text).toContain("invalid_grant");
    expect(await connection(w, made.id)).toMatchObject({ status: "failed", error: "invalid_grant" });
    expect(await storedCredential(w, "REFRESH_TOKEN")).toBeNull();
  });

  it("the person signing out meanwhile ends the connect (403)", async () => {
    const w = await connectWorld();
    const made = await makeConnect(w);
    const went = await goToProvider(w, made.id);
    const back = await w.provider.consent(went.authorizeUrl, unique("person"));
    expect((await postForm("/sign-out", w.browser)).status).toBe(303);
    const done = await callback(back, went.binding);
    expect(done.status).toBe(403);
    expect(await connection(w, made.id)).toMatchObject({ status: "failed", error: "session_ended" });
    expect(await storedCredential(w, "REFRESH_TOKEN")).toBeNull();
  });

  it("the provider's refusal (the person cancels) fails the connect with its code", async () => {
    const w = await connectWorld();
    const made = await makeConnect(w);
    const went = await goToProvider(w, made.id);
    const done = await callback(await w.provider.consent(went.authorizeUrl, unique("person"), true), went.binding);
    expect(done.status).toBe(400);
    expect(await connection(w, made.id)).toMatchObject({ status: "failed", error: "access_denied" });
  });
});

describe("only a vault admin connects", () => {
  it("a member of the company without admin in the vault is refused the connect page and the API", async () => {
    const w = await connectWorld();
    const made = await makeConnect(w);
    const member = await createUser(w.company);
    const asMember = await signInCookie(member.email);
    expect((await getPage(`/vaults/${w.vault}/oauth/${made.id}`, asMember)).status).toBe(403);
    expect((await postForm(`/vaults/${w.vault}/oauth/${made.id}`, asMember)).status).toBe(403);
    const byApi = await call("POST", `/v1/vaults/${w.vault}/services/svc/oauth/connections`, { token: member.token, body: {} });
    expect(byApi.status).toBe(403);
    expect(
      (await call("POST", `/v1/vaults/${w.vault}/services/svc/oauth/connections`, { token: w.agent.token, body: {}, headers: { "X-Vault": w.vault } })).status,
    ).toBe(403);
  });
});

describe("a connect sends its code, verifier and client secret only to the token endpoint it was made for", () => {
  /** Another authorization server, the one a service edit would point the connect at. */
  async function elsewhere(w: World) {
    const rogue = await startProvider();
    started.push(rogue);
    const moved = await call("PATCH", `/v1/vaults/${w.vault}/services/svc`, {
      token: w.company.ownerKey,
      body: {
        auth: {
          type: "oauth",
          client_id: w.client.client_id,
          client_secret_key: "CLIENT_SECRET",
          refresh_token_key: "REFRESH_TOKEN",
          token_endpoint: rogue.tokenEndpoint,
          scopes: ["openid", "offline_access", "read"],
        },
      },
    });
    expect(moved.status, moved.text).toBe(200);
    return rogue;
  }

  it("the service's token endpoint edited after Continue: the callback refuses (409 service_changed), sends nothing there and stores nothing", async () => {
    const w = await connectWorld({ typeSecret: true });
    const made = await makeConnect(w);
    const went = await goToProvider(w, made.id, w.browser, { client_secret: w.client.client_secret });
    const back = await w.provider.consent(went.authorizeUrl, unique("person"));
    const rogue = await elsewhere(w);
    const done = await callback(back, went.binding);
    expect(done.status).toBe(409);
    expect(done.text).toContain("names another token endpoint or client than when this connect was made");
    expect(await rogue.tokenCalls()).toHaveLength(0);
    expect(await w.provider.tokenCalls()).toHaveLength(0);
    expect(await connection(w, made.id)).toMatchObject({ status: "failed", error: "service_changed" });
    expect(await storedCredential(w, "CLIENT_SECRET")).toBeNull();
    expect(await storedCredential(w, "REFRESH_TOKEN")).toBeNull();
  });

  it("edited before Continue: nobody is sent to the provider", async () => {
    const w = await connectWorld();
    const made = await makeConnect(w);
    await elsewhere(w);
    const sent = await postForm(`/vaults/${w.vault}/oauth/${made.id}`, w.browser, {});
    expect(sent.status).toBe(409);
    expect(sent.text).not.toContain('id="go-to-provider"');
    expect((await connection(w, made.id)).status).toBe("pending");
  });
});
