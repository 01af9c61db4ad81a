import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, createVault, inviteAgent } from "./helpers.ts";

describe("agents in vaults (seed 002 vault agent …)", () => {
  it("list, add, set-role and remove take effect on the agent's next request", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const agent = await inviteAgent(company.ownerKey);
    const creds = () => call("GET", "/v1/credentials", { token: agent.token, headers: { "X-Vault": vault } });
    const write = () => call("POST", "/v1/credentials", { token: agent.token, headers: { "X-Vault": vault }, body: { credentials: { K: "v" } } });
    expect((await creds()).status).toBe(403);

    const add = await call("POST", `/v1/vaults/${vault}/agents`, { token: company.ownerKey, body: { agent: agent.name } });
    expect(add.status).toBe(200);
    expect(add.body.agent).toMatchObject({ agent: agent.name, role: "proxy" });
    expect((await creds()).status).toBe(200);
    expect((await write()).status).toBe(403);

    const list = await call("GET", `/v1/vaults/${vault}/agents`, { token: company.ownerKey });
    expect(list.body.agents).toEqual([{ agent: agent.name, role: "proxy", status: "active" }]);

    expect((await call("PATCH", `/v1/vaults/${vault}/agents/${agent.name}`, { token: company.ownerKey, body: { role: "member" } })).status).toBe(200);
    expect((await write()).status).toBe(200);

    expect((await call("DELETE", `/v1/vaults/${vault}/agents/${agent.name}`, { token: company.ownerKey })).status).toBe(200);
    expect((await creds()).status).toBe(403);
    expect((await call("DELETE", `/v1/vaults/${vault}/agents/${agent.name}`, { token: company.ownerKey })).status).toBe(404);
  });

  it("a grant cannot exceed the granter's role; set-role and remove need admin", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const member = await createUser(company);
    await call("POST", `/v1/vaults/${vault}/users`, { token: company.ownerKey, body: { email: member.email, role: "member" } });
    const agent = await inviteAgent(company.ownerKey);
    const above = await call("POST", `/v1/vaults/${vault}/agents`, { token: member.token, body: { agent: agent.name, role: "admin" } });
    expect(above.status).toBe(403);
    expect(above.body.error).toBe("grant_exceeds_own_role");
    expect((await call("POST", `/v1/vaults/${vault}/agents`, { token: member.token, body: { agent: agent.name, role: "member" } })).status).toBe(200);
    expect((await call("PATCH", `/v1/vaults/${vault}/agents/${agent.name}`, { token: member.token, body: { role: "proxy" } })).status).toBe(403);
    expect((await call("DELETE", `/v1/vaults/${vault}/agents/${agent.name}`, { token: member.token })).status).toBe(403);
  });

  it("unknown agents, bad roles and another company's agents", async () => {
    const company = await createCompany();
    const other = await createCompany();
    const vault = await createVault(company.ownerKey);
    const theirs = await inviteAgent(other.ownerKey);
    expect((await call("POST", `/v1/vaults/${vault}/agents`, { token: company.ownerKey, body: { agent: theirs.name } })).status).toBe(404);
    expect((await call("POST", `/v1/vaults/${vault}/agents`, { token: company.ownerKey, body: { agent: "nobody-here" } })).status).toBe(404);
    const mine = await inviteAgent(company.ownerKey);
    expect((await call("POST", `/v1/vaults/${vault}/agents`, { token: company.ownerKey, body: { agent: mine.name, role: "root" } })).status).toBe(400);
    const theirVault = await createVault(other.ownerKey);
    expect((await call("POST", `/v1/vaults/${theirVault}/agents`, { token: company.ownerKey, body: { agent: mine.name } })).status).toBe(404);
  });
});
