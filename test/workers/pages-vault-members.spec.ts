/**
 * The vault page's writes beyond services and settings: people's and agents' vault roles, a new
 * vault, deleting a vault or a service. Each lands exactly as its API twin (same audit entry, the
 * grantee or the proxy feeling it on the next request), is refused as the API refuses it (a role
 * moves only by someone above it), asks first when it destroys, and answers bad input, a foreign
 * vault and a forged form with a page, never a 500.
 */
import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, createVault, inviteAgent, unique } from "./helpers.ts";
import { follow, getPage, postForm, signInCookie } from "./pages-support.ts";
import { proxyFetch } from "./proxy-support.ts";
import { requestId } from "./upstream.ts";
import { consoleWorld, lastAudit } from "./pages-console-support.ts";

const vaultUsers = async (token: string, vault: string) =>
  (await call("GET", `/v1/vaults/${vault}/users`, { token })).body.users as { user_id: string; email: string; role: string }[];
const vaultAgents = async (token: string, vault: string) =>
  (await call("GET", `/v1/vaults/${vault}/agents`, { token })).body.agents as { agent: string; role: string }[];
const alertOf = (text: string) => /<p class="notice error" role="alert">([^<]*)<\/p>/.exec(text)?.[1];

describe("people's vault roles", () => {
  it("an admin gives a person a role by e-mail, changes it, and removes them after a confirmation; each as the API's", async () => {
    const w = await consoleWorld();
    const path = `/vaults/${w.vault}`;
    const page = await getPage(path, w.asOwner);
    expect(page.text).toContain(`<form method="post" action="${path}/users"`);
    expect(page.text).toContain('<label for="member-email">Their e-mail</label>');

    const added = await postForm(`${path}/users`, w.asOwner, { email: w.member.email.toUpperCase(), role: "admin" });
    expect(added.location).toBe(`${path}?done=member_added`);
    const after = await follow(added, w.asOwner);
    expect(after.text).toContain("Role given");
    expect(after.text).toContain(`action="${path}/users/${w.member.id}/role"`);
    expect(await vaultUsers(w.company.ownerKey, w.vault)).toEqual([{ user_id: w.member.id, email: w.member.email, role: "admin" }]);
    const audit = await lastAudit(w.company.id, "vault.user.grant");
    expect(audit?.actor_type).toBe("user");
    expect(JSON.parse(audit?.detail ?? "{}")).toEqual({ user_id: w.member.id, role: "admin" });
    // Their session sees it on its next request: the admins' traffic page opens.
    expect((await getPage(`${path}/traffic`, w.asMember)).status).toBe(200);

    const lowered = await postForm(`${path}/users/${w.member.id}/role`, w.asOwner, { role: "proxy" });
    expect(lowered.location).toBe(`${path}?done=role`);
    expect((await vaultUsers(w.company.ownerKey, w.vault))[0]?.role).toBe("proxy");
    expect((await getPage(`${path}/traffic`, w.asMember)).status).toBe(403);

    const ask = await postForm(`${path}/users/${w.member.id}/delete`, w.asOwner);
    expect(ask.status).toBe(200);
    expect(ask.text).toContain(`Remove ${w.member.email} from ${w.vault}`);
    expect(ask.text).toContain('name="confirm" value="yes"');
    expect(await vaultUsers(w.company.ownerKey, w.vault)).toHaveLength(1);
    const removed = await postForm(`${path}/users/${w.member.id}/delete`, w.asOwner, { confirm: "yes" });
    expect(removed.location).toBe(`${path}?done=member_removed`);
    expect(await vaultUsers(w.company.ownerKey, w.vault)).toEqual([]);
    expect(JSON.parse((await lastAudit(w.company.id, "vault.user.remove"))?.detail ?? "{}")).toEqual({ user_id: w.member.id });
    expect((await getPage(path, w.asMember)).status).toBe(403);
  });

  it("bad input comes back to the vault page with a notice and the form refilled; unknown people are 404", async () => {
    const w = await consoleWorld();
    const path = `/vaults/${w.vault}`;
    const bad = await postForm(`${path}/users`, w.asOwner, { email: "not-an-address", role: "emperor" });
    expect(bad.status).toBe(400);
    expect(alertOf(bad.text)).toContain("Give their e-mail address");
    expect(bad.text).toContain('value="not-an-address"');
    const nobody = await postForm(`${path}/users`, w.asOwner, { email: `${unique("nobody")}@example.com`, role: "proxy" });
    expect(nobody.status).toBe(404);
    expect(alertOf(nobody.text)).toBe("User not found");
    await call("POST", `/v1/vaults/${w.vault}/users`, { token: w.company.ownerKey, body: { email: w.member.email, role: "proxy" } });
    const badRole = await postForm(`${path}/users/${w.member.id}/role`, w.asOwner, { role: "emperor" });
    expect(badRole.status).toBe(400);
    expect(alertOf(badRole.text)).toBe("Choose a role: proxy, member or admin");
    expect((await postForm(`${path}/users/usr_nobody/role`, w.asOwner, { role: "admin" })).status).toBe(404);
    expect((await postForm(`${path}/users/usr_nobody/delete`, w.asOwner)).status).toBe(404);
    expect((await postForm(`${path}/users/${"x".repeat(200)}/role`, w.asOwner, { role: "admin" })).status).toBe(404);
    // A company owner is admin of every vault already: granting them is the API's 409.
    const owner = await postForm(`${path}/users`, w.asOwner, { email: w.owner.email, role: "proxy" });
    expect(owner.status).toBe(409);
    expect(alertOf(owner.text)).toContain("A company owner is admin of every vault already");
  });

  it("roles move only by someone above them: an admin member cannot touch another admin, a member cannot raise themselves", async () => {
    const w = await consoleWorld();
    const path = `/vaults/${w.vault}`;
    const peer = await createUser(w.company);
    const newcomer = await createUser(w.company);
    for (const [email, role] of [
      [w.member.email, "admin"],
      [peer.email, "admin"],
    ])
      await call("POST", `/v1/vaults/${w.vault}/users`, { token: w.company.ownerKey, body: { email, role } });
    // An admin member adds a newcomer (up to their own role) ...
    expect((await postForm(`${path}/users`, w.asMember, { email: newcomer.email, role: "admin" })).location).toBe(`${path}?done=member_added`);
    // ... but cannot lower another admin, nor themselves.
    for (const id of [peer.id, w.member.id]) {
      const refused = await postForm(`${path}/users/${id}/role`, w.asMember, { role: "proxy" });
      expect(refused.status).toBe(403);
      expect(alertOf(refused.text)).toContain("Only someone above admin");
    }
    expect((await postForm(`${path}/users/${peer.id}/delete`, w.asMember, { confirm: "yes" })).status).toBe(403);
    expect((await vaultUsers(w.company.ownerKey, w.vault)).find((u) => u.user_id === peer.id)?.role).toBe("admin");

    // A vault member is held to the page's row (admin) before anything is read: no raising oneself.
    const asNewcomer = await signInCookie(newcomer.email);
    await postForm(`${path}/users/${newcomer.id}/role`, w.asOwner, { role: "member" });
    const raise = await postForm(`${path}/users/${newcomer.id}/role`, asNewcomer, { role: "admin" });
    expect(raise.status).toBe(403);
    expect(raise.text).toContain("This needs the admin role");
    expect((await vaultUsers(w.company.ownerKey, w.vault)).find((u) => u.user_id === newcomer.id)?.role).toBe("member");
    const seen = await getPage(path, asNewcomer);
    expect(seen.text).not.toContain(`action="${path}/agents/`);
    expect(seen.text).not.toContain(`action="${path}/users`);
    expect(seen.text).not.toContain(`action="${path}/delete"`);
  });
});

