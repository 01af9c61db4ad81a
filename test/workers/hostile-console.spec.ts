/**
 * Findings of a hostile pass over the console's vault and agent writes and their API twins: each
 * `describe` is one way in that was open, held shut here by the feature's own check.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { issueAgentSvid } from "../../workers/identity/svid.ts";
import { BASE, call, createCompany, createUser, createVault, inviteAgent, redeem, svidContext } from "./helpers.ts";
import { getPage, postForm, signInCookie } from "./pages-support.ts";

const agentRole = async (token: string, vault: string, name: string) =>
  ((await call("GET", `/v1/vaults/${vault}/agents`, { token })).body.agents as { agent: string; role: string }[]).find((a) => a.agent === name)?.role;

describe("re-adding an agent never changes its grant below admin", () => {
  it("a member agent or a member person cannot raise a proxy agent to member by POSTing it again; the role stays proxy", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const memberAgent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "member" }]);
    const proxyAgent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
    const person = await createUser(company);
    await call("POST", `/v1/vaults/${vault}/users`, { token: company.ownerKey, body: { email: person.email, role: "member" } });

    for (const token of [memberAgent.token, person.token]) {
      const raised = await call("POST", `/v1/vaults/${vault}/agents`, { token, body: { agent: proxyAgent.name, role: "member" } });
      // PATCH, its twin, needs admin: the POST must not be a way around it.
      expect(raised).toMatchObject({ status: 403, body: { error: "forbidden" } });
      expect((await call("PATCH", `/v1/vaults/${vault}/agents/${proxyAgent.name}`, { token, body: { role: "member" } })).status).toBe(403);
    }
    expect(await agentRole(company.ownerKey, vault, proxyAgent.name)).toBe("proxy");
    // Re-adding at the same role changes nothing, and a new grant up to member stays theirs to give.
    expect((await call("POST", `/v1/vaults/${vault}/agents`, { token: memberAgent.token, body: { agent: proxyAgent.name, role: "proxy" } })).status).toBe(200);
    const fresh = await inviteAgent(company.ownerKey);
    expect((await call("POST", `/v1/vaults/${vault}/agents`, { token: memberAgent.token, body: { agent: fresh.name, role: "member" } })).status).toBe(200);
    // An admin still moves the proxy grant (it ranks above it).
    const admin = await createUser(company);
    await call("POST", `/v1/vaults/${vault}/users`, { token: company.ownerKey, body: { email: admin.email, role: "admin" } });
    expect((await call("POST", `/v1/vaults/${vault}/agents`, { token: admin.token, body: { agent: proxyAgent.name, role: "member" } })).status).toBe(200);
    expect(await agentRole(company.ownerKey, vault, proxyAgent.name)).toBe("member");
  });

  it("a member cannot lower a member agent to proxy by re-adding it either", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const memberAgent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "member" }]);
    const peer = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "member" }]);
    const lowered = await call("POST", `/v1/vaults/${vault}/agents`, { token: memberAgent.token, body: { agent: peer.name, role: "proxy" } });
    expect(lowered.status).toBe(403);
    expect(await agentRole(company.ownerKey, vault, peer.name)).toBe("member");
  });
});

describe("a rotation invite is honoured only while its creator could still rotate the agent", () => {
  it("an owner agent's rotation invite for a member agent is void once that agent is an owner: no fellow owner's identity, the old token lives", async () => {
    const company = await createCompany();
    const boss = await inviteAgent(company.ownerKey, undefined, [], "owner");
    const target = await inviteAgent(company.ownerKey);
    const rotation = await call("POST", `/v1/agents/${target.name}/rotate`, { token: boss.token, body: {} });
    expect(rotation.status).toBe(201);
    expect((await call("PATCH", `/v1/agents/${target.name}`, { token: company.ownerKey, body: { role: "owner" } })).status).toBe(200);
    // Rotating it now is refused to the owner agent; the invite it already holds must be too.
    expect((await call("POST", `/v1/agents/${target.name}/rotate`, { token: boss.token, body: {} })).body.error).toBe("role_above_granter");
    const redeemed = await redeem(rotation.body.invite_url as string);
    expect(redeemed).toMatchObject({ status: 410, body: { error: "invite_revoked" } });
    expect(redeemed.text).not.toContain("eva_");
    expect((await call("GET", "/v1/whoami", { token: target.token })).body).toMatchObject({ name: target.name, company_role: "owner" });
    // A person owner's rotation of the same agent still works.
    const byOwner = await call("POST", `/v1/agents/${target.name}/rotate`, { token: company.ownerKey, body: {} });
    expect((await redeem(byOwner.body.invite_url as string)).status).toBe(200);
  });
});

describe("a rotation invite is void while its agent is disabled", () => {
  it("an invite made before the agent was disabled is refused (410) while it is disabled, and mints nothing for later", async () => {
    const company = await createCompany();
    const target = await inviteAgent(company.ownerKey);
    const rotation = await call("POST", `/v1/agents/${target.name}/rotate`, { token: company.ownerKey, body: {} });
    expect((await call("PATCH", `/v1/agents/${target.name}`, { token: company.ownerKey, body: { status: "disabled" } })).status).toBe(200);
    // Rotating a disabled agent is refused; so is redeeming what was made before.
    expect((await call("POST", `/v1/agents/${target.name}/rotate`, { token: company.ownerKey, body: {} })).status).toBe(403);
    const redeemed = await redeem(rotation.body.invite_url as string);
    expect(redeemed).toMatchObject({ status: 410, body: { error: "invite_revoked" } });
    expect(redeemed.text).not.toContain("eva_");
    // Enabled again, the agent's own token is the one that works.
    expect((await call("PATCH", `/v1/agents/${target.name}`, { token: company.ownerKey, body: { status: "active" } })).status).toBe(200);
    expect((await call("GET", "/v1/whoami", { token: target.token })).status).toBe(200);
  });
});

describe("Vane's re-registration is no way around the owner-agent rule", () => {
  it("an owner agent re-registering a fellow owner agent is 403 role_above_granter: no SVID for it, its metadata unchanged", async () => {
    const company = await createCompany();
    const boss = await inviteAgent(company.ownerKey, undefined, [], "owner");
    const peer = await inviteAgent(company.ownerKey, undefined, [], "owner");
    const before = await call("GET", `/v1/agents/${peer.name}`, { token: company.ownerKey });
    const upsert = await call("POST", "/v1/agents/register", { token: boss.token, body: { agentId: peer.name, metadata: { taken: true } } });
    expect(upsert).toMatchObject({ status: 403, body: { error: "role_above_granter" } });
    expect(upsert.text).not.toContain("svid");
    expect((await call("GET", `/v1/agents/${peer.name}`, { token: company.ownerKey })).body.metadata).toEqual(before.body.metadata);
    // It still registers new agents and re-registers member agents and itself; a key re-registers anyone.
    const fresh = `vane-${Date.now().toString(36)}`;
    expect((await call("POST", "/v1/agents/register", { token: boss.token, body: { agentId: fresh } })).status).toBe(201);
    expect((await call("POST", "/v1/agents/register", { token: boss.token, body: { agentId: fresh, metadata: { v: 2 } } })).status).toBe(201);
    expect((await call("POST", "/v1/agents/register", { token: boss.token, body: { agentId: boss.name } })).status).toBe(201);
    expect((await call("POST", "/v1/agents/register", { token: company.ownerKey, body: { agentId: peer.name } })).status).toBe(201);
  });
});

describe("a rename does not hand the new name's older SVIDs to the renamed agent", () => {
  it("a deleted agent's SVID is refused by token exchange after another agent is renamed to its name", async () => {
    const company = await createCompany();
    const gone = await inviteAgent(company.ownerKey);
    const other = await inviteAgent(company.ownerKey);
    // Both registered an hour ago, as agents in use are.
    await env.DB.prepare("UPDATE agents SET registered_at = ? WHERE company_id = ?")
      .bind(Date.now() - 3_600_000, company.id)
      .run();
    // An SVID the deleted agent fetched a minute ago (still valid for most of an hour).
    const leftover = (await issueAgentSvid(svidContext(), { companyId: company.id, agentName: gone.name, now: Date.now() - 60_000 })).svid;
    const exchange = async () =>
      (
        await SELF.fetch(`${BASE}/v1/token/exchange`, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
            subject_token: leftover,
            subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
          }),
        })
      ).status;
    expect(await exchange()).toBe(200);
    expect((await call("DELETE", `/v1/agents/${gone.name}`, { token: company.ownerKey })).status).toBe(200);
    expect(await exchange()).toBe(400);
    expect((await call("PATCH", `/v1/agents/${other.name}`, { token: company.ownerKey, body: { name: gone.name } })).status).toBe(200);
    // The name now belongs to another agent: what was issued before it took the name speaks for no one.
    expect(await exchange()).toBe(400);
  });
});

describe("agents never lift their own limits through their vault", () => {
  it("an admin agent may not set its vault's rate limit, higher, lower or cleared (403 self_change); a person may; the agent still sets the vault's other settings", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const adminAgent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "admin" }]);
    const ownerAgent = await inviteAgent(company.ownerKey, undefined, [], "owner");
    const set = (token: string, rate_limit: unknown) => call("PATCH", `/v1/vaults/${vault}`, { token, body: { rate_limit } });
    expect((await set(company.ownerKey, { rate_per_second: 5, burst: 10 })).status).toBe(200);
    const huge = { rate_per_second: 1000, burst: 1000, max_concurrent: 100 };
    for (const token of [adminAgent.token, ownerAgent.token]) {
      for (const limit of [huge, { rate_per_second: 1 }, null]) {
        const refused = await set(token, limit);
        expect(refused).toMatchObject({ status: 403, body: { error: "self_change" } });
      }
    }
    // Its own limits were already out of reach; the vault's are now too, and nothing changed.
    const self = await call("PATCH", `/v1/agents/${adminAgent.name}`, { token: adminAgent.token, body: { rate_limit: huge } });
    expect(self.status).toBe(403);
    expect((await call("GET", `/v1/vaults/${vault}`, { token: company.ownerKey })).body.vault).toMatchObject({ rate_limit: { rate_per_second: 5, burst: 10 } });
    const policy = await call("PATCH", `/v1/vaults/${vault}`, { token: adminAgent.token, body: { unmatched_host_policy: "deny" } });
    expect(policy).toMatchObject({ status: 200, body: { vault: { unmatched_host_policy: "deny", rate_limit: { rate_per_second: 5, burst: 10 } } } });
    // A person who administers the vault sets it.
    const admin = await createUser(company);
    await call("POST", `/v1/vaults/${vault}/users`, { token: company.ownerKey, body: { email: admin.email, role: "admin" } });
    expect((await set(admin.token, huge)).status).toBe(200);
  });
});

describe("a form field sent twice is refused, not read either way", () => {
  it("a service form with two bearer_token fields is 400 and adds nothing; an approval form with a value typed twice is 400 and decides nothing", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const owner = await createUser(company, "owner");
    const browser = await signInCookie(owner.email);
    const twice = await postForm(`/vaults/${vault}/services`, browser, {
      name: "mail",
      host: "mail.example.com",
      auth_type: "bearer",
      bearer_token: ["MAIL_KEY", "STRIPE_KEY"],
      enabled: "on",
    });
    expect(twice.status).toBe(400);
    expect(twice.text).toContain("The form sent &quot;bearer_token&quot; more than once");
    expect((await call("GET", `/v1/vaults/${vault}/services`, { token: company.ownerKey })).body.services).toEqual([]);

    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
    const raised = await call("POST", "/v1/proposals", { token: agent.token, headers: { "X-Vault": vault }, body: { credentials: [{ key: "DEPLOY_KEY" }] } });
    const url = new URL(String(raised.body.approval_url));
    const shown = await getPage(url.pathname + url.search, browser);
    const digest = /name="destinations_digest" value="([0-9a-f]{64})"/.exec(shown.text)?.[1] ?? "";
    const approval = await postForm(`/approve/${raised.body.id as string}`, browser, {
      token: url.searchParams.get("token") ?? "",
      action: "approve",
      destinations_digest: digest,
      cred_DEPLOY_KEY: ["first", "second"],
    });
    expect(approval.status).toBe(400);
    expect((await call("GET", `/v1/proposals/${raised.body.id as string}`, { token: agent.token })).body.status).toBe("pending");
    expect((await call("GET", `/v1/credentials?vault=${vault}`, { token: company.ownerKey })).body.keys).toEqual([]);
  });
});
