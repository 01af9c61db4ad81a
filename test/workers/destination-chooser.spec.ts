/**
 * docs/security.md's "a value goes only where a vault admin chose, unless an admin types it", as
 * the two ways a hostile tester got a member to type a secret for a destination no admin chose:
 * a member person's own service, approved by an admin (the chooser is the member, not the
 * approver), and a host-only edit of an agent's service that handed "chosen by" to the editor
 * while the agent's upstream stayed.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE, call, createCompany, createUser, createVault, inviteAgent, unique } from "./helpers.ts";
import { getPage, signInCookie } from "./pages-support.ts";
import { recorded, requestId, upstreamUrl } from "./upstream.ts";

type Destination = Record<string, unknown>;
type Slot = { key: string; sent_to?: Destination[] };

/** A vault with a proxy-role agent (it proxies), an admin, and two members, all people but the agent. */
async function vaultWithPeople() {
  const company = await createCompany();
  const vault = await createVault(company.ownerKey);
  const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
  const people = { admin: await createUser(company), admin2: await createUser(company), raiser: await createUser(company), member: await createUser(company) };
  for (const [who, role] of [
    [people.admin, "admin"],
    [people.admin2, "admin"],
    [people.raiser, "member"],
    [people.member, "member"],
  ] as const) {
    expect((await call("POST", `/v1/vaults/${vault}/users`, { token: company.ownerKey, body: { email: who.email, role } })).status).toBe(200);
  }
  return { company, vault, agent, ...people };
}

type World = Awaited<ReturnType<typeof vaultWithPeople>>;

const raise = (w: World, token: string, body: unknown) => call("POST", "/v1/proposals", { token, headers: { "X-Vault": w.vault }, body });

async function approveAs(token: string, id: unknown, body: Record<string, unknown> = {}) {
  return call("POST", `/v1/proposals/${id as string}/approve`, { token, body });
}

/** A value-only proposal for `key` raised by `token`, and how `reader` sees it. */
async function askFor(w: World, token: string, key: string, reader: string) {
  const ask = await raise(w, token, { credentials: [{ key, description: "Stripe live secret key" }], message: "I need the Stripe key" });
  expect(ask.status).toBe(201);
  const view = await call("GET", `/v1/proposals/${ask.body.id as string}`, { token: reader });
  return { id: ask.body.id as string, approvalUrl: String(ask.body.approval_url), view: view.body, sentTo: (view.body.credentials as Slot[])[0]?.sent_to };
}

/** What the upstream receives for the service at `host`, proxied by the agent. */
async function received(w: World, host: string) {
  const rid = requestId();
  const proxied = await SELF.fetch(`${BASE}/proxy/${host}/r/${rid}/ingest`, { headers: { Authorization: `Bearer ${w.agent.token}`, "X-Vault": w.vault } });
  expect(proxied.status).toBe(200);
  return (await recorded(rid))[0]?.headers.authorization;
}

const today = () => new Date().toISOString().slice(0, 10);

