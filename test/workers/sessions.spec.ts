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

const revokedAt = async (sessionId: unknown) =>
  (await env.DB.prepare("SELECT revoked_at FROM vault_sessions WHERE id = ?").bind(sessionId).first<{ revoked_at: number | null }>())?.revoked_at ?? null;

describe("an ended session stays ended, and only what ended ends", () => {
  it("the change that ends a delegation revokes, in D1, exactly the sessions it leaves unbacked", async () => {
    const company = await createCompany();
    const [a, b] = [await createVault(company.ownerKey), await createVault(company.ownerKey)];
    const agent = await inviteAgent(company.ownerKey, undefined, [
      { vault: a, role: "member" },
      { vault: b, role: "member" },
    ]);
    const other = await inviteAgent(company.ownerKey, undefined, [{ vault: a, role: "member" }]);
    const mint = async (token: string, vault: string) => (await call("POST", "/v1/sessions", { token, body: { vault } })).body;
    const [inA, inB, othersInA] = [await mint(agent.token, a), await mint(agent.token, b), await mint(other.token, a)];

    expect((await call("DELETE", `/v1/vaults/${a}/agents/${agent.name}`, { token: company.ownerKey })).status).toBe(200);
    // Written with the ending itself: no request of the session was needed to notice it.
    expect(await revokedAt(inA.id)).not.toBeNull();
    expect(await revokedAt(inB.id)).toBeNull();
    expect(await revokedAt(othersInA.id)).toBeNull();

    // A change that leaves the minter able to mint ends nothing: raising a grant, renaming.
    expect((await call("PATCH", `/v1/vaults/${b}/agents/${agent.name}`, { token: company.ownerKey, body: { role: "admin" } })).status).toBe(200);
    expect(await revokedAt(inB.id)).toBeNull();
    expect((await call("GET", "/v1/credentials", { token: inB.token as string })).status).toBe(200);
    expect((await call("GET", "/v1/credentials", { token: othersInA.token as string })).status).toBe(200);

    // Restored, the minter mints again; the ended session is gone from the live list for good.
    expect((await call("POST", `/v1/vaults/${a}/agents`, { token: company.ownerKey, body: { agent: agent.name, role: "member" } })).status).toBe(200);
    expect((await call("GET", "/v1/credentials", { token: inA.token as string })).status).toBe(401);
    const listed = await call("GET", `/v1/sessions?vault=${a}`, { token: company.ownerKey });
    expect((listed.body.sessions as { id: string }[]).map((s) => s.id)).toEqual([othersInA.id]);
  });

  it("an ending that is refused ends nothing: the last owner's demotion is 409 and their session lives on", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const owner = await createUser(company, "owner");
    const minted = await call("POST", "/v1/sessions", { token: owner.token, body: { vault } });
    const demoted = await call("PATCH", `/v1/users/${owner.id}`, { token: company.ownerKey, body: { role: "member" } });
    expect(demoted.status).toBe(409);
    expect(await revokedAt(minted.body.id)).toBeNull();
    expect((await call("GET", "/v1/credentials", { token: minted.body.token as string })).status).toBe(200);
  });
});
