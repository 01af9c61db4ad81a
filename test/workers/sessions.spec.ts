import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, createVault, inviteAgent } from "./helpers.ts";

describe("vault-scoped sessions", () => {
  it("a member mints a session that acts with the proxy role in one vault, without X-Vault", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const otherVault = await createVault(company.ownerKey);
    const user = await createUser(company);
    await call("POST", `/v1/vaults/${vault}/users`, { token: company.ownerKey, body: { email: user.email, role: "member" } });
    await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials: { K: "v" } } });

    const minted = await call("POST", "/v1/sessions", { token: user.token, body: { vault, label: "laptop" } });
    expect(minted.status).toBe(201);
    expect(minted.body).toMatchObject({ vault, addr: "https://edge.test" });
    const token = minted.body.token as string;
    expect(token).toMatch(/^evs_/);
    const expires = Date.parse(minted.body.expires_at as string) - Date.now();
    expect(expires).toBeGreaterThan(23 * 3600_000);
    expect(expires).toBeLessThanOrEqual(24 * 3600_000);

    expect((await call("GET", "/v1/credentials", { token })).body).toEqual({ vault, keys: ["K"] });
    expect((await call("GET", "/v1/credentials", { token, headers: { "X-Vault": otherVault } })).status).toBe(403);
    expect((await call("POST", "/v1/credentials", { token, body: { credentials: { X: "y" } } })).status).toBe(403);
    expect((await call("POST", "/v1/sessions", { token, body: { vault } })).status).toBe(403);
    expect((await call("GET", "/v1/whoami", { token })).body).toMatchObject({ kind: "vault_session" });
  });

  it("TTL bounds, proxy role cannot mint, unknown vault 404", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    for (const ttl_seconds of [60, 8 * 24 * 3600, 1.5]) {
      expect((await call("POST", "/v1/sessions", { token: company.ownerKey, body: { vault, ttl_seconds } })).status).toBe(400);
    }
    expect((await call("POST", "/v1/sessions", { token: company.ownerKey, body: { vault, ttl_seconds: 300 } })).status).toBe(201);
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
    expect((await call("POST", "/v1/sessions", { token: agent.token, body: { vault } })).status).toBe(403);
    expect((await call("POST", "/v1/sessions", { token: company.ownerKey, body: { vault: "no-such" } })).status).toBe(404);
  });

  it("an expired session is refused", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const minted = await call("POST", "/v1/sessions", { token: company.ownerKey, body: { vault, ttl_seconds: 300 } });
    await env.DB.prepare("UPDATE vault_sessions SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, minted.body.id)
      .run();
    expect((await call("GET", "/v1/credentials", { token: minted.body.token as string })).status).toBe(401);
  });

  it("list and revoke: revocation acts on the very next request", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const user = await createUser(company);
    await call("POST", `/v1/vaults/${vault}/users`, { token: company.ownerKey, body: { email: user.email, role: "member" } });
    const mine = await call("POST", "/v1/sessions", { token: user.token, body: { vault } });
    const admins = await call("POST", "/v1/sessions", { token: company.ownerKey, body: { vault } });
    const userList = await call("GET", `/v1/sessions?vault=${vault}`, { token: user.token });
    expect((userList.body.sessions as { id: string }[]).map((s) => s.id)).toEqual([mine.body.id]);
    const adminList = await call("GET", `/v1/sessions?vault=${vault}`, { token: company.ownerKey });
    expect((adminList.body.sessions as unknown[]).length).toBe(2);
    expect(adminList.text).not.toContain(mine.body.token as string);

    expect((await call("DELETE", `/v1/sessions/${admins.body.id as string}`, { token: user.token })).status).toBe(404);
    const token = mine.body.token as string;
    expect((await call("GET", "/v1/credentials", { token })).status).toBe(200);
    expect((await call("DELETE", `/v1/sessions/${mine.body.id as string}`, { token: user.token })).status).toBe(200);
    expect((await call("GET", "/v1/credentials", { token })).status).toBe(401);
  });

  it("a session dies with the user who minted it", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const user = await createUser(company);
    await call("POST", `/v1/vaults/${vault}/users`, { token: company.ownerKey, body: { email: user.email, role: "member" } });
    const minted = await call("POST", "/v1/sessions", { token: user.token, body: { vault } });
    expect((await call("GET", "/v1/credentials", { token: minted.body.token as string })).status).toBe(200);
    await call("DELETE", `/v1/users/${user.id}`, { token: company.ownerKey });
    expect((await call("GET", "/v1/credentials", { token: minted.body.token as string })).status).toBe(401);
  });
});
