/**
 * A company's single sign-on as its owners set it (PUT, GET, DELETE /v1/company/sso), against the
 * real providers of sso-global-setup.ts: the client secret never comes back, an issuer the edge may
 * not reach is refused before anything is stored, a domain routes to one company, and switching
 * passwords off always leaves the owners a way back in.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDatabase } from "../../workers/db/client.ts";
import { companyDataKey } from "../../workers/db/data-keys.ts";
import { providerUrl } from "../../workers/sso/provider-url.ts";
import { openFlow, sealFlow } from "../../workers/sso/sso-flow-cookie.ts";
import { BASE, call, createCompany, createUser, unique } from "./helpers.ts";
import { providers, registerClient, setUpSso } from "./sso-support.ts";

const PASSWORD = "correct horse battery staple";

describe("a company's provider is set by its owners, and its client secret never comes back", () => {
  it("answers the redirect URI to register before anything is set, then the provider as set, never the secret", async () => {
    const company = await createCompany();
    const before = await call("GET", "/v1/company/sso", { token: company.ownerKey });
    expect(before.status).toBe(200);
    expect(before.body).toEqual({ sso: null, redirect_uri: `${BASE}/sign-in/sso/callback`, sign_in_url: `${BASE}/sign-in/sso?company=${company.id}` });

    const client = await registerClient();
    const domain = `${unique("d")}.example`;
    const set = await call("PUT", "/v1/company/sso", {
      token: company.ownerKey,
      body: {
        issuer: client.issuer,
        client_id: client.clientId,
        client_secret: client.clientSecret,
        domains: [domain.toUpperCase()],
        group_roles: { admins: "owner" },
      },
    });
    expect(set.status).toBe(200);
    expect(set.body.sso).toMatchObject({
      issuer: client.issuer,
      client_id: client.clientId,
      client_secret: "set",
      token_auth: "client_secret_basic",
      domains: [domain],
      password_sign_in: true,
      groups_claim: "groups",
      group_roles: { admins: "owner" },
    });
    const read = await call("GET", "/v1/company/sso", { token: company.ownerKey });
    expect(read.body.sso).toEqual(set.body.sso);
    for (const text of [set.text, read.text]) expect(text).not.toContain(client.clientSecret);
    const row = await env.DB.prepare("SELECT * FROM company_sso WHERE company_id = ?").bind(company.id).first<Record<string, unknown>>();
    expect(row?.sealed_client_secret).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(JSON.stringify(row)).not.toContain(client.clientSecret);
    const audit = await env.DB.prepare("SELECT detail FROM audit_log WHERE company_id = ? AND action = 'sso.set'").bind(company.id).first<{ detail: string }>();
    expect(audit?.detail).toContain(client.clientId);
    expect(audit?.detail).not.toContain(client.clientSecret);
  });

  it("keeps the stored secret while the issuer and client stay, and wants a new one for a new client", async () => {
    const company = await createCompany();
    const client = await setUpSso(company);
    const sealed = async () =>
      (await env.DB.prepare("SELECT sealed_client_secret AS s FROM company_sso WHERE company_id = ?").bind(company.id).first<{ s: string }>())?.s;
    const first = await sealed();
    const kept = await call("PUT", "/v1/company/sso", {
      token: company.ownerKey,
      body: { issuer: client.issuer, client_id: client.clientId, token_auth: "client_secret_post" },
    });
    expect(kept.status).toBe(200);
    expect(await sealed()).toBe(first);
    const other = await registerClient();
    const refused = await call("PUT", "/v1/company/sso", { token: company.ownerKey, body: { issuer: other.issuer, client_id: other.clientId } });
    expect([refused.status, refused.body.error]).toEqual([400, "sso_secret_required"]);
    expect((await call("GET", "/v1/company/sso", { token: company.ownerKey })).body.sso).toMatchObject({ client_id: client.clientId });
  });

  it("is an owner's: a person owner sets it, a member may not read it", async () => {
    const company = await createCompany();
    const owner = await createUser(company, "owner");
    const member = await createUser(company, "member");
    const client = await registerClient();
    const body = { issuer: client.issuer, client_id: client.clientId, client_secret: client.clientSecret };
    expect((await call("PUT", "/v1/company/sso", { token: owner.token, body })).status).toBe(200);
    expect((await call("GET", "/v1/company/sso", { token: member.token })).status).toBe(403);
    expect((await call("PUT", "/v1/company/sso", { token: member.token, body })).status).toBe(403);
    expect((await call("DELETE", "/v1/company/sso", { token: member.token })).status).toBe(403);
    expect((await call("DELETE", "/v1/company/sso", { token: owner.token })).body).toEqual({ removed: true });
    expect((await call("DELETE", "/v1/company/sso", { token: owner.token })).body.error).toBe("sso_not_configured");
  });
});

describe("an issuer the edge may not reach is refused before anything is stored", () => {
  it("refuses plain http, credentials in the URL, a query, an unreachable provider and an issuer its discovery does not name", async () => {
    const company = await createCompany();
    const client = await registerClient();
    const attempt = (issuer: string) =>
      call("PUT", "/v1/company/sso", { token: company.ownerKey, body: { issuer, client_id: client.clientId, client_secret: client.clientSecret } });
    const cases: [string, string][] = [
      ["http://login.acme.example", "invalid_sso_issuer"],
      ["https://user:pw@login.acme.example", "invalid_sso_issuer"],
      [`${client.issuer}?tenant=x`, "invalid_sso_issuer"],
      ["https://169.254.169.254", "invalid_sso_issuer"],
      ["http://127.0.0.1:1", "sso_discovery_failed"],
      [`${client.issuer}/tenant`, "sso_discovery_failed"],
    ];
    const answers = [];
    for (const [issuer] of cases) {
      const res = await attempt(issuer);
      answers.push([issuer, res.status === 400 ? res.body.error : `status ${res.status}`]);
    }
    expect(answers).toEqual(cases);
    expect((await call("GET", "/v1/company/sso", { token: company.ownerKey })).body.sso).toBeNull();
  });

  it("holds every provider URL to the upstreams' rules: https to a public host, plain http only to loopback in dev", () => {
    const verdict = (url: string, allowPrivate: boolean) => providerUrl(url, allowPrivate).ok;
    expect(verdict("https://login.acme.example/oauth2/token", false)).toBe(true);
    for (const url of [
      "http://127.0.0.1:9000/token",
      "https://127.0.0.1/token",
      "https://localhost/token",
      "https://metadata.google.internal/token",
      "https://[::ffff:169.254.169.254]/jwks",
      "https://0x7f.1/jwks",
      "http://login.acme.example/token",
      "ftp://login.acme.example",
    ])
      expect([url, verdict(url, false)]).toEqual([url, false]);
    expect(verdict("http://127.0.0.1:9000/token", true)).toBe(true);
    expect(verdict("http://login.acme.example/token", true)).toBe(false);
    expect(verdict("https://metadata/token", true)).toBe(false);
  });
});

describe("a domain sends its sign-ins to one company", () => {
  it("refuses a domain another company's provider has, until that company lets it go", async () => {
    const a = await createCompany();
    const b = await createCompany();
    const domain = `${unique("shared")}.example`;
    await setUpSso(a, { domains: [domain] });
    const client = await registerClient();
    const body = { issuer: client.issuer, client_id: client.clientId, client_secret: client.clientSecret, domains: [domain] };
    const taken = await call("PUT", "/v1/company/sso", { token: b.ownerKey, body });
    expect([taken.status, taken.body.error]).toEqual([409, "sso_domain_taken"]);
    expect(taken.text).toContain(domain);
    expect(taken.text).not.toContain(a.id);
    // The holder sets its own domain again freely.
    expect((await call("GET", "/v1/company/sso", { token: a.ownerKey })).body.sso).toMatchObject({ domains: [domain] });
    await call("DELETE", "/v1/company/sso", { token: a.ownerKey });
    expect((await call("PUT", "/v1/company/sso", { token: b.ownerKey, body })).status).toBe(200);
  });
});

describe("password sign-in off always leaves the owners a way back", () => {
  const signIn = (email: string, password: string) => call("POST", "/v1/auth/sign-in", { body: { email, password } });

  it("refuses a right password with password_sign_in_disabled and a wrong one as ever; the API key turns it back on", async () => {
    const company = await createCompany();
    const person = await createUser(company, "member");
    const client = await setUpSso(company, { password_sign_in: false });
    const refused = await signIn(person.email, PASSWORD);
    expect([refused.status, refused.body.error]).toEqual([403, "password_sign_in_disabled"]);
    expect(refused.text).not.toContain("token");
    // A wrong password learns nothing new.
    expect((await signIn(person.email, "not the password at all")).body.error).toBe("invalid_credentials");
    const page = await SELF.fetch(`${BASE}/sign-in`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: BASE },
      body: new URLSearchParams({ email: person.email, password: PASSWORD }).toString(),
    });
    expect(page.status).toBe(403);
    expect(page.headers.get("set-cookie")).toBeNull();
    expect(await page.text()).toContain("identity provider");
    // The session signed in before stays, and the key is the way back.
    expect((await call("GET", "/v1/whoami", { token: person.token })).status).toBe(200);
    const on = await call("PUT", "/v1/company/sso", {
      token: company.ownerKey,
      body: { issuer: client.issuer, client_id: client.clientId, password_sign_in: true },
    });
    expect(on.status).toBe(200);
    expect((await signIn(person.email, PASSWORD)).status).toBe(200);
  });

  it("is refused in a company without an API key, and keeps the company's last key while it is off", async () => {
    const company = await createCompany();
    const owner = await createUser(company, "owner");
    const keys = await call("GET", "/v1/api-keys", { token: owner.token });
    const [firstKey] = keys.body.api_keys as { id: string }[];
    const client = await registerClient();
    const off = { issuer: client.issuer, client_id: client.clientId, client_secret: client.clientSecret, password_sign_in: false };

    // With a key: off is allowed, and that key is now the last owner credential (people sign in through the provider).
    expect((await call("PUT", "/v1/company/sso", { token: owner.token, body: off })).status).toBe(200);
    const kept = await call("DELETE", `/v1/api-keys/${firstKey?.id}`, { token: owner.token });
    expect([kept.status, kept.body.error]).toEqual([409, "last_owner_credential"]);

    // Passwords back on, the owner person counts again and the key may go; off is then refused without one.
    expect((await call("PUT", "/v1/company/sso", { token: owner.token, body: { ...off, password_sign_in: true } })).status).toBe(200);
    expect((await call("DELETE", `/v1/api-keys/${firstKey?.id}`, { token: owner.token })).status).toBe(200);
    const refused = await call("PUT", "/v1/company/sso", { token: owner.token, body: off });
    expect([refused.status, refused.body.error]).toEqual([409, "break_glass_required"]);
    expect((await call("GET", "/v1/company/sso", { token: owner.token })).body.sso).toMatchObject({ password_sign_in: true });
  });

  it("is lifted by removing the provider", async () => {
    const company = await createCompany();
    const person = await createUser(company, "member");
    await setUpSso(company, { password_sign_in: false });
    expect((await signIn(person.email, PASSWORD)).status).toBe(403);
    expect((await call("DELETE", "/v1/company/sso", { token: company.ownerKey })).status).toBe(200);
    expect((await signIn(person.email, PASSWORD)).status).toBe(200);
  });
});

describe("a sign-in's flow cookie opens only for its company, unaltered and in time", () => {
  it("refuses another company's name, one changed byte and an expired flow", async () => {
    const a = await createCompany();
    const b = await createCompany();
    const db = createDatabase(env.DB);
    const [keyA, keyB] = await Promise.all([companyDataKey(db, env, a.id), companyDataKey(db, env, b.id)]);
    const flow = { state: "s", nonce: "n", verifier: "v".repeat(43), issuer: providers().issuer, clientId: "c", next: "/inbox", expiresAt: 2_000 };
    const cookie = await sealFlow(keyA, a.id, flow);
    expect(await openFlow(keyA, a.id, cookie, 1_000)).toEqual(flow);
    expect(await openFlow(keyA, a.id, cookie, 2_000)).toBeUndefined();
    expect(await openFlow(keyB, b.id, `${b.id}${cookie.slice(a.id.length)}`, 1_000)).toBeUndefined();
    const flipped = cookie.slice(0, -3) + (cookie.at(-3) === "A" ? "B" : "A") + cookie.slice(-2);
    expect(await openFlow(keyA, a.id, flipped, 1_000)).toBeUndefined();
  });
});
