/**
 * docs/security.md's "the reviewer sees what approving really does" and "the asker is who really
 * asks", each as the attack that once got past a reviewer: a member typing the Stripe key into a
 * slot whose key an agent had pointed at its own host, a destination changed while the approver
 * read the page, and a session labelled as the company owner.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE, call, createCompany, createUser, createVault, inviteAgent, unique } from "./helpers.ts";
import { signInCookie } from "./pages-support.ts";
import { recorded, recordedSettled, requestId, upstreamUrl } from "./upstream.ts";

async function grant(ownerKey: string, vault: string, email: string, role: string) {
  expect((await call("POST", `/v1/vaults/${vault}/users`, { token: ownerKey, body: { email, role } })).status).toBe(200);
}

async function agentId(companyId: string, name: string) {
  const row = await env.DB.prepare("SELECT id FROM agents WHERE company_id = ? AND name = ?").bind(companyId, name).first<{ id: string }>();
  return row?.id ?? "";
}

/** A vault with a proxy-role agent, a vault admin and a vault member, both people. */
async function reviewedVault() {
  const company = await createCompany();
  const vault = await createVault(company.ownerKey);
  const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
  const admin = await createUser(company);
  const member = await createUser(company);
  await grant(company.ownerKey, vault, admin.email, "admin");
  await grant(company.ownerKey, vault, member.email, "member");
  return { company, vault, agent, admin, member };
}

type Slot = { key: string; sent_to?: Record<string, unknown>[] };
const slotsOf = (body: Record<string, unknown>) => body.credentials as Slot[];

const raise = (token: string, vault: string, body: unknown) => call("POST", "/v1/proposals", { token, headers: { "X-Vault": vault }, body });

const pagePath = (approvalUrl: unknown) => {
  const url = new URL(String(approvalUrl));
  return url.pathname + url.search;
};

const html = async (path: string, cookie: string) => (await SELF.fetch(`${BASE}${path}`, { headers: { Cookie: cookie } })).text();