describe("a value goes only where a vault admin chose, unless an admin types it", () => {
  it("a member's own service, approved by an admin, is the member's choice: another member may not type a value for it, anywhere", async () => {
    const w = await vaultWithPeople();
    const host = `${unique("memmetrics").slice(0, 30)}.example.com`;
    const service = await raise(w, w.raiser.token, {
      services: [{ name: "memmetrics", host, upstream: upstreamUrl(), auth: { type: "bearer", token: "MEM_COLLECTOR" } }],
      credentials: [{ key: "MEM_COLLECTOR", value: "mem-own" }],
    });
    expect(service.status).toBe(201);
    // While pending, the reviewer is told the member chose it, not an admin.
    const pending = await call("GET", `/v1/proposals/${service.body.id as string}`, { token: w.admin.token });
    expect((pending.body.credentials as Slot[])[0]?.sent_to).toMatchObject([
      { service: "memmetrics", proposed: true, chosen_by: { kind: "user", name: w.raiser.email }, chosen_by_role: "member", chosen_by_admin: false },
    ]);
    expect((await approveAs(w.admin.token, service.body.id)).status).toBe(200);

    const ask = await askFor(w, w.raiser.token, "MEM_COLLECTOR", w.member.token);
    expect(ask.sentTo).toEqual([
      {
        service: "memmetrics",
        host,
        upstream: upstreamUrl(),
        chosen_by: { kind: "user", id: w.raiser.id, name: w.raiser.email },
        chosen_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        chosen_by_role: "member",
        chosen_by_agent: false,
        chosen_by_admin: false,
      },
    ]);
    const typed = await approveAs(w.member.token, ask.id, {
      credentials: { MEM_COLLECTOR: "sk_live_FAKE_mem2" },
      destinations_digest: ask.view.destinations_digest,
    });
    expect(typed).toMatchObject({ status: 403, body: { error: "admin_required" } });
    expect(typed.body.message).toBe(
      `"MEM_COLLECTOR" is sent to ${upstreamUrl()} (service "memmetrics"), a destination no admin of the vault chose: only an admin of the vault can decide it`,
    );
    // Nor directly: the API's credential write holds the same rule.
    const direct = await call("POST", "/v1/credentials", {
      token: w.member.token,
      body: { vault: w.vault, credentials: { MEM_COLLECTOR: "sk_live_FAKE_mem2" } },
    });
    expect(direct).toMatchObject({ status: 403, body: { error: "admin_required" } });
    expect(await received(w, host)).toBe("Bearer mem-own");

    // The page and the inbox say who chose it, as a warning; the member's inbox says it needs an admin.
    const chosen = `host chosen by member ${w.raiser.email} on ${today()}`;
    const adminBrowser = await signInCookie(w.admin.email);
    const url = new URL(ask.approvalUrl);
    const page = await getPage(url.pathname + url.search, adminBrowser);
    expect(page.text).toContain(
      `<p class="notice warn">Sent to <code>${upstreamUrl()}</code> (service <code>memmetrics</code>): ${chosen}. The description is the asker's words; where the value goes is not a vault admin&#39;s choice.</p>`,
    );
    expect((await getPage("/inbox", adminBrowser)).text).toContain(`<code>MEM_COLLECTOR</code> → <code>${upstreamUrl()}</code> <strong>(${chosen})</strong>`);
    const memberInbox = (await getPage("/inbox", await signInCookie(w.member.email))).text;
    expect(memberInbox).toContain('<span class="badge">needs a vault admin</span>');
    expect(memberInbox).not.toContain(`href="/approve/${ask.id}"`);

    // An admin may type it: the admin's choice to send it there.
    const byAdmin = await approveAs(w.admin.token, ask.id, {
      credentials: { MEM_COLLECTOR: "admin-typed" },
      destinations_digest: ask.view.destinations_digest,
    });
    expect(byAdmin.status).toBe(200);
    expect(await received(w, host)).toBe("Bearer admin-typed");
  });

  it("the chooser's standing is recorded when the destination takes effect: an admin's proposal stays an admin's choice after a demotion", async () => {
    const w = await vaultWithPeople();
    const host = `${unique("billing").slice(0, 30)}.example.com`;
    const service = await raise(w, w.admin2.token, {
      services: [{ name: "billing", host, upstream: upstreamUrl(), auth: { type: "bearer", token: "BILLING_KEY" } }],
      credentials: [{ key: "BILLING_KEY", value: "first" }],
    });
    expect((await approveAs(w.admin.token, service.body.id)).status).toBe(200);
    const row = await env.DB.prepare("SELECT destination_chosen_by_role AS role FROM services WHERE name = 'billing' AND host = ?")
      .bind(host)
      .first<{ role: string }>();
    expect(row?.role).toBe("admin");
    // Demoted later: what they chose as an admin is not re-judged (nothing else an admin did is).
    expect((await call("PATCH", `/v1/vaults/${w.vault}/users/${w.admin2.id}`, { token: w.company.ownerKey, body: { role: "member" } })).status).toBe(200);
    const ask = await askFor(w, w.agent.token, "BILLING_KEY", w.member.token);
    expect(ask.sentTo).toMatchObject([
      { service: "billing", chosen_by: { kind: "user", name: w.admin2.email }, chosen_by_role: "admin", chosen_by_admin: true },
    ]);
    const typed = await approveAs(w.member.token, ask.id, { credentials: { BILLING_KEY: "member-typed" }, destinations_digest: ask.view.destinations_digest });
    expect(typed.status).toBe(200);
    expect(await received(w, host)).toBe("Bearer member-typed");
  });
});

