/**
 * Which hosts the edge answers, and where its links point: every link starts with the
 * configured public origin (PUBLIC_ORIGIN, `https://edge.test` here), whatever host the request
 * came to; a host the edge does not serve is 421 before anything runs.
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { buildApp } from "../../workers/app.ts";
import { csrfTokenFor } from "../../workers/auth/csrf.ts";
import { call, createCompany, createUser, createVault, inviteAgent, unique } from "./helpers.ts";
import { recordedSettled, requestId, upstreamUrl } from "./upstream.ts";

/** The public origin the workers pool configures (test/workers/vitest.config.ts). */
const PUBLIC = "https://edge.test";

/** A host the edge serves that is not the public origin's: the company's `<id>.localhost` (BASE_DOMAIN=localhost). */
const companyHost = (companyId: string) => `http://${companyId}.localhost`;

describe("a link never comes from the Host header", () => {
  it("approval_url and the proposal.created webhook's copy start with the public origin, even when raised at a company host", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
    const hookId = requestId();
    expect((await call("POST", `/v1/vaults/${vault}/webhooks`, { token: company.ownerKey, body: { url: upstreamUrl(`/r/${hookId}/hook`) } })).status).toBe(201);

    const raised = await call("POST", `${companyHost(company.id)}/v1/proposals`, {
      token: agent.token,
      headers: { "X-Vault": vault },
      body: { credentials: [{ action: "set", key: "SOME_KEY", description: "a key" }], message: "need a key" },
    });
    expect(raised.status, raised.text).toBe(201);
    const approvalUrl = raised.body.approval_url as string;
    expect(approvalUrl.startsWith(`${PUBLIC}/approve/${raised.body.id}?token=evp_`)).toBe(true);

    const [delivery] = await recordedSettled(hookId, 1);
    expect(delivery?.headers["x-edgevault-event"]).toBe("proposal.created");
    expect(JSON.parse(delivery?.bodyText ?? "{}").proposal.approval_url).toBe(approvalUrl);
  });

  it("invite links, the redeemed agent's addr and its instructions start with the public origin", async () => {
    const company = await createCompany();
    const invite = await call("POST", `${companyHost(company.id)}/v1/agents/invites`, { token: company.ownerKey, body: { name: unique("bot").slice(0, 40) } });
    expect(invite.status, invite.text).toBe(201);
    const inviteUrl = invite.body.invite_url as string;
    expect(inviteUrl.startsWith(`${PUBLIC}/invite/evi_`)).toBe(true);
    expect(invite.body.prompt as string).toContain(inviteUrl);

    const redeemed = await call("POST", `${companyHost(company.id)}${new URL(inviteUrl).pathname}`);
    expect(redeemed.status, redeemed.text).toBe(200);
    expect(redeemed.body.addr).toBe(PUBLIC);
    expect(redeemed.body.env).toEqual({ AGENT_VAULT_ADDR: PUBLIC, EDGEVAULT_ADDR: PUBLIC });
    expect(redeemed.body.instructions as string).not.toContain("localhost");
  });

  it("a session's addr, /discover's proxy_url and the proxy's help text name the public origin", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const host = companyHost(company.id);
    const session = await call("POST", `${host}/v1/sessions`, { token: company.ownerKey, body: { vault } });
    expect(session.status, session.text).toBe(201);
    expect(session.body.addr).toBe(PUBLIC);

    const token = session.body.token as string;
    const discovered = await call("GET", `${host}/discover`, { token });
    expect(discovered.status, discovered.text).toBe(200);
    expect(discovered.body.proxy_url).toBe(`${PUBLIC}/proxy`);

    const refused = await call("GET", `${host}/proxy/api.unconfigured.example/v1/x`, { token });
    expect(refused.status).toBe(403);
    expect(refused.body.help).toMatch(
      new RegExp(
        `^Call GET ${PUBLIC}/discover to list the hosts this vault can reach; to ask for access, POST ${PUBLIC}/v1/proposals and show the user its approval_url\\. A vault admin can add one directly: edgevault vault service add <name> --host api\\.unconfigured\\.example --auth bearer:<KEY> --vault \\S+\\.$`,
      ),
    );
  });

  it("the identity documents' URIs and token exchange's default audience are the public origin's", async () => {
    const company = await createCompany();
    const identity = await call("GET", `${companyHost(company.id)}/v1/company/identity`, { token: company.ownerKey });
    expect(identity.status, identity.text).toBe(200);
    expect(identity.body.identity).toMatchObject({
      jwks_uri: `${PUBLIC}/v1/companies/${company.id}/jwks.json`,
      spiffe_bundle_uri: `${PUBLIC}/v1/companies/${company.id}/spiffe-bundle`,
    });

    const registered = await call("POST", "/v1/agents/register", { token: company.ownerKey, body: { agentId: unique("svc").slice(0, 40) } });
    expect(registered.status, registered.text).toBe(201);
    const form = new URLSearchParams({
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: registered.body.svid as string,
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
    });
    const exchanged = await SELF.fetch(`${companyHost(company.id)}/v1/token/exchange`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    const body = (await exchanged.json()) as { access_token: string };
    expect(exchanged.status, JSON.stringify(body)).toBe(200);
    expect(decodeJwt(body.access_token).aud).toEqual([PUBLIC]);
  });

  it("the console's accept link for an invited person starts with the public origin", async () => {
    const company = await createCompany();
    const owner = await createUser(company, "owner");
    const host = companyHost(company.id);
    const signIn = await SELF.fetch(`${host}/sign-in`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: host },
      body: new URLSearchParams({ email: owner.email, password: owner.password }).toString(),
    });
    expect(signIn.status).toBe(303);
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const csrf = await csrfTokenFor(cookie.slice(cookie.indexOf("=") + 1));
    const invited = await SELF.fetch(`${host}/users`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: host, Cookie: cookie },
      body: new URLSearchParams({ csrf, email: `${unique("p")}@example.com`, role: "member" }).toString(),
    });
    const page = await invited.text();
    expect(invited.status, page.slice(0, 300)).toBe(201);
    expect(page).toMatch(new RegExp(`${PUBLIC.replace(/\./g, "\\.")}/accept/evi_[A-Za-z0-9_-]+`));
    expect(page).not.toContain(`${host}/accept/`);
  });
});