describe("agents' vault roles", () => {
  it("an admin changes an agent's role and removes it after a confirmation; the agent feels it on its next request", async () => {
    const w = await consoleWorld();
    const path = `/vaults/${w.vault}`;
    expect((await getPage(path, w.asOwner)).text).toContain(`<label class="check" for="agent-role-${w.agent.name}">`);
    const raised = await postForm(`${path}/agents/${w.agent.name}/role`, w.asOwner, { role: "member" });
    expect(raised.location).toBe(`${path}?done=role`);
    expect(await vaultAgents(w.company.ownerKey, w.vault)).toEqual([{ agent: w.agent.name, role: "member", status: "active" }]);
    const audit = await lastAudit(w.company.id, "vault.agent.grant");
    expect(audit).toMatchObject({ actor_type: "user", target_id: w.agent.name });
    expect(JSON.parse(audit?.detail ?? "{}")).toEqual({ vault: w.vault, role: "member" });
    // As a member of the vault the agent may now set credentials.
    const set = await call("POST", "/v1/credentials", { token: w.agent.token, headers: { "X-Vault": w.vault }, body: { credentials: { OTHER: "x" } } });
    expect(set.status).toBe(200);

    const badRole = await postForm(`${path}/agents/${w.agent.name}/role`, w.asOwner, { role: "" });
    expect(badRole.status).toBe(400);
    expect(alertOf(badRole.text)).toBe("Choose a role: proxy, member or admin");
    expect((await postForm(`${path}/agents/no-such-agent/role`, w.asOwner, { role: "proxy" })).status).toBe(404);
    const stranger = await inviteAgent(w.company.ownerKey, unique("stranger").slice(0, 40));
    expect((await postForm(`${path}/agents/${stranger.name}/delete`, w.asOwner)).status).toBe(404);

    const ask = await postForm(`${path}/agents/${w.agent.name}/delete`, w.asOwner);
    expect(ask.text).toContain(`Remove agent ${w.agent.name} from ${w.vault}`);
    expect((await proxyFetch(w, `/r/${requestId()}/x`)).status).toBe(200);
    const removed = await postForm(`${path}/agents/${w.agent.name}/delete`, w.asOwner, { confirm: "yes" });
    expect(removed.location).toBe(`${path}?done=member_removed`);
    expect(await vaultAgents(w.company.ownerKey, w.vault)).toEqual([]);
    expect(await lastAudit(w.company.id, "vault.agent.remove")).toMatchObject({ target_id: w.agent.name });
    expect((await proxyFetch(w, `/r/${requestId()}/x`)).status).toBe(403);
  });
});