describe("a value goes only where its approver was shown, and one an agent pointed somewhere needs an admin", () => {
  it("after an agent's own service is approved, its value-only proposal for that key is refused to a member; the API, the page and the inbox name the agent's host", async () => {
    const s = await reviewedVault();
    const host = `${unique("metrics").slice(0, 30)}.example.com`;
    // 1. A harmless-looking service on the agent's own host, with the agent's own value.
    const service = await raise(s.agent.token, s.vault, {
      services: [{ name: "metrics", host, upstream: upstreamUrl(), auth: { type: "bearer", token: "COLLECTOR_TOKEN" } }],
      credentials: [{ key: "COLLECTOR_TOKEN", value: "agents-own-collector-token" }],
      message: "send metrics",
    });
    expect(service.status).toBe(201);
    expect((await call("POST", `/v1/proposals/${service.body.id as string}/approve`, { token: s.admin.token, body: {} })).status).toBe(200);

    // 2. A value-only proposal for the same key, described as something else.
    const ask = await raise(s.agent.token, s.vault, {
      credentials: [{ key: "COLLECTOR_TOKEN", description: "Stripe live secret key", obtain: "https://dashboard.stripe.com/apikeys" }],
      message: "I need the Stripe key",
    });
    const id = ask.body.id as string;
    const view = await call("GET", `/v1/proposals/${id}`, { token: s.member.token });
    expect(slotsOf(view.body)[0]?.sent_to).toEqual([
      {
        service: "metrics",
        host,
        upstream: upstreamUrl(),
        chosen_by: { kind: "agent", id: await agentId(s.company.id, s.agent.name), name: s.agent.name },
        chosen_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        chosen_by_role: "proxy",
        chosen_by_agent: true,
        chosen_by_admin: false,
      },
    ]);

    // 3. The member may not type a value under a key an agent pointed at its own host.
    const typed = await call("POST", `/v1/proposals/${id}/approve`, {
      token: s.member.token,
      body: { credentials: { COLLECTOR_TOKEN: "sk_live_typed_by_member" }, destinations_digest: view.body.destinations_digest },
    });
    expect(typed).toMatchObject({ status: 403, body: { error: "admin_required" } });
    expect(typed.body.message).toContain(upstreamUrl());
    expect((await call("GET", `/v1/proposals/${id}`, { token: s.agent.token })).body.status).toBe("pending");
    const memberPage = await SELF.fetch(`${BASE}${pagePath(ask.body.approval_url)}`, { headers: { Cookie: (await signInCookie(s.member.email)).cookie } });
    expect(memberPage.status).toBe(403);

    // 4. An admin reading the page is told where the value goes and who chose it, beside the agent's description.
    const { cookie } = await signInCookie(s.admin.email);
    const today = new Date().toISOString().slice(0, 10);
    const chosen = `host chosen by agent ${s.agent.name} on ${today}`;
    const page = await html(pagePath(ask.body.approval_url), cookie);
    expect(page).toContain(`<p class="notice warn">Sent to <code>${upstreamUrl()}</code> (service <code>metrics</code>): ${chosen}.`);
    expect(page).toContain("Stripe live secret key");
    const inbox = await html("/inbox", cookie);
    expect(inbox).toContain(`<code>COLLECTOR_TOKEN</code> → <code>${upstreamUrl()}</code> <strong>(${chosen})</strong>`);

    // 5. The agent's host still receives only the agent's own value.
    const rid = requestId();
    const proxied = await SELF.fetch(`${BASE}/proxy/${host}/r/${rid}/ingest`, { headers: { Authorization: `Bearer ${s.agent.token}`, "X-Vault": s.vault } });
    expect(proxied.status).toBe(200);
    expect((await recorded(rid))[0]?.headers.authorization).toBe("Bearer agents-own-collector-token");
  });

  it("a destination a person or an API key set is not an agent's: a member decides values for it, until an agent's proposal re-points it", async () => {
    const s = await reviewedVault();
    const created = await call("POST", `/v1/vaults/${s.vault}/services`, {
      token: s.company.ownerKey,
      body: { name: "billing", host: "api.billing.example.com", auth: { type: "bearer", token: "BILLING_KEY" } },
    });
    expect(created.status).toBe(201);
    const ask = await raise(s.agent.token, s.vault, { credentials: [{ key: "BILLING_KEY" }] });
    const view = await call("GET", `/v1/proposals/${ask.body.id as string}`, { token: s.member.token });
    expect(slotsOf(view.body)[0]?.sent_to).toMatchObject([
      { service: "billing", host: "api.billing.example.com", chosen_by: { kind: "company_key" }, chosen_by_agent: false },
    ]);
    const approved = await call("POST", `/v1/proposals/${ask.body.id as string}/approve`, {
      token: s.member.token,
      body: { credentials: { BILLING_KEY: "billing-value" }, destinations_digest: view.body.destinations_digest },
    });
    expect(approved.status).toBe(200);

    // An agent's replacement that keeps the destination (a new description) keeps who chose it.
    const same = await raise(s.agent.token, s.vault, {
      services: [{ name: "billing", host: "api.billing.example.com", description: "Billing", auth: { type: "bearer", token: "BILLING_KEY" } }],
    });
    expect(same.status).toBe(201);
    expect((await call("POST", `/v1/proposals/${same.body.id as string}/approve`, { token: s.admin.token, body: {} })).status).toBe(200);
    const kept = await raise(s.agent.token, s.vault, { credentials: [{ key: "BILLING_KEY" }] });
    const keptView = await call("GET", `/v1/proposals/${kept.body.id as string}`, { token: s.member.token });
    expect(slotsOf(keptView.body)[0]?.sent_to).toMatchObject([{ service: "billing", chosen_by: { kind: "company_key" }, chosen_by_agent: false }]);
    const keptApproval = await call("POST", `/v1/proposals/${kept.body.id as string}/approve`, {
      token: s.member.token,
      body: { credentials: { BILLING_KEY: "billing-value-2" }, destinations_digest: keptView.body.destinations_digest },
    });
    expect(keptApproval.status).toBe(200);

    // The agent proposes the same service on its own host; an admin approves; now the agent chose it.
    const repoint = await raise(s.agent.token, s.vault, {
      services: [{ name: "billing", host: `${unique("mirror").slice(0, 30)}.example.com`, auth: { type: "bearer", token: "BILLING_KEY" } }],
    });
    expect((await call("POST", `/v1/proposals/${repoint.body.id as string}/approve`, { token: s.admin.token, body: {} })).status).toBe(200);
    const again = await raise(s.agent.token, s.vault, { credentials: [{ key: "BILLING_KEY" }] });
    const refused = await call("POST", `/v1/proposals/${again.body.id as string}/approve`, {
      token: s.member.token,
      body: { credentials: { BILLING_KEY: "v2" } },
    });
    expect(refused).toMatchObject({ status: 403, body: { error: "admin_required" } });

    // An admin pointing it back through the API makes it a person's choice again.
    const patched = await call("PATCH", `/v1/vaults/${s.vault}/services/billing`, { token: s.admin.token, body: { host: "api.billing.example.com" } });
    expect(patched.status).toBe(200);
    const now = await call("GET", `/v1/proposals/${again.body.id as string}`, { token: s.member.token });
    expect(slotsOf(now.body)[0]?.sent_to).toMatchObject([{ service: "billing", chosen_by: { kind: "user", name: s.admin.email }, chosen_by_agent: false }]);
    const decided = await call("POST", `/v1/proposals/${again.body.id as string}/approve`, {
      token: s.member.token,
      body: { credentials: { BILLING_KEY: "v2" }, destinations_digest: now.body.destinations_digest },
    });
    expect(decided.status).toBe(200);
  });
});

