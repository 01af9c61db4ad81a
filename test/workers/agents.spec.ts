import { env, SELF } from "cloudflare:test";
import { createLocalJWKSet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, createVault, inviteAgent, unique } from "./helpers.ts";

async function jwksOf(companyId: string) {
  const res = await SELF.fetch(`https://edge.test/v1/companies/${companyId}/jwks.json`);
  return createLocalJWKSet((await res.json()) as { keys: [] });
}

describe("company registration (seed 003)", () => {
  it("registers with a company API key, returns a verifiable SVID, and upserts", async () => {
    const company = await createCompany();
    const res = await call("POST", "/v1/agents/register", { token: company.ownerKey, body: { agentId: "researcher-1", metadata: { model: "gpt-4o" } } });
    expect(res.status).toBe(201);
    const spiffeId = `spiffe://${env.TRUST_DOMAIN}/company/${company.id}/agent/researcher-1`;
    expect(res.body).toMatchObject({ agentId: "researcher-1", spiffeId });
    expect(Date.parse(res.body.registeredAt as string)).toBeGreaterThan(0);
    const { payload } = await jwtVerify(res.body.svid as string, await jwksOf(company.id), { audience: "edgevault" });
    expect(payload.sub).toBe(spiffeId);
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);

    const again = await call("POST", "/v1/agents/register", { token: company.ownerKey, body: { agentId: "researcher-1", metadata: { model: "o3" } } });
    expect(again.status).toBe(201);
    expect(again.body.registeredAt).toBe(res.body.registeredAt);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM agents WHERE company_id = ?").bind(company.id).first<{ n: number }>();
    expect(rows?.n).toBe(1);

    const got = await call("GET", "/v1/agents/researcher-1", { token: company.ownerKey });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      agentId: "researcher-1",
      spiffeId,
      companyId: company.id,
      metadata: { model: "o3" },
      status: "active",
      vaults: [],
      activeSessions: 0,
    });
  });

  it("answers the seed's 400 for a missing agentId, and 400 for names that would need escaping", async () => {
    const company = await createCompany();
    for (const body of [{}, { agentId: 42 }, { agentId: "" }]) {
      const res = await call("POST", "/v1/agents/register", { token: company.ownerKey, body });
      expect(res.status).toBe(400);
      expect(res.body.message).toBe("Missing or invalid field: agentId is required");
    }
    for (const agentId of ["has space", "per%cent", "a/b", ".", "..", "é", "x".repeat(129)]) {
      const res = await call("POST", "/v1/agents/register", { token: company.ownerKey, body: { agentId } });
      expect(res.status, agentId).toBe(400);
      expect(res.body.error).toBe("invalid_agent_id");
      expect(res.body.message).toContain("letters, digits, '.', '-' and '_'");
    }
    const meta = await call("POST", "/v1/agents/register", { token: company.ownerKey, body: { agentId: "ok-agent", metadata: [1] } });
    expect(meta.status).toBe(400);
  });

  it("takes any agentId a SPIFFE segment allows (Vane takes any string), and finds it by that id", async () => {
    const company = await createCompany();
    for (const agentId of ["Researcher_1", "agent.v2", "ab", "x", "A-b_c.D"]) {
      const res = await call("POST", "/v1/agents/register", { token: company.ownerKey, body: { agentId } });
      expect(res.status, agentId).toBe(201);
      expect(res.body.spiffeId).toBe(`spiffe://edgevault.localhost/company/${company.id}/agent/${agentId}`);
      expect((await call("GET", `/v1/agents/${agentId}`, { token: company.ownerKey })).body.agentId).toBe(agentId);
      expect((await call("GET", `/v1/agents/${agentId}/svid`, { token: company.ownerKey })).status).toBe(200);
    }
  });

  it("re-registering a disabled agent updates its metadata as Vane does and leaves it disabled, with no SVID issued", async () => {
    const company = await createCompany();
    const first = await call("POST", "/v1/agents/register", { token: company.ownerKey, body: { agentId: "paused-1", metadata: { v: 1 } } });
    expect(first.body).toMatchObject({ status: "active", svid: expect.any(String) });
    await call("PATCH", "/v1/agents/paused-1", { token: company.ownerKey, body: { status: "disabled" } });
    const again = await call("POST", "/v1/agents/register", { token: company.ownerKey, body: { agentId: "paused-1", metadata: { v: 2 } } });
    expect(again).toMatchObject({
      status: 201,
      body: {
        agentId: "paused-1",
        spiffeId: `spiffe://edgevault.localhost/company/${company.id}/agent/paused-1`,
        svid: null,
        status: "disabled",
        registeredAt: first.body.registeredAt,
      },
    });
    expect((await call("GET", "/v1/agents/paused-1", { token: company.ownerKey })).body).toMatchObject({ status: "disabled", metadata: { v: 2 } });
    expect((await call("GET", "/v1/agents/paused-1/svid", { token: company.ownerKey })).body.error).toBe("agent_not_active");
  });

  it("GET /v1/agents/:agentId and /svid answer 404 for another company's agent", async () => {
    const a = await createCompany();
    const b = await createCompany();
    await call("POST", "/v1/agents/register", { token: b.ownerKey, body: { agentId: "theirs" } });
    expect((await call("GET", "/v1/agents/theirs", { token: a.ownerKey })).status).toBe(404);
    expect((await call("GET", "/v1/agents/theirs/svid", { token: a.ownerKey })).status).toBe(404);
    // The same agentId may exist in both companies.
    expect((await call("POST", "/v1/agents/register", { token: a.ownerKey, body: { agentId: "theirs" } })).status).toBe(201);
  });

  it("GET /svid issues a fresh SVID for a requested audience; an agent may fetch its own only", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const other = await inviteAgent(company.ownerKey);
    const own = await call("GET", `/v1/agents/${agent.name}/svid?audience=mcp.example.com`, { token: agent.token });
    expect(own.status).toBe(200);
    const { payload } = await jwtVerify(own.body.svid as string, await jwksOf(company.id), { audience: "mcp.example.com" });
    expect(payload.sub).toBe(own.body.spiffeId);
    expect((await call("GET", `/v1/agents/${other.name}/svid`, { token: agent.token })).status).toBe(404);
    // A person who is not an owner never signs as an agent: refused by the permission table.
    const member = await createUser(company);
    expect((await call("GET", `/v1/agents/${agent.name}/svid`, { token: member.token })).status).toBe(403);
    // Nor does an owner agent sign as another agent.
    const ownerAgent = await inviteAgent(company.ownerKey, undefined, [], "owner");
    expect((await call("GET", `/v1/agents/${agent.name}/svid`, { token: ownerAgent.token })).status).toBe(404);
    expect((await call("GET", `/v1/agents/${ownerAgent.name}/svid`, { token: ownerAgent.token })).status).toBe(200);
  });

  it("members and agents cannot register agents", async () => {
    const company = await createCompany();
    const member = await createUser(company);
    expect((await call("POST", "/v1/agents/register", { token: member.token, body: { agentId: "x-agent" } })).status).toBe(403);
    const agent = await inviteAgent(company.ownerKey);
    expect((await call("POST", "/v1/agents/register", { token: agent.token, body: { agentId: "x-agent" } })).status).toBe(403);
  });
});