describe("vaults: create and delete", () => {
  it("a member creates a vault and becomes its admin; bad names and taken names come back with a notice", async () => {
    const w = await consoleWorld();
    expect((await getPage("/vaults", w.asMember)).text).toContain('<form method="post" action="/vaults" class="card"');
    const name = unique("made").slice(0, 30);
    const made = await postForm("/vaults", w.asMember, { name, unmatched_host_policy: "deny" });
    expect(made.location).toBe(`/vaults/${name}?done=created`);
    const opened = await follow(made, w.asMember);
    expect(opened.text).toContain("Vault created.");
    expect(opened.text).toContain("Your role here: admin");
    const api = await call("GET", `/v1/vaults/${name}`, { token: w.member.token });
    expect(api.body.vault).toMatchObject({ name, unmatched_host_policy: "deny", role: "admin" });
    expect(await lastAudit(w.company.id, "vault.create")).toMatchObject({ actor_type: "user", actor_id: w.member.id });

    const bad = await postForm("/vaults", w.asOwner, { name: "Not A Name!", unmatched_host_policy: "deny" });
    expect(bad.status).toBe(400);
    expect(alertOf(bad.text)).toContain("Check the vault: name:");
    expect(bad.text).toContain('value="Not A Name!"');
    const badPolicy = await postForm("/vaults", w.asOwner, { name: unique("p").slice(0, 20), unmatched_host_policy: "sometimes" });
    expect(badPolicy.status).toBe(400);
    const taken = await postForm("/vaults", w.asOwner, { name });
    expect(taken.status).toBe(409);
    expect(alertOf(taken.text)).toBe(`Vault &quot;${name}&quot; already exists`);
  });

  it("deleting a vault asks first, then deletes it with everything in it; its agent is refused at once; a member cannot", async () => {
    const w = await consoleWorld();
    const path = `/vaults/${w.vault}`;
    await call("POST", `/v1/vaults/${w.vault}/users`, { token: w.company.ownerKey, body: { email: w.member.email, role: "member" } });
    const refused = await postForm(`${path}/delete`, w.asMember, { confirm: "yes" });
    expect(refused.status).toBe(403);
    expect((await getPage(path, w.asOwner)).text).toContain('<button type="submit" class="danger">Delete the vault…</button>');
    const ask = await postForm(`${path}/delete`, w.asOwner);
    expect(ask.status).toBe(200);
    expect(ask.text).toContain(`Delete the vault ${w.vault}`);
    expect((await call("GET", `/v1/vaults/${w.vault}`, { token: w.company.ownerKey })).status).toBe(200);
    expect((await proxyFetch(w, `/r/${requestId()}/x`)).status).toBe(200);

    const deleted = await postForm(`${path}/delete`, w.asOwner, { confirm: "yes" });
    expect(deleted.location).toBe("/vaults?done=deleted");
    expect((await follow(deleted, w.asOwner)).text).toContain("Vault deleted");
    expect((await call("GET", `/v1/vaults/${w.vault}`, { token: w.company.ownerKey })).status).toBe(404);
    expect(await lastAudit(w.company.id, "vault.delete")).toMatchObject({ actor_type: "user", actor_id: w.owner.id });
    expect((await proxyFetch(w, `/r/${requestId()}/x`)).status).toBe(404);
    expect((await getPage(path, w.asOwner)).status).toBe(404);
  });
});