describe("an approval binds to the destinations its approver was shown", () => {
  it("viewed, then the service's destination changes, then approved: 409 proposal_changed and nothing applied; approving what is shown now works", async () => {
    const s = await reviewedVault();
    await call("POST", `/v1/vaults/${s.vault}/services`, {
      token: s.company.ownerKey,
      body: { name: "billing", host: "api.billing.example.com", auth: { type: "bearer", token: "BILLING_KEY" } },
    });
    const ask = await raise(s.agent.token, s.vault, { credentials: [{ key: "BILLING_KEY", description: "Billing key" }] });
    const id = ask.body.id as string;
    const seen = await call("GET", `/v1/proposals/${id}`, { token: s.member.token });
    expect(seen.body.destinations_digest).toMatch(/^[0-9a-f]{64}$/);

    // While the member reads, the service is pointed elsewhere.
    const moved = await call("PATCH", `/v1/vaults/${s.vault}/services/billing`, {
      token: s.company.ownerKey,
      body: { upstream: "https://mirror.example.net" },
    });
    expect(moved.status).toBe(200);
    const stale = await call("POST", `/v1/proposals/${id}/approve`, {
      token: s.member.token,
      body: { credentials: { BILLING_KEY: "typed-for-the-old-host" }, destinations_digest: seen.body.destinations_digest },
    });
    expect(stale).toMatchObject({ status: 409, body: { error: "proposal_changed" } });
    // A client that sends no digest is bound to the proposal as raised: refused too.
    const blind = await call("POST", `/v1/proposals/${id}/approve`, { token: s.member.token, body: { credentials: { BILLING_KEY: "typed-blind" } } });
    expect(blind).toMatchObject({ status: 409, body: { error: "proposal_changed" } });
    expect((await call("GET", `/v1/credentials?vault=${s.vault}`, { token: s.company.ownerKey })).body.keys).toEqual([]);
    expect((await call("GET", `/v1/proposals/${id}`, { token: s.agent.token })).body.status).toBe("pending");

    // Read again: the new destination, a new digest, and the approval goes through.
    const fresh = await call("GET", `/v1/proposals/${id}`, { token: s.member.token });
    expect(fresh.body.destinations_digest).not.toBe(seen.body.destinations_digest);
    expect(slotsOf(fresh.body)[0]?.sent_to).toMatchObject([{ service: "billing", upstream: "https://mirror.example.net" }]);
    const approved = await call("POST", `/v1/proposals/${id}/approve`, {
      token: s.member.token,
      body: { credentials: { BILLING_KEY: "typed-for-the-mirror" }, destinations_digest: fresh.body.destinations_digest },
    });
    expect(approved.status).toBe(200);
    expect((await call("GET", `/v1/credentials?vault=${s.vault}`, { token: s.company.ownerKey })).body.keys).toEqual(["BILLING_KEY"]);
  });

  it("the approval page binds too: a form shown before the change is refused and shown again with the new destination", async () => {
    const s = await reviewedVault();
    await call("POST", `/v1/vaults/${s.vault}/services`, {
      token: s.company.ownerKey,
      body: { name: "billing", host: "api.billing.example.com", auth: { type: "bearer", token: "BILLING_KEY" } },
    });
    const ask = await raise(s.agent.token, s.vault, { credentials: [{ key: "BILLING_KEY" }] });
    const browser = await signInCookie(s.member.email);
    const shown = await html(pagePath(ask.body.approval_url), browser.cookie);
    const digest = /name="destinations_digest" value="([0-9a-f]{64})"/.exec(shown)?.[1] ?? "";
    expect(digest).not.toBe("");
    expect(shown).toContain("Sent to <code>https://api.billing.example.com</code> (service <code>billing</code>; set by API key");

    await call("PATCH", `/v1/vaults/${s.vault}/services/billing`, { token: s.company.ownerKey, body: { upstream: "https://mirror.example.net" } });
    const token = new URL(String(ask.body.approval_url)).searchParams.get("token") ?? "";
    const post = (fields: Record<string, string>) =>
      SELF.fetch(`${BASE}/approve/${ask.body.id as string}`, {
        method: "POST",
        redirect: "manual",
        headers: { Cookie: browser.cookie, Origin: BASE, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrf: browser.csrf, token, action: "approve", cred_BILLING_KEY: "typed-on-the-old-page", ...fields }).toString(),
      });
    const refused = await post({ destinations_digest: digest });
    expect(refused.status).toBe(409);
    const again = await refused.text();
    expect(again).toContain("Where the values would go changed since this page was opened; nothing was applied.");
    expect(again).toContain("Sent to <code>https://mirror.example.net</code>");
    expect(again).not.toContain("typed-on-the-old-page");
    // A form without a digest binds to nothing.
    expect((await post({})).status).toBe(409);
    expect((await call("GET", `/v1/proposals/${ask.body.id as string}`, { token: s.agent.token })).body.status).toBe("pending");
    const newDigest = /name="destinations_digest" value="([0-9a-f]{64})"/.exec(again)?.[1] ?? "";
    expect((await post({ destinations_digest: newDigest })).status).toBe(303);
    expect((await call("GET", `/v1/proposals/${ask.body.id as string}`, { token: s.agent.token })).body.status).toBe("applied");
  });
});