describe("who chose a destination changes only when the destination does", () => {
  /** An agent's service, approved by an admin: its upstream is the agent's choice. */
  async function agentsService(w: World) {
    const host = `${unique("metrics3").slice(0, 30)}.example.com`;
    const raised = await raise(w, w.agent.token, {
      services: [{ name: "metrics3", host, upstream: upstreamUrl(), auth: { type: "bearer", token: "COLLECTOR" } }],
      credentials: [{ key: "COLLECTOR", value: "agents-own" }],
    });
    expect((await approveAs(w.admin.token, raised.body.id)).status).toBe(200);
    return host;
  }

  it("an owner key editing only the host leaves the agent's upstream the agent's choice: a member still may not type its value; a new upstream is the key's", async () => {
    const w = await vaultWithPeople();
    await agentsService(w);
    const moved = `${unique("metrics3b").slice(0, 30)}.example.com`;
    const edited = await call("PATCH", `/v1/vaults/${w.vault}/services/metrics3`, { token: w.company.ownerKey, body: { host: moved } });
    expect(edited).toMatchObject({ status: 200, body: { service: { host: moved, upstream: upstreamUrl() } } });
    const ask = await askFor(w, w.agent.token, "COLLECTOR", w.member.token);
    expect(ask.sentTo).toMatchObject([
      {
        service: "metrics3",
        host: moved,
        upstream: upstreamUrl(),
        chosen_by: { kind: "agent", name: w.agent.name },
        chosen_by_agent: true,
        chosen_by_admin: false,
      },
    ]);
    const typed = await approveAs(w.member.token, ask.id, { credentials: { COLLECTOR: "sk_live_typed" }, destinations_digest: ask.view.destinations_digest });
    expect(typed).toMatchObject({ status: 403, body: { error: "admin_required" } });
    expect(await received(w, moved)).toBe("Bearer agents-own");

    // A new upstream is a new destination: the key chose it, and a member may type for it.
    const repointed = await call("PATCH", `/v1/vaults/${w.vault}/services/metrics3`, {
      token: w.company.ownerKey,
      body: { upstream: "https://collector.example.net" },
    });
    expect(repointed.status).toBe(200);
    const now = await call("GET", `/v1/proposals/${ask.id}`, { token: w.member.token });
    expect((now.body.credentials as Slot[])[0]?.sent_to).toMatchObject([
      { chosen_by: { kind: "company_key" }, chosen_by_role: "admin", chosen_by_agent: false, chosen_by_admin: true },
    ]);
    const decided = await approveAs(w.member.token, ask.id, { credentials: { COLLECTOR: "member-typed" }, destinations_digest: now.body.destinations_digest });
    expect(decided.status).toBe(200);
  });

  it("a proposal replacing the service under the same upstream keeps the agent as chooser, shown so and applied so", async () => {
    const w = await vaultWithPeople();
    await agentsService(w);
    const moved = `${unique("metrics3c").slice(0, 30)}.example.com`;
    // An admin person proposes the new host (another admin approves): the upstream is still the agent's.
    const replacing = await raise(w, w.admin2.token, {
      services: [{ name: "metrics3", host: moved, upstream: upstreamUrl(), auth: { type: "bearer", token: "COLLECTOR" } }],
      credentials: [{ key: "COLLECTOR" }],
    });
    expect(replacing.status).toBe(201);
    const shown = await call("GET", `/v1/proposals/${replacing.body.id as string}`, { token: w.admin.token });
    const slot = (shown.body.credentials as Slot[])[0];
    expect(slot?.sent_to).toMatchObject([{ service: "metrics3", host: moved, chosen_by: { kind: "agent", name: w.agent.name }, chosen_by_agent: true }]);
    expect(slot?.sent_to?.[0]).not.toHaveProperty("proposed");
    expect(
      (await approveAs(w.admin.token, replacing.body.id, { credentials: { COLLECTOR: "admin-typed" }, destinations_digest: shown.body.destinations_digest }))
        .status,
    ).toBe(200);
    const ask = await askFor(w, w.agent.token, "COLLECTOR", w.member.token);
    expect(ask.sentTo).toMatchObject([{ host: moved, chosen_by: { kind: "agent" }, chosen_by_admin: false }]);
    expect((await approveAs(w.member.token, ask.id, { credentials: { COLLECTOR: "x" }, destinations_digest: ask.view.destinations_digest })).status).toBe(403);
  });
});
