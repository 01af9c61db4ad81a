/**
 * Signing in through a company's provider, without a browser: the edge's pages and the real
 * providers of sso-global-setup.ts (their own login and consent forms), driven by sso-support.ts.
 * A first sign-in makes a person of that company (a member, or the role their group maps to), an
 * existing one is signed in by address, an invited one activated; the provider signs in only the
 * addresses it should; and the session is a password sign-in's, good for every page.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { OWNERS_GROUP, SSO_ACCOUNTS } from "../support/sso-accounts.ts";
import { sha256Hex } from "../../workers/lib/crypto/tokens.ts";
import { BASE, call, createCompany, createUser, unique } from "./helpers.ts";
import { getPage, postForm, signInCookie } from "./pages-support.ts";
import { browserOfSession, providers, setUpSso, ssoSignIn, startSignIn, whoamiOf } from "./sso-support.ts";

const PASSWORD = "correct horse battery staple";
const sessionsOf = async (companyId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM user_sessions WHERE company_id = ?").bind(companyId).first<{ n: number }>())?.n ?? 0;

describe("a person's first sign-in through the provider makes them a member of that company", () => {
  it("creates them with no password, audits it as the provider's, and gives them a console session like a password's", async () => {
    const company = await createCompany();
    const domain = `${unique("people")}.example`;
    await setUpSso(company, { domains: [domain] });
    const login = `newcomer@${domain}`;
    const done = await ssoSignIn({ company: company.id, next: "/vaults" }, login);
    expect(done.status).toBe(200);
    expect(done.refresh).toBe("0; url=/vaults");
    expect(done.clearsFlow).toBe(true);
    expect(done.session).toMatch(/^edgevault_session=evu_/);
    const who = await whoamiOf(done.session ?? "");
    expect(who.body).toMatchObject({ email: `${login}`, company: { id: company.id }, company_role: "member" });

    const users = await call("GET", "/v1/users", { token: company.ownerKey });
    const made = (users.body.users as { id: string; email: string; status: string; role: string }[]).find((u) => u.email === `${login}`);
    expect(made).toMatchObject({ id: who.body.id, status: "active", role: "member" });
    const row = await env.DB.prepare("SELECT password_hash AS p FROM users WHERE id = ?").bind(made?.id).first<{ p: string | null }>();
    expect(row?.p).toBeNull();
    const audit = await env.DB.prepare(
      "SELECT actor_type AS t, actor_id AS a FROM audit_log WHERE company_id = ? AND action = 'user.provision' AND target_id = ?",
    )
      .bind(company.id, made?.id)
      .first<{ t: string; a: string }>();
    expect(audit).toEqual({ t: "identity_provider", a: providers().issuer });

    // The console takes the session as it takes a password's.
    const inbox = await getPage("/vaults", await browserOfSession(done.session ?? ""));
    expect(inbox.status).toBe(200);
    expect(inbox.text).toContain(`${login}`);

    // Signing in again finds the same person.
    const again = await ssoSignIn({ company: company.id }, login);
    expect((await whoamiOf(again.session ?? "")).body.id).toBe(who.body.id);
    expect((await call("GET", "/v1/users", { token: company.ownerKey })).body.users).toHaveLength((users.body.users as unknown[]).length);
  });

  it("gives the owner role to someone of a group mapped to it, on their first sign-in only", async () => {
    const company = await createCompany();
    await setUpSso(company, { scopes: ["groups"], group_roles: { [OWNERS_GROUP]: "owner", engineering: "member" } });
    const ada = await ssoSignIn({ company: company.id }, SSO_ACCOUNTS.ada.id);
    const bob = await ssoSignIn({ company: company.id }, SSO_ACCOUNTS.bob.id);
    expect((await whoamiOf(ada.session ?? "")).body).toMatchObject({ email: SSO_ACCOUNTS.ada.email, company_role: "owner" });
    expect((await whoamiOf(bob.session ?? "")).body).toMatchObject({ email: SSO_ACCOUNTS.bob.email, company_role: "member" });
    const audit = await env.DB.prepare("SELECT detail FROM audit_log WHERE company_id = ? AND action = 'user.provision' AND detail LIKE ?")
      .bind(company.id, `%${SSO_ACCOUNTS.ada.email}%`)
      .first<{ detail: string }>();
    expect(JSON.parse(audit?.detail ?? "{}")).toMatchObject({ role: "owner", groups: expect.arrayContaining([OWNERS_GROUP]) });

    // Made an owner by the provider, changed in Edgevault: the next sign-in keeps what Edgevault says.
    const adaId = (await whoamiOf(ada.session ?? "")).body.id;
    const owner = await call("POST", "/v1/users", {
      token: company.ownerKey,
      body: { email: `${unique("o")}@example.com`, role: "owner", password: PASSWORD },
    });
    expect(owner.status).toBe(201);
    expect((await call("PATCH", `/v1/users/${adaId}`, { token: company.ownerKey, body: { role: "member" } })).status).toBe(200);
    const later = await ssoSignIn({ company: company.id }, SSO_ACCOUNTS.ada.id);
    expect((await whoamiOf(later.session ?? "")).body).toMatchObject({ id: adaId, company_role: "member" });
  });
});

describe("an existing person is signed in by address, an invited one activated", () => {
  it("signs in the person the company already has, whatever their groups say", async () => {
    const company = await createCompany();
    const created = await call("POST", "/v1/users", { token: company.ownerKey, body: { email: SSO_ACCOUNTS.ada.email, role: "member", password: PASSWORD } });
    await setUpSso(company, { scopes: ["groups"], group_roles: { [OWNERS_GROUP]: "owner" } });
    const done = await ssoSignIn({ company: company.id }, SSO_ACCOUNTS.ada.id);
    expect((await whoamiOf(done.session ?? "")).body).toMatchObject({ id: (created.body.user as { id: string }).id, company_role: "member" });
    // Their password still works while password sign-in is on.
    expect((await call("POST", "/v1/auth/sign-in", { body: { email: SSO_ACCOUNTS.ada.email, password: PASSWORD, company: company.id } })).status).toBe(200);
  });

  it("activates an invited person with the invited role, and spends the invite", async () => {
    const company = await createCompany();
    const invited = await call("POST", "/v1/users", { token: company.ownerKey, body: { email: SSO_ACCOUNTS.bob.email, role: "owner" } });
    const token = (invited.body.invite as { token: string }).token;
    await setUpSso(company);
    const done = await ssoSignIn({ company: company.id }, SSO_ACCOUNTS.bob.id);
    expect(done.status).toBe(200);
    expect((await whoamiOf(done.session ?? "")).body).toMatchObject({ id: (invited.body.user as { id: string }).id, company_role: "owner" });
    const accept = await call("POST", "/v1/users/accept", { body: { token, password: PASSWORD } });
    expect([accept.status, accept.body.error]).toEqual([410, "invite_used"]);
  });
});

describe("the provider signs in only the addresses it should", () => {
  it("refuses an address outside the company's domains, and a provider that names no address, creating nobody", async () => {
    const company = await createCompany();
    const domain = `${unique("only")}.example`;
    await setUpSso(company, { domains: [domain] });
    const outside = await ssoSignIn({ company: company.id }, SSO_ACCOUNTS.eve.id);
    expect(outside.status).toBe(403);
    expect(outside.text).toContain(`addresses of ${domain} only`);
    const nameless = await ssoSignIn({ company: company.id }, SSO_ACCOUNTS.nomail.id);
    expect(nameless.status).toBe(403);
    expect([outside.session, nameless.session]).toEqual([undefined, undefined]);
    expect(((await call("GET", "/v1/users", { token: company.ownerKey })).body.users as unknown[]).length).toBe(0);
    expect(await sessionsOf(company.id)).toBe(0);
  });
});

describe("the sign-in pages offer a company's provider by its host and by address", () => {
  it("shows the host's company and its provider, without the password form once passwords are off", async () => {
    const company = await createCompany();
    const client = await setUpSso(company);
    const host = `https://${company.id}.localhost`;
    const page = await SELF.fetch(`${host}/sign-in?next=/vaults`);
    const text = await page.text();
    expect(text).toContain("Continue with single sign-on");
    expect(text).toContain(`href="${BASE}/sign-in/sso?company=${company.id}&amp;next=%2Fvaults"`);
    expect(text).toContain('name="password"');
    await call("PUT", "/v1/company/sso", { token: company.ownerKey, body: { issuer: client.issuer, client_id: client.clientId, password_sign_in: false } });
    const off = await (await SELF.fetch(`${host}/sign-in`)).text();
    expect(off).toContain("Continue with single sign-on");
    expect(off).not.toContain('name="password"');
    // The public host offers single sign-on by address, and a company without a provider offers nothing more.
    expect(await (await SELF.fetch(`${BASE}/sign-in`)).text()).toContain("Use single sign-on");
    const plain = await createCompany();
    expect(await (await SELF.fetch(`https://${plain.id}.localhost/sign-in`)).text()).not.toContain("Continue with single sign-on");
  });

  it("routes an address by its domain to the company that has it, naming the company and the provider before going", async () => {
    const company = await createCompany();
    const domain = `${unique("route")}.example`;
    await setUpSso(company, { domains: [domain] });
    const started = await startSignIn({ email: `someone@${domain.toUpperCase()}` });
    expect(started.status).toBe(200);
    expect(started.text).toContain(`Company ${company.id}`);
    expect(started.authorizationUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/auth\?/);
    const params = new URL(started.authorizationUrl ?? "").searchParams;
    expect(params.get("code_challenge_method")).toBe("S256");
    expect(params.get("redirect_uri")).toBe(`${BASE}/sign-in/sso/callback`);
    for (const name of ["state", "nonce", "code_challenge"]) expect(params.get(name)?.length ?? 0).toBeGreaterThanOrEqual(22);
    expect(started.cookie).toMatch(new RegExp(`^edgevault_sso_flow=${company.id}\\.`));
    // The flow cookie holds none of the request's secrets in clear.
    for (const name of ["state", "nonce"]) expect(started.cookie).not.toContain(params.get(name));

    const unknown = await startSignIn({ email: `someone@${unique("nobody")}.example` });
    expect([unknown.status, unknown.cookie]).toEqual([404, undefined]);
    expect(unknown.text).toContain("No single sign-on is set up");
    const noCompany = await startSignIn({ company: "no-such-company" });
    expect(noCompany.status).toBe(404);
  });

  it("starts only on the public origin, where the provider sends people back", async () => {
    const company = await createCompany();
    const res = await SELF.fetch(`https://${company.id}.localhost/sign-in/sso?company=${company.id}`, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${BASE}/sign-in/sso?company=${company.id}`);
    expect(res.headers.get("set-cookie")).toBeNull();
  });
});

describe("a CLI login confirmed through single sign-on ends with the sign-in that confirmed it", () => {
  /** Starts `edgevault login --web` as the CLI does, confirms it on the page as `browser`, and collects it. */
  async function loginWebAs(browser: Awaited<ReturnType<typeof browserOfSession>>) {
    const started = await call("POST", "/v1/cli-logins", {
      body: { client_name: "edgevault on laptop" },
      headers: { "CF-Connecting-IP": `203.0.113.${Math.floor(Math.random() * 250)}` },
    });
    expect(started.status, started.text).toBe(201);
    const confirmed = await postForm("/cli-login/approve", browser, { code: String(started.body.user_code), typed_code: String(started.body.user_code) });
    expect(confirmed.status, confirmed.text.slice(0, 300)).toBeLessThan(400);
    return call("POST", "/v1/cli-logins/token", { body: { device_code: String(started.body.device_code) } });
  }

  it("the CLI's session expires no later than the console session the provider granted, and is refused once that has ended", async () => {
    const company = await createCompany();
    await setUpSso(company);
    const signedIn = await ssoSignIn({ company: company.id }, `cli-${unique("p")}@example.com`);
    const browser = await browserOfSession(signedIn.session ?? "");
    const consoleEnds = await env.DB.prepare("SELECT expires_at AS e, via_sso AS v FROM user_sessions WHERE token_hash = ?")
      .bind(await sha256Hex(signedIn.session?.slice(signedIn.session.indexOf("=") + 1) ?? ""))
      .first<{ e: number; v: number }>();
    expect(consoleEnds?.v).toBe(1);

    const collected = await loginWebAs(browser);
    expect(collected.status, collected.text).toBe(200);
    expect(Date.parse(String(collected.body.expires_at))).toBeLessThanOrEqual(consoleEnds?.e ?? 0);
    expect(Date.parse(String(collected.body.expires_at))).toBeLessThanOrEqual(Date.now() + 12 * 3600 * 1000);

    // Confirmed, then the provider's session ends before the CLI collects: nothing is handed over.
    const started = await call("POST", "/v1/cli-logins", { body: { client_name: "edgevault on laptop" }, headers: { "CF-Connecting-IP": "203.0.113.251" } });
    expect(
      (await postForm("/cli-login/approve", browser, { code: String(started.body.user_code), typed_code: String(started.body.user_code) })).status,
    ).toBeLessThan(400);
    await env.DB.prepare("UPDATE cli_logins SET session_until = ? WHERE user_code = ?")
      .bind(Date.now() - 1, String(started.body.user_code))
      .run();
    const late = await call("POST", "/v1/cli-logins/token", { body: { device_code: String(started.body.device_code) } });
    expect([late.status, late.body.error]).toEqual([400, "expired_token"]);
  });

  it("a password's console session still gives the CLI its 30 days", async () => {
    const company = await createCompany();
    const person = await createUser(company);
    const collected = await loginWebAs(await signInCookie(person.email));
    expect(collected.status, collected.text).toBe(200);
    expect(Date.parse(String(collected.body.expires_at))).toBeGreaterThan(Date.now() + 29 * 24 * 3600 * 1000);
  });
});