describe("services: delete", () => {
  it("asks first, then deletes as DELETE /v1/vaults/{vault}/services/{name} does; the proxy refuses its host at once", async () => {
    const w = await consoleWorld();
    const service = `/vaults/${w.vault}/services/svc`;
    expect((await getPage(service, w.asOwner)).text).toContain(`<form method="post" action="${service}/delete"`);
    expect((await getPage(service, w.asMember)).status).toBe(403);
    await call("POST", `/v1/vaults/${w.vault}/users`, { token: w.company.ownerKey, body: { email: w.member.email, role: "member" } });
    expect((await getPage(service, w.asMember)).text).not.toContain(`action="${service}/delete"`);
    expect((await postForm(`${service}/delete`, w.asMember, { confirm: "yes" })).status).toBe(403);

    const ask = await postForm(`${service}/delete`, w.asOwner);
    expect(ask.text).toContain("Delete the service svc");
    expect((await proxyFetch(w, `/r/${requestId()}/x`)).status).toBe(200);
    const deleted = await postForm(`${service}/delete`, w.asOwner, { confirm: "yes" });
    expect(deleted.location).toBe(`/vaults/${w.vault}?done=service_deleted`);
    expect((await follow(deleted, w.asOwner)).text).toContain("Service deleted");
    expect(JSON.parse((await lastAudit(w.company.id, "service.delete"))?.detail ?? "{}")).toEqual({ vault: w.vault, name: "svc", host: w.host });
    const after = await proxyFetch(w, `/r/${requestId()}/x`);
    expect(after.status).toBe(403);
    expect((await postForm(`${service}/delete`, w.asOwner, { confirm: "yes" })).status).toBe(404);
  });
});

