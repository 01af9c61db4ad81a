/**
 * The console's single sign-on page (`/sso`, owners only), driven as a browser would with a real
 * provider's client: it shows the redirect URI to register before anything is set, saves the form
 * as the API would (domains and scopes as lists, group roles one per line, the checkbox for
 * passwords), shows a refusal with the form as sent but never the secret, and removes after a
 * confirmation step. A member is offered no such page.
 */
import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, unique } from "./helpers.ts";
import { follow, getPage, postForm, signInCookie } from "./pages-support.ts";
import { registerClient } from "./sso-support.ts";

describe("the single sign-on page sets the provider as the API does, and never shows its secret", () => {
  it("shows the redirect URI first, saves the form, and shows the provider without its secret", async () => {
    const company = await createCompany();
    const owner = await createUser(company, "owner");
    const browser = await signInCookie(owner.email);
    const empty = await getPage("/sso", browser);
    expect(empty.status).toBe(200);
    expect(empty.text).toContain("No identity provider yet");
    expect(empty.text).toContain("<code>https://edge.test/sign-in/sso/callback</code>");
    expect(empty.text).toContain('<a href="/sso" aria-current="page">Single sign-on</a>');

    const client = await registerClient();
    const zone = `${unique("z")}.example`;
    const saved = await postForm("/sso", browser, {
      issuer: client.issuer,
      client_id: client.clientId,
      client_secret: client.clientSecret,
      token_auth: "client_secret_basic",
      domains: `Alpha.${zone}, beta.${zone}\ngamma.${zone}`,
      scopes: "groups",
      groups_claim: "groups",
      group_roles: "edgevault-owners = owner\n\nstaff=member",
    });
    expect([saved.status, saved.location]).toEqual([303, "/sso?done=saved"]);
    const shown = await follow(saved, browser);
    expect(shown.text).toContain("Saved. People can sign in through the provider now.");
    expect(shown.text).toContain(`<code>${client.issuer}</code>`);
    expect(shown.text).not.toContain(client.clientSecret);
    expect(shown.text).toMatch(/<input id="client_secret" name="client_secret" type="password" maxlength="512" autocomplete="new-password"/);
    const api = await call("GET", "/v1/company/sso", { token: company.ownerKey });
    // The unchecked box is "passwords off": allowed, the company holds its first API key.
    expect(api.body.sso).toMatchObject({
      domains: [`alpha.${zone}`, `beta.${zone}`, `gamma.${zone}`],
      scopes: ["groups"],
      group_roles: { "edgevault-owners": "owner", staff: "member" },
      password_sign_in: false,
    });
  });

  it("shows a refusal with the form as sent, never the secret", async () => {
    const company = await createCompany();
    const owner = await createUser(company, "owner");
    const browser = await signInCookie(owner.email);
    const client = await registerClient();
    const fields = { issuer: client.issuer, client_id: client.clientId, client_secret: client.clientSecret, password_sign_in: "on" };
    for (const [change, message] of [
      [{ group_roles: "admins: owner" }, "Write group roles one per line, as group = owner or group = member"],
      [{ group_roles: "admins = root" }, "Check group_roles"],
      [{ issuer: "http://127.0.0.1:1" }, "Could not read the provider&#39;s discovery document"],
      [{ domains: "not a domain!" }, "Check domains"],
    ] as const) {
      const refused = await postForm("/sso", browser, { ...fields, ...change });
      expect([refused.status, refused.text.includes(message)]).toEqual([400, true]);
      expect(refused.text).not.toContain(client.clientSecret);
      expect(refused.text).toContain(`value="${client.clientId}"`);
    }
    expect((await call("GET", "/v1/company/sso", { token: company.ownerKey })).body.sso).toBeNull();
  });

  it("removes the provider after a confirmation step", async () => {
    const company = await createCompany();
    const owner = await createUser(company, "owner");
    const browser = await signInCookie(owner.email);
    const client = await registerClient();
    await call("PUT", "/v1/company/sso", {
      token: company.ownerKey,
      body: { issuer: client.issuer, client_id: client.clientId, client_secret: client.clientSecret },
    });
    const asked = await postForm("/sso/delete", browser);
    expect(asked.status).toBe(200);
    expect(asked.text).toContain("Remove the company's identity provider?");
    expect((await call("GET", "/v1/company/sso", { token: company.ownerKey })).body.sso).not.toBeNull();
    const removed = await postForm("/sso/delete", browser, { confirm: "yes" });
    expect([removed.status, removed.location]).toEqual([303, "/sso?done=removed"]);
    expect((await call("GET", "/v1/company/sso", { token: company.ownerKey })).body.sso).toBeNull();
  });

  it("is not offered to a member, and refuses them", async () => {
    const company = await createCompany();
    const member = await createUser(company, "member");
    const browser = await signInCookie(member.email);
    expect((await getPage("/vaults", browser)).text).not.toContain('href="/sso"');
    expect((await getPage("/sso", browser)).status).toBe(403);
  });
});
