import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, createVault, unique } from "./helpers.ts";

describe("vaults", () => {
  it("create, list, get, update policy, delete", async () => {
    const company = await createCompany();
    const name = unique("v");
    const created = await call("POST", "/v1/vaults", { token: company.ownerKey, body: { name } });
    expect(created.status).toBe(201);
    expect(created.body.vault).toMatchObject({ name, unmatched_host_policy: "passthrough", role: "admin" });

    const list = await call("GET", "/v1/vaults", { token: company.ownerKey });
    expect((list.body.vaults as { name: string }[]).map((v) => v.name)).toEqual(["default", name]);

    const updated = await call("PATCH", `/v1/vaults/${name}`, { token: company.ownerKey, body: { unmatched_host_policy: "deny" } });
    expect(updated.status).toBe(200);
    expect((await call("GET", `/v1/vaults/${name}`, { token: company.ownerKey })).body.vault).toMatchObject({ unmatched_host_policy: "deny" });

    const bad = await call("PATCH", `/v1/vaults/${name}`, { token: company.ownerKey, body: { unmatched_host_policy: "open" } });
    expect(bad.status).toBe(400);

    expect((await call("DELETE", `/v1/vaults/${name}`, { token: company.ownerKey })).status).toBe(200);
    expect((await call("GET", `/v1/vaults/${name}`, { token: company.ownerKey })).status).toBe(404);
  });

  it("duplicate and bad names", async () => {
    const company = await createCompany();
    const name = await createVault(company.ownerKey);
    const dup = await call("POST", "/v1/vaults", { token: company.ownerKey, body: { name } });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toBe("vault_exists");
    for (const bad of ["", "UPPER", "with space", "-x", "a".repeat(65), "dots.no"]) {
      const res = await call("POST", "/v1/vaults", { token: company.ownerKey, body: { name: bad } });
      expect(res.status, bad).toBe(400);
    }
  });

  it("per-vault roles: proxy < member < admin", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const proxy = await createUser(company);
    const member = await createUser(company);
    const admin = await createUser(company);
    const stranger = await createUser(company);
    for (const [user, role] of [
      [proxy, "proxy"],
      [member, "member"],
      [admin, "admin"],
    ] as const) {
      const res = await call("POST", `/v1/vaults/${vault}/users`, { token: company.ownerKey, body: { email: user.email, role } });
      expect(res.status).toBe(200);
    }
    // Reading the vault: any role; a company member without a grant is refused.
    expect((await call("GET", `/v1/vaults/${vault}`, { token: proxy.token })).body.vault).toMatchObject({ role: "proxy" });
    expect((await call("GET", `/v1/vaults/${vault}`, { token: stranger.token })).status).toBe(403);
    expect((await call("GET", "/v1/vaults", { token: stranger.token })).body.vaults).toEqual([]);

    // Writing credentials: member or higher.
    const cred = (token: string) => call("POST", "/v1/credentials", { token, body: { vault, credentials: { K: "v" } } });
    expect((await cred(proxy.token)).status).toBe(403);
    expect((await cred(member.token)).status).toBe(200);

    // Settings and grants: admin only.
    const patch = (token: string) => call("PATCH", `/v1/vaults/${vault}`, { token, body: { unmatched_host_policy: "deny" } });
    expect((await patch(member.token)).status).toBe(403);
    expect((await patch(admin.token)).status).toBe(200);
    expect((await call("GET", `/v1/vaults/${vault}/users`, { token: member.token })).status).toBe(403);
    const users = await call("GET", `/v1/vaults/${vault}/users`, { token: admin.token });
    expect((users.body.users as { role: string }[]).map((u) => u.role).sort()).toEqual(["admin", "member", "proxy"]);

    // Change and remove grants.
    expect((await call("PATCH", `/v1/vaults/${vault}/users/${proxy.id}`, { token: admin.token, body: { role: "member" } })).status).toBe(200);
    expect((await cred(proxy.token)).status).toBe(200);
    expect((await call("DELETE", `/v1/vaults/${vault}/users/${proxy.id}`, { token: admin.token })).status).toBe(200);
    expect((await cred(proxy.token)).status).toBe(403);
    expect((await call("DELETE", `/v1/vaults/${vault}/users/${proxy.id}`, { token: admin.token })).status).toBe(404);
  });

  it("a member who creates a vault administers it; bad roles are refused", async () => {
    const company = await createCompany();
    const member = await createUser(company);
    const vault = await createVault(member.token);
    expect((await call("GET", `/v1/vaults/${vault}`, { token: member.token })).body.vault).toMatchObject({ role: "admin" });
    const bad = await call("POST", `/v1/vaults/${vault}/users`, { token: member.token, body: { email: member.email, role: "owner" } });
    expect(bad.status).toBe(400);
    const nobody = await call("POST", `/v1/vaults/${vault}/users`, { token: member.token, body: { email: "nobody@example.com", role: "proxy" } });
    expect(nobody.status).toBe(404);
  });

  it("another company's vault answers 404 and its users cannot be granted", async () => {
    const company = await createCompany();
    const other = await createCompany();
    const theirs = await createVault(other.ownerKey);
    const theirUser = await createUser(other);
    expect((await call("GET", `/v1/vaults/${theirs}`, { token: company.ownerKey })).status).toBe(404);
    expect((await call("PATCH", `/v1/vaults/${theirs}`, { token: company.ownerKey, body: { unmatched_host_policy: "deny" } })).status).toBe(404);
    expect((await call("DELETE", `/v1/vaults/${theirs}`, { token: company.ownerKey })).status).toBe(404);
    const mine = await createVault(company.ownerKey);
    const grant = await call("POST", `/v1/vaults/${mine}/users`, { token: company.ownerKey, body: { email: theirUser.email, role: "admin" } });
    expect(grant.status).toBe(404);
    expect((await call("GET", `/v1/vaults/${theirs}`, { token: other.ownerKey })).status).toBe(200);
  });

  it("the same vault name may exist in two companies without clashing", async () => {
    const a = await createCompany();
    const b = await createCompany();
    const name = unique("shared");
    await createVault(a.ownerKey, name);
    await createVault(b.ownerKey, name);
    await call("POST", "/v1/credentials", { token: a.ownerKey, body: { vault: name, credentials: { ONLY_A: "x" } } });
    const listB = await call("GET", `/v1/credentials?vault=${name}`, { token: b.ownerKey });
    expect(listB.body.keys).toEqual([]);
  });
});