describe("another company's vault, and forged forms", () => {
  it("every new write on a foreign vault is 404 and changes nothing; foreign people and agents are 404 in one's own", async () => {
    const w = await consoleWorld();
    const other = await createCompany();
    const foreign = await createVault(other.ownerKey, unique("foreign"));
    const theirs = await createUser(other);
    const theirAgent = await inviteAgent(other.ownerKey, unique("theirs").slice(0, 40), [{ vault: foreign }]);
    await call("POST", `/v1/vaults/${foreign}/users`, { token: other.ownerKey, body: { email: theirs.email, role: "member" } });
    await call("POST", `/v1/vaults/${foreign}/services`, {
      token: other.ownerKey,
      body: { name: "svc", host: "api.foreign.example.com", auth: { type: "passthrough" } },
    });
    const tries: [string, Promise<{ status: number; text: string }>][] = [
      ["add person", postForm(`/vaults/${foreign}/users`, w.asOwner, { email: theirs.email, role: "admin" })],
      ["person role", postForm(`/vaults/${foreign}/users/${theirs.id}/role`, w.asOwner, { role: "admin" })],
      ["person remove", postForm(`/vaults/${foreign}/users/${theirs.id}/delete`, w.asOwner, { confirm: "yes" })],
      ["agent role", postForm(`/vaults/${foreign}/agents/${theirAgent.name}/role`, w.asOwner, { role: "admin" })],
      ["agent remove", postForm(`/vaults/${foreign}/agents/${theirAgent.name}/delete`, w.asOwner, { confirm: "yes" })],
      ["vault delete", postForm(`/vaults/${foreign}/delete`, w.asOwner, { confirm: "yes" })],
      ["service delete", postForm(`/vaults/${foreign}/services/svc/delete`, w.asOwner, { confirm: "yes" })],
      ["their person in ours", postForm(`/vaults/${w.vault}/users`, w.asOwner, { email: theirs.email, role: "proxy" })],
      ["their agent in ours", postForm(`/vaults/${w.vault}/agents/${theirAgent.name}/role`, w.asOwner, { role: "proxy" })],
    ];
    for (const [what, res] of tries) {
      const done = await res;
      expect(done.status, what).toBe(404);
      expect(done.text, what).toContain('role="alert"');
      expect(done.text, what).not.toContain(other.id);
    }
    expect(await vaultUsers(other.ownerKey, foreign)).toEqual([{ user_id: theirs.id, email: theirs.email, role: "member" }]);
    expect(await vaultAgents(other.ownerKey, foreign)).toEqual([{ agent: theirAgent.name, role: "proxy", status: "active" }]);
    expect((await call("GET", `/v1/vaults/${foreign}/services/svc`, { token: other.ownerKey })).status).toBe(200);
    expect(await vaultUsers(w.company.ownerKey, w.vault)).toEqual([]);
  });

  it("a forged CSRF token or another origin is refused with a 403 and changes nothing", async () => {
    const w = await consoleWorld();
    const path = `/vaults/${w.vault}`;
    await call("POST", `/v1/vaults/${w.vault}/users`, { token: w.company.ownerKey, body: { email: w.member.email, role: "proxy" } });
    const forms: [string, Record<string, string>][] = [
      ["/vaults", { name: unique("forged").slice(0, 30) }],
      [`${path}/users`, { email: w.member.email, role: "admin" }],
      [`${path}/users/${w.member.id}/role`, { role: "admin" }],
      [`${path}/users/${w.member.id}/delete`, { confirm: "yes" }],
      [`${path}/agents/${w.agent.name}/role`, { role: "admin" }],
      [`${path}/agents/${w.agent.name}/delete`, { confirm: "yes" }],
      [`${path}/services/svc/delete`, { confirm: "yes" }],
      [`${path}/delete`, { confirm: "yes" }],
    ];
    for (const [action, fields] of forms) {
      const forged = await postForm(action, w.asOwner, { ...fields, csrf: "forged" });
      expect(forged.status, action).toBe(403);
      expect(forged.text, action).toContain("The form expired or was forged");
      expect((await postForm(action, w.asOwner, fields, "https://evil.example")).status, action).toBe(403);
    }
    expect(await vaultUsers(w.company.ownerKey, w.vault)).toEqual([{ user_id: w.member.id, email: w.member.email, role: "proxy" }]);
    expect(await vaultAgents(w.company.ownerKey, w.vault)).toEqual([{ agent: w.agent.name, role: "proxy", status: "active" }]);
    expect((await proxyFetch(w, `/r/${requestId()}/x`)).status).toBe(200);
  });
});