describe("a request for a host the edge does not serve is 421, before anything runs", () => {
  const misdirected = async (url: string, init: RequestInit = {}) => {
    const res = await SELF.fetch(url, { redirect: "manual", ...init });
    const body = (await res.json()) as { error: string; message: string };
    expect(res.status, url).toBe(421);
    expect(body.error).toBe("misdirected_request");
    expect(res.headers.get("x-edgevault-error")).toBe("misdirected_request");
    expect(body.message).toContain(PUBLIC);
    return body;
  };

  it("answers 421 JSON on every kind of route: the API, a page, the proxy, health", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    await misdirected("https://evil.example/health");
    await misdirected("https://evil.example/sign-in");
    await misdirected("https://evil.example/proxy/api.example.com/v1/x", { headers: { Authorization: `Bearer ${agent.token}`, "X-Vault": "default" } });
    await misdirected("https://evil.example/v1/proposals", {
      method: "POST",
      headers: { Authorization: `Bearer ${agent.token}`, "X-Vault": "default", "Content-Type": "application/json" },
      body: JSON.stringify({ credentials: [{ action: "set", key: "K", description: "k" }] }),
    });
    // Refused before the route ran: no proposal was raised.
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM proposals WHERE company_id = ?").bind(company.id).first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });

  it("serves only the public origin's name and one company label under BASE_DOMAIN", async () => {
    expect((await SELF.fetch(`${PUBLIC}/health`)).status).toBe(200);
    expect((await SELF.fetch("https://EDGE.test./health")).status).toBe(200);
    expect((await SELF.fetch("http://acme.localhost/health")).status).toBe(200);
    await misdirected("https://edge.test.evil.example/health");
    await misdirected("https://evil.edge.test/health");
    await misdirected("http://a.b.localhost/health");
    await misdirected("http://localhost/health");
    await misdirected("http://127.0.0.1/health");
  });
});

describe("the edge's own name is never a company's, even under BASE_DOMAIN", () => {
  /** The app as a deployment whose public origin sits under its base domain would run it. */
  async function underBaseDomain(url: string, init: RequestInit, settings: Record<string, string>) {
    const ctx = createExecutionContext();
    const response = await buildApp().fetch(new Request(url, init), { ...env, ...settings }, ctx);
    await waitOnExecutionContext(ctx);
    return { status: response.status, body: (await response.json()) as { error?: string } };
  }

  it("an anonymous Vaultys registration at the public origin names no company (400 company_required); a company host still does", async () => {
    const company = await createCompany();
    const settings = { PUBLIC_ORIGIN: `http://${company.id}.localhost`, BASE_DOMAIN: "localhost" };
    const init = {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: unique("anon").slice(0, 40), capabilities: [] }),
    };
    const atOrigin = await underBaseDomain(`http://${company.id}.localhost/api/agents/register`, init, settings);
    expect(atOrigin).toMatchObject({ status: 400, body: { error: "company_required" } });
    const other = await createCompany();
    expect((await underBaseDomain(`http://${other.id}.localhost/api/agents/register`, init, settings)).status).toBe(201);
  });
});