describe("the asker is who really asks", () => {
  const OWNER_LABEL = "Demo Owner <owner@demo.localhost> (company owner)";

  it("a session labelled as the company owner shows as the agent that minted it, its label only quoted: view, list, page, inbox and webhook", async () => {
    const s = await reviewedVault();
    await call("POST", `/v1/vaults/${s.vault}/agents`, { token: s.company.ownerKey, body: { agent: s.agent.name, role: "member" } });
    const hookId = requestId();
    await call("POST", `/v1/vaults/${s.vault}/webhooks`, {
      token: s.company.ownerKey,
      body: { url: upstreamUrl(`/r/${hookId}/hook`), events: ["proposal.created"] },
    });
    const session = await call("POST", "/v1/sessions", { token: s.agent.token, body: { vault: s.vault, label: OWNER_LABEL } });
    expect(session.status).toBe(201);
    const sessionId = (
      await env.DB.prepare("SELECT id FROM vault_sessions WHERE label = ? AND vault_id = (SELECT id FROM vaults WHERE name = ?)")
        .bind(OWNER_LABEL, s.vault)
        .first<{ id: string }>()
    )?.id;
    const raised = await call("POST", "/v1/proposals", {
      token: session.body.token as string,
      body: { credentials: [{ key: "DEPLOY_KEY" }], message: "approve me" },
    });
    expect(raised.status).toBe(201);
    const asker = {
      kind: "agent",
      id: await agentId(s.company.id, s.agent.name),
      name: s.agent.name,
      via: { kind: "vault_session", id: sessionId, label: OWNER_LABEL },
    };

    expect((await call("GET", `/v1/proposals/${raised.body.id as string}`, { token: s.member.token })).body.raised_by).toEqual(asker);
    expect((await call("GET", `/v1/proposals/${raised.body.id as string}`, { token: session.body.token as string })).body.raised_by).toEqual(asker);
    const listed = await call("GET", `/v1/proposals?vault=${s.vault}`, { token: s.member.token });
    expect((listed.body.proposals as { raised_by: unknown }[])[0]?.raised_by).toEqual(asker);

    const { cookie } = await signInCookie(s.member.email);
    // The label is isolated in its own box (console/agent-text.ts), after the agent that minted the session.
    const said = `agent ${s.agent.name}, through its session “<bdi class="chosen">Demo Owner &lt;owner@demo.localhost&gt; (company owner)</bdi>”`;
    const page = await html(pagePath(raised.body.approval_url), cookie);
    expect(page).toContain(`<h1>Request from ${said}</h1>`);
    expect(page).not.toContain("Request from session");
    expect(page).not.toMatch(/Request from (?:a user|Demo Owner)/);
    const inbox = await html("/inbox", cookie);
    expect(inbox).toContain(`<a href="/approve/${raised.body.id as string}">${said}: <bdi class="chosen">approve me</bdi></a>`);

    const [delivery] = await recordedSettled(hookId, 1);
    expect(JSON.parse(delivery?.bodyText ?? "{}").proposal.raised_by).toEqual(asker);
  });

  it("a person shows their e-mail and an API key its label, never a name they chose", async () => {
    const s = await reviewedVault();
    const byMember = await raise(s.member.token, s.vault, { credentials: [{ key: "FROM_MEMBER" }] });
    const viewed = await call("GET", `/v1/proposals/${byMember.body.id as string}`, { token: s.admin.token });
    expect(viewed.body.raised_by).toEqual({ kind: "user", id: s.member.id, name: s.member.email });
    const key = await call("POST", "/v1/api-keys", { token: s.company.ownerKey, body: { label: "ci pipeline" } });
    const byKey = await raise(key.body.token as string, s.vault, { credentials: [{ key: "FROM_KEY" }] });
    const keyView = await call("GET", `/v1/proposals/${byKey.body.id as string}`, { token: s.admin.token });
    expect(keyView.body.raised_by).toMatchObject({ kind: "company_key", name: "ci pipeline" });
    const { cookie } = await signInCookie(s.admin.email);
    expect(await html(pagePath(byKey.body.approval_url), cookie)).toContain("<h1>Request from API key “ci pipeline”</h1>");
    expect(await html(pagePath(byMember.body.approval_url), cookie)).toContain(`<h1>Request from ${s.member.email}</h1>`);
  });
});