describe("agent management (seed 002)", () => {
  it("info shows vaults, status and active sessions", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "member" }]);
    const session = await call("POST", "/v1/sessions", { token: agent.token, body: { vault } });
    expect(session.status).toBe(201);
    const info = await call("GET", `/v1/agents/${agent.name}`, { token: company.ownerKey });
    expect(info.body).toMatchObject({ name: agent.name, status: "active", role: "member", vaults: [{ vault, role: "member" }], activeSessions: 1 });
  });

  it("set-role, rename, disable and delete act on the very next request", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    expect((await call("GET", "/v1/whoami", { token: agent.token })).body.company_role).toBe("member");

    const promoted = await call("PATCH", `/v1/agents/${agent.name}`, { token: company.ownerKey, body: { role: "owner" } });
    expect(promoted.status).toBe(200);
    expect((await call("GET", "/v1/whoami", { token: agent.token })).body.company_role).toBe("owner");

    const newName = unique("renamed").slice(0, 40);
    const renamed = await call("PATCH", `/v1/agents/${agent.name}`, { token: company.ownerKey, body: { name: newName } });
    expect(renamed.body.agent).toMatchObject({ name: newName, spiffeId: `spiffe://${env.TRUST_DOMAIN}/company/${company.id}/agent/${newName}` });
    expect((await call("GET", "/v1/whoami", { token: agent.token })).body.name).toBe(newName);

    const disabled = await call("PATCH", `/v1/agents/${newName}`, { token: company.ownerKey, body: { status: "disabled" } });
    expect(disabled.body.agent).toMatchObject({ status: "disabled" });
    expect((await call("GET", "/v1/whoami", { token: agent.token })).status).toBe(401);
    await call("PATCH", `/v1/agents/${newName}`, { token: company.ownerKey, body: { status: "active" } });
    expect((await call("GET", "/v1/whoami", { token: agent.token })).status).toBe(200);

    expect((await call("DELETE", `/v1/agents/${newName}`, { token: company.ownerKey })).status).toBe(200);
    expect((await call("GET", "/v1/whoami", { token: agent.token })).status).toBe(401);
    expect((await call("GET", `/v1/agents/${newName}`, { token: company.ownerKey })).status).toBe(404);
    const tokens = await env.DB.prepare("SELECT count(*) AS n FROM agent_tokens WHERE company_id = ?").bind(company.id).first<{ n: number }>();
    expect(tokens?.n).toBe(0);
  });

  it("deleting an agent kills its sessions too", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "member" }]);
    const session = await call("POST", "/v1/sessions", { token: agent.token, body: { vault } });
    const sessionToken = session.body.token as string;
    expect((await call("GET", "/v1/credentials", { token: sessionToken })).status).toBe(200);
    await call("DELETE", `/v1/agents/${agent.name}`, { token: company.ownerKey });
    expect((await call("GET", "/v1/credentials", { token: sessionToken })).status).toBe(401);
  });

  it("disabling an agent stops its sessions on their next request", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "member" }]);
    const session = await call("POST", "/v1/sessions", { token: agent.token, body: { vault } });
    const sessionToken = session.body.token as string;
    expect((await call("GET", "/v1/credentials", { token: sessionToken })).status).toBe(200);
    await call("PATCH", `/v1/agents/${agent.name}`, { token: company.ownerKey, body: { status: "disabled" } });
    expect((await call("GET", "/v1/credentials", { token: sessionToken })).status).toBe(401);
  });

  it("bad input and permissions", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const other = await inviteAgent(company.ownerKey);
    const member = await createUser(company);
    expect((await call("PATCH", `/v1/agents/${agent.name}`, { token: member.token, body: { role: "owner" } })).status).toBe(403);
    expect((await call("DELETE", `/v1/agents/${agent.name}`, { token: agent.token })).status).toBe(403);
    const clash = await call("PATCH", `/v1/agents/${agent.name}`, { token: company.ownerKey, body: { name: other.name } });
    expect(clash.status).toBe(409);
    expect(clash.body.error).toBe("agent_exists");
    expect((await call("PATCH", `/v1/agents/${agent.name}`, { token: company.ownerKey, body: { capabilities: ["fly"] } })).status).toBe(400);
    expect((await call("PATCH", `/v1/agents/${agent.name}`, { token: company.ownerKey, body: { realm: "nope" } })).status).toBe(404);
    expect((await call("PATCH", `/v1/agents/${agent.name}`, { token: company.ownerKey, body: { status: "pending" } })).status).toBe(400);
    expect((await call("GET", "/v1/agents/NOT-VALID", { token: company.ownerKey })).status).toBe(404);
  });
});
