/**
 * The console's writes (agents, registrations, vaults, people, keys): each lands exactly as the
 * API's (same audit, same invalidation), and bad input is answered by the page with a notice,
 * never a 500. Who sees what, and the absence of secrets: pages-console.spec.ts.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { flushRequestLog } from "../../workers/request-log/request-log.writer.ts";
import { call, createCompany, createUser, inviteAgent, redeem, unique } from "./helpers.ts";
import { follow, getPage, ORIGIN, postForm, signInCookie } from "./pages-support.ts";
import { proxyFetch } from "./proxy-support.ts";
import { requestId } from "./upstream.ts";
import { consoleWorld, lastAudit } from "./pages-console-support.ts";

describe("agents", () => {
  it("the list takes GET /v1/agents's filters; a bad one is a 400 page with a notice", async () => {
    const w = await consoleWorld();
    const other = await inviteAgent(w.company.ownerKey, unique("zeta").slice(0, 40));
    await call("PATCH", `/v1/agents/${other.name}`, { token: w.company.ownerKey, body: { capabilities: ["api_call", "file_access"] } });
    // Online: holding its channel, whose presence lease the agent's gate keeps in D1 (agent-channel.spec.ts opens real ones; set a lease here).
    await env.DB.prepare("UPDATE agents SET online_until = ? WHERE company_id = ? AND name = ?")
      .bind(Date.now() + 60_000, w.company.id, w.agent.name)
      .run();
    const byName = await getPage(`/agents?q=${encodeURIComponent(other.name.slice(0, 12))}`, w.asOwner);
    expect(byName.text).toContain(`href="/agents/${other.name}"`);
    expect(byName.text).not.toContain(`href="/agents/${w.agent.name}"`);
    const online = await getPage("/agents?online=true", w.asOwner);
    expect(online.text).toContain(`href="/agents/${w.agent.name}"`);
    expect(online.text).not.toContain(`href="/agents/${other.name}"`);
    expect(online.text).toContain('<span class="badge online">channel open</span>');
    const capable = await getPage("/agents?capabilities=api_call&capabilities=file_access", w.asOwner);
    expect(capable.text).toContain(`href="/agents/${other.name}"`);
    expect(capable.text).not.toContain(`href="/agents/${w.agent.name}"`);
    const sorted = await getPage("/agents?sortBy=name&sortDir=desc&pageSize=1", w.asOwner);
    expect(sorted.text).toContain("Page 1 of 2");
    expect(sorted.text).toContain('rel="next"');
    const bad = await getPage("/agents?sortBy=nonsense&capabilities=flying", w.asOwner);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("These filters are not valid");
    const unknown = await getPage("/agents?capabilities=flying", w.asOwner);
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain("Unknown capability: flying");
  });

  it("an agent's page: vaults and roles, sessions, capabilities, SPIFFE ID, online state", async () => {
    const w = await consoleWorld();
    const page = await getPage(`/agents/${w.agent.name}`, w.asOwner);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`spiffe://`);
    expect(page.text).toContain(`/company/${w.company.id}/agent/${w.agent.name}</code>`);
    expect(page.text).toContain(`<a href="/vaults/${w.vault}"><code>${w.vault}</code></a> — proxy`);
    expect(page.text).toContain("<dt>Live vault sessions</dt><dd>0</dd>");
    expect(page.text).toContain("Rotate token…");
    // A member reads it, without the owners' buttons.
    const member = await getPage(`/agents/${w.agent.name}`, w.asMember);
    expect(member.status).toBe(200);
    expect(member.text).not.toContain("Rotate token…");
    expect((await getPage("/agents/no-such-agent", w.asOwner)).status).toBe(404);
  });

  it("disabling asks first, then writes what PATCH /v1/agents/{id} writes; the agent is refused at once", async () => {
    const w = await consoleWorld();
    expect((await proxyFetch(w, `/r/${requestId()}/x`)).status).toBe(200);
    const ask = await postForm(`/agents/${w.agent.name}/status`, w.asOwner, { status: "disabled" });
    expect(ask.status).toBe(200);
    expect(ask.text).toContain("Disable the agent");
    expect(ask.text).toContain('name="confirm" value="yes"');
    expect((await call("GET", `/v1/agents/${w.agent.name}`, { token: w.company.ownerKey })).body.status).toBe("active");
    const done = await postForm(`/agents/${w.agent.name}/status`, w.asOwner, { status: "disabled", confirm: "yes" });
    expect(done.status).toBe(303);
    expect((await follow(done, w.asOwner)).text).toContain("Agent disabled");
    expect((await proxyFetch(w, `/r/${requestId()}/x`)).status).toBe(401);
    const audit = await lastAudit(w.company.id, "agent.update");
    expect(audit).toMatchObject({ actor_type: "user", target_id: w.agent.name });
    expect(JSON.parse(audit?.detail ?? "{}")).toEqual({ status: "disabled" });
    const bad = await postForm(`/agents/${w.agent.name}/status`, w.asOwner, { status: "sideways" });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("Choose to enable or disable");
    await postForm(`/agents/${w.agent.name}/status`, w.asOwner, { status: "active", confirm: "yes" });
    expect((await proxyFetch(w, `/r/${requestId()}/x`)).status).toBe(200);
  });

  it("rotating shows the prompt once; redeeming it ends the old token. Deleting asks first", async () => {
    const w = await consoleWorld();
    expect((await postForm(`/agents/${w.agent.name}/rotate`, w.asOwner)).text).toContain("Make the rotation invite");
    const rotated = await postForm(`/agents/${w.agent.name}/rotate`, w.asOwner, { confirm: "yes" });
    expect(rotated.status).toBe(200);
    const url = /curl -s -X POST (\S+)/.exec(rotated.text)?.[1] ?? "";
    expect(url).toMatch(new RegExp(`^${ORIGIN}/invite/`));
    expect((await redeem(url)).status).toBe(200);
    expect((await proxyFetch(w, `/r/${requestId()}/x`)).status).toBe(401);
    const deleted = await postForm(`/agents/${w.agent.name}/delete`, w.asOwner, { confirm: "yes" });
    expect(deleted.location).toBe("/agents?done=deleted");
    expect((await call("GET", `/v1/agents/${w.agent.name}`, { token: w.company.ownerKey })).status).toBe(404);
    expect(await lastAudit(w.company.id, "agent.delete")).toMatchObject({ target_id: w.agent.name });
  });

  it("inviting an agent: bad input comes back with a notice, a confirmation step, the prompt once; members grant at most their own role", async () => {
    const w = await consoleWorld();
    const bad = await postForm("/agent-invites", w.asOwner, { name: "No Capitals!", role: "member", ttl_seconds: "900" });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("Check the form: name:");
    expect(bad.text).toContain('value="No Capitals!"');
    const name = unique("helper").slice(0, 40);
    const fields = { name, role: "member", ttl_seconds: "3600", [`grant_${w.vault}`]: "member" };
    const ask = await postForm("/agent-invites", w.asOwner, fields);
    expect(ask.status).toBe(200);
    expect(ask.text).toContain(`<strong>member</strong> in <code>${w.vault}</code>`);
    expect(ask.text).not.toContain("/invite/");
    const made = await postForm("/agent-invites", w.asOwner, { ...fields, confirm: "yes" });
    expect(made.status).toBe(201);
    const url = /curl -s -X POST (\S+)/.exec(made.text)?.[1] ?? "";
    const listed = await getPage("/agent-invites", w.asOwner);
    expect(listed.text).toContain(`<code>${name}</code>`);
    expect(listed.text).not.toContain(url);
    const redeemed = await redeem(url);
    expect(redeemed.status).toBe(200);
    expect(redeemed.body.vaults).toEqual([{ vault: w.vault, role: "member" }]);
    // A member with proxy in the vault cannot grant member there.
    await call("POST", `/v1/vaults/${w.vault}/users`, { token: w.company.ownerKey, body: { email: w.member.email, role: "member" } });
    const above = await postForm("/agent-invites", w.asMember, { name: unique("m").slice(0, 30), role: "owner", ttl_seconds: "900" });
    expect(above.status).toBe(403);
    expect(above.text).toContain("Only company owners can invite owner agents");
  });
});

describe("registrations", () => {
  it("approve with a subset of what was asked and a realm; never more; reject needs a reason", async () => {
    const w = await consoleWorld();
    const realm = await call("POST", "/v1/realms", { token: w.company.ownerKey, body: { name: "Research" } });
    const register = async (name: string) =>
      (
        await call("POST", `/v1/companies/${w.company.id}/agents/register`, {
          headers: { "CF-Connecting-IP": "198.51.100.7" },
          body: { name, capabilities: ["api_call", "file_access", "mail_send"] },
        })
      ).body.registrationId as string;
    const first = await register(unique("reg").slice(0, 30));
    const page = await getPage("/registrations", w.asOwner);
    expect(page.text).toContain(`action="/registrations/${first}/approve"`);
    const tooMuch = await postForm(`/registrations/${first}/approve`, w.asOwner, { capabilities: ["api_call", "code_execution"] });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.text).toContain("Not requested by this agent: code_execution");
    const approved = await postForm(`/registrations/${first}/approve`, w.asOwner, { capabilities: ["api_call"], realm: "research" });
    expect(approved.status).toBe(303);
    expect((await follow(approved, w.asOwner)).text).toContain("Approved.");
    const audit = await lastAudit(w.company.id, "registration.approve");
    expect(JSON.parse(audit?.detail ?? "{}")).toMatchObject({ capabilities: ["api_call"], realm: "research" });
    expect((realm.body.realm as { slug: string }).slug).toBe("research");
    const again = await postForm(`/registrations/${first}/approve`, w.asOwner, { capabilities: ["api_call"] });
    expect(again.status).toBe(409);
    const second = await register(unique("reg").slice(0, 30));
    expect((await postForm(`/registrations/${second}/reject`, w.asOwner, {})).status).toBe(400);
    expect((await postForm(`/registrations/${second}/reject`, w.asOwner, { reason: "Not one of ours" })).status).toBe(303);
    expect(JSON.parse((await lastAudit(w.company.id, "registration.reject"))?.detail ?? "{}")).toMatchObject({ reason: "Not one of ours" });
  });
});

describe("vaults", () => {
  it("services: add (bad input refilled with a notice), disable and enable, edit; the proxy follows at once", async () => {
    const w = await consoleWorld();
    const bad = await postForm(`/vaults/${w.vault}/services`, w.asOwner, {
      name: "mail",
      host: "http://nope",
      auth_type: "bearer",
      bearer_token: "MAIL_KEY",
      enabled: "on",
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("a host pattern is not a URL");
    expect(bad.text).toContain('value="http://nope"');
    const host = `${unique("mail").slice(0, 30)}.example.com`;
    const added = await postForm(`/vaults/${w.vault}/services`, w.asOwner, {
      name: "mail",
      host,
      upstream: "https://mail-upstream.example.net",
      auth_type: "api-key",
      apikey_key: "MAIL_KEY",
      apikey_header: "X-Api-Key",
      enabled: "on",
    });
    expect(added.status).toBe(303);
    const service = await call("GET", `/v1/vaults/${w.vault}/services/mail`, { token: w.company.ownerKey });
    expect(service.body.service).toMatchObject({ host, auth: { type: "api-key", key: "MAIL_KEY", header: "X-Api-Key" }, enabled: true });
    const dup = await postForm(`/vaults/${w.vault}/services`, w.asOwner, { name: "other", host, auth_type: "passthrough", enabled: "on" });
    expect(dup.status).toBe(409);
    expect(dup.text).toContain("already has host");

    expect((await postForm(`/vaults/${w.vault}/services/svc`, w.asOwner, { intent: "disable" })).location).toBe(
      `/vaults/${w.vault}/services/svc?done=disabled`,
    );
    const refused = await proxyFetch(w, `/r/${requestId()}/x`);
    expect(refused.status).toBe(403);
    expect(refused.headers.get("x-edgevault-error")).toBe("service_disabled");
    expect(JSON.parse((await lastAudit(w.company.id, "service.update"))?.detail ?? "{}")).toMatchObject({ changed: ["enabled"], enabled: false });
    await postForm(`/vaults/${w.vault}/services/svc`, w.asOwner, { intent: "enable" });
    expect((await proxyFetch(w, `/r/${requestId()}/x`)).status).toBe(200);

    const edit = await getPage(`/vaults/${w.vault}/services/mail`, w.asOwner);
    expect(edit.text).toContain('name="apikey_key" type="text" value="MAIL_KEY"');
    const saved = await postForm(`/vaults/${w.vault}/services/mail`, w.asOwner, {
      intent: "edit",
      name: "mailer",
      host,
      auth_type: "bearer",
      bearer_token: "MAIL_KEY",
      enabled: "on",
    });
    expect(saved.location).toBe(`/vaults/${w.vault}/services/mailer?done=saved`);
    const after = (await call("GET", `/v1/vaults/${w.vault}/services/mailer`, { token: w.company.ownerKey })).body.service;
    expect(after).toMatchObject({ auth: { type: "bearer", token: "MAIL_KEY" }, upstream: null });
    const badEdit = await postForm(`/vaults/${w.vault}/services/mailer`, w.asOwner, {
      intent: "edit",
      name: "mailer",
      host,
      auth_type: "custom",
      custom_headers: "no colon",
      enabled: "on",
    });
    expect(badEdit.status).toBe(400);
    expect(badEdit.text).toContain("Check the service");
  });

  it("settings and webhooks: admins change them; the webhook's secret is shown once", async () => {
    const w = await consoleWorld();
    const settings = await postForm(`/vaults/${w.vault}/settings`, w.asOwner, { unmatched_host_policy: "deny", rate_per_second: "5", burst: "10" });
    expect(settings.status).toBe(303);
    expect((await call("GET", `/v1/vaults/${w.vault}`, { token: w.company.ownerKey })).body.vault).toMatchObject({
      unmatched_host_policy: "deny",
      rate_limit: { rate_per_second: 5, burst: 10 },
    });
    const badLimit = await postForm(`/vaults/${w.vault}/settings`, w.asOwner, { unmatched_host_policy: "deny", burst: "-3" });
    expect(badLimit.status).toBe(400);
    expect(badLimit.text).toContain("Check the settings");
    const hook = await postForm(`/vaults/${w.vault}/webhooks`, w.asOwner, { url: "https://hooks.example.com/ev", events: ["proposal.created"] });
    expect(hook.status).toBe(201);
    const secret = /whsec_[A-Za-z0-9_-]+/.exec(hook.text)?.[0] ?? "";
    expect(secret).not.toBe("");
    const vault = await getPage(`/vaults/${w.vault}`, w.asOwner);
    expect(vault.text).toContain("https://hooks.example.com/ev");
    expect(vault.text).not.toContain(secret);
    const badHook = await postForm(`/vaults/${w.vault}/webhooks`, w.asOwner, { url: "https://someone:pw@hooks.example.com/x", events: ["proposal.created"] });
    expect(badHook.status).toBe(400);
    expect(badHook.text).toContain("may not carry userinfo");
    const id = /webhooks\/(whk_[0-9a-f]+)\/delete/.exec(vault.text)?.[1] ?? "";
    // Removal asks first, and the question alone removes nothing.
    const asked = await postForm(`/vaults/${w.vault}/webhooks/${id}/delete`, w.asOwner);
    expect(asked.status).toBe(200);
    expect(asked.text).toContain("Remove the webhook");
    expect((await call("GET", `/v1/vaults/${w.vault}/webhooks`, { token: w.company.ownerKey })).body.webhooks).toHaveLength(1);
    expect((await postForm(`/vaults/${w.vault}/webhooks/${id}/delete`, w.asOwner, { confirm: "yes" })).location).toBe(
      `/vaults/${w.vault}?done=webhook_removed`,
    );
    expect((await call("GET", `/v1/vaults/${w.vault}/webhooks`, { token: w.company.ownerKey })).body.webhooks).toEqual([]);
  });

  it("traffic: the agent's requests and refusals, filtered, with a chart drawn on the server", async () => {
    const w = await consoleWorld();
    await proxyFetch(w, `/r/${requestId()}/ok`);
    await proxyFetch(w, "/x", {}, "api.not-configured.example.com");
    await flushRequestLog();
    const all = await getPage(`/vaults/${w.vault}/traffic`, w.asOwner);
    expect(all.status).toBe(200);
    expect(all.text).toContain('<svg class="chart"');
    expect(all.text).toContain("2 requests, 1 refused");
    expect(all.text).toMatch(new RegExp(`<span title="agt_[0-9a-f]+">${w.agent.name}</span>`));
    expect(all.text).not.toMatch(/<script|style="/);
    const refusals = await getPage(`/vaults/${w.vault}/traffic?denial=refused&range=1h`, w.asOwner);
    expect(refusals.text).toContain("api.not-configured.example.com");
    expect(refusals.text).not.toContain(w.host);
    const byAgent = await getPage(`/vaults/${w.vault}/traffic?agent=${w.agent.name}&service=svc`, w.asOwner);
    expect(byAgent.text).toContain(w.host);
    const nobody = await getPage(`/vaults/${w.vault}/traffic?agent=nobody-here`, w.asOwner);
    expect(nobody.text).toContain("No agent &quot;nobody-here&quot;");
    const bad = await getPage(`/vaults/${w.vault}/traffic?status=abc&range=forever`, w.asOwner);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("These filters are not valid");
  });
});

describe("people, keys and the audit log", () => {
  it("inviting a person: the link once; the accept page sets a password without showing the token; they can sign in", async () => {
    const w = await consoleWorld();
    const email = `${unique("new")}@example.com`;
    const invited = await postForm("/users", w.asOwner, { email, name: "New Person", role: "member" });
    expect(invited.status).toBe(201);
    const link = /https:\/\/edge\.test\/accept\/(\S+?)</.exec(invited.text)?.[1] ?? "";
    expect(link).toMatch(/^evi_/);
    const users = await getPage("/users", w.asOwner);
    expect(users.text).toContain(email);
    expect(users.text).toContain('<span class="badge invited">invited</span>');
    expect(users.text).not.toContain(link);
    const accept = await getPage(`/accept/${link}`);
    expect(accept.status).toBe(200);
    expect(accept.text).toContain(email);
    expect(accept.text).not.toContain(link);
    expect(accept.text).toContain('<form method="post" class="card">');
    const differ = await postForm(`/accept/${link}`, undefined, { password: "a long enough password", password_again: "another long password" });
    expect(differ.status).toBe(400);
    expect(differ.text).toContain("The two passwords differ");
    expect(differ.text).not.toContain("a long enough password");
    const short = await postForm(`/accept/${link}`, undefined, { password: "short", password_again: "short" });
    expect(short.status).toBe(400);
    const done = await postForm(`/accept/${link}`, undefined, { password: "a long enough password", password_again: "a long enough password" });
    expect(done.status).toBe(200);
    expect(done.text).toContain("Your password is set");
    expect((await getPage(`/accept/${link}`)).status).toBe(410);
    expect((await signInCookie(email, "a long enough password")).cookie).toMatch(/^edgevault_session=/);
    expect((await getPage("/accept/evi_forged_token")).status).toBe(410);
  });

  it("roles and removal: the last owner stays (a 409 notice), removal asks first", async () => {
    const company = await createCompany();
    const owner = await createUser(company, "owner");
    const asOwner = await signInCookie(owner.email);
    const last = await postForm(`/users/${owner.id}/role`, asOwner, { role: "member" });
    expect(last.status).toBe(409);
    expect(last.text).toContain("A company must keep at least one owner");
    const second = await createUser(company, "owner");
    const asSecond = await signInCookie(second.email);
    expect((await postForm(`/users/${owner.id}/role`, asSecond, { role: "member" })).location).toBe("/users?done=role");
    expect((await getPage("/users", asOwner)).status).toBe(403);
    const member = await createUser(company);
    const ask = await postForm(`/users/${member.id}/delete`, asSecond);
    expect(ask.text).toContain(`Remove ${member.email}`);
    expect((await call("GET", "/v1/whoami", { token: member.token })).status).toBe(200);
    expect((await postForm(`/users/${member.id}/delete`, asSecond, { confirm: "yes" })).location).toBe("/users?done=removed");
    expect((await call("GET", "/v1/whoami", { token: member.token })).status).toBe(401);
    expect((await postForm("/users/usr_nobody/delete", asSecond, { confirm: "yes" })).status).toBe(404);
    expect((await postForm(`/users/${second.id}/role`, asSecond, { role: "emperor" })).status).toBe(400);
  });

  it("API keys: the token once, the list by prefix, revoking asks first and keeps the last owner credential", async () => {
    const company = await createCompany();
    const owner = await createUser(company, "owner");
    const asOwner = await signInCookie(owner.email);
    const made = await postForm("/api-keys", asOwner, { label: "CI deploys" });
    expect(made.status).toBe(201);
    const token = /<pre class="once" id="api-key">([^<]+)<\/pre>/.exec(made.text)?.[1] ?? "";
    expect((await call("GET", "/v1/whoami", { token })).status).toBe(200);
    const list = await getPage("/api-keys", asOwner);
    expect(list.text).toContain("CI deploys");
    expect(list.text).toContain(`<code>${token.slice(0, 12)}…</code>`);
    expect(list.text).not.toContain(token);
    expect(list.text).not.toContain(company.ownerKey);
    const id = (await call("GET", "/v1/api-keys", { token })).body.api_keys as { id: string; label: string }[];
    const ci = id.find((k) => k.label === "CI deploys")?.id ?? "";
    expect((await postForm(`/api-keys/${ci}/revoke`, asOwner)).text).toContain("Revoke the key");
    expect((await postForm(`/api-keys/${ci}/revoke`, asOwner, { confirm: "yes" })).location).toBe("/api-keys?done=revoked");
    expect((await call("GET", "/v1/whoami", { token })).status).toBe(401);
    expect((await postForm("/api-keys", asOwner, { label: "" })).status).toBe(400);
  });

  it("the audit log filters by action, actor and time", async () => {
    const w = await consoleWorld();
    await postForm(`/vaults/${w.vault}/credentials`, w.asOwner, { key: "OTHER_KEY", value: "v-not-shown" });
    const byAction = await getPage("/audit?action=credential.set", w.asOwner);
    expect(byAction.text).toContain('<code class="whole">credential.set</code>');
    expect(byAction.text).not.toContain('<code class="whole">service.create</code>');
    expect(byAction.text).not.toContain("v-not-shown");
    const byActor = await getPage(`/audit?actor=${encodeURIComponent(w.owner.email)}`, w.asOwner);
    expect(byActor.text).toContain('<code class="whole">credential.set</code>');
    expect(byActor.text).not.toContain('<code class="whole">service.create</code>'); // made by the API key
    const today = new Date().toISOString().slice(0, 10);
    expect((await getPage(`/audit?since=${today}&action=credential.set`, w.asOwner)).text).toContain('<code class="whole">credential.set</code>');
    expect((await getPage("/audit?since=2001-01-01&until=2001-01-02", w.asOwner)).text).toContain("No entry matches.");
    const bad = await getPage("/audit?since=yesterday", w.asOwner);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("These filters are not valid");
  });
});
