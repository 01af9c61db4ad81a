import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_LIVE_SESSIONS_PER_MINTER } from "../../workers/sessions/sessions.contract.ts";
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

describe("a session minted while its minter loses access never outlives that ending", () => {
  it("the mint lands before the ending (and is revoked by it) or not at all: restoring the minter revives none", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "member" }]);
    const mint = () => call("POST", "/v1/sessions", { token: agent.token, body: { vault, ttl_seconds: 300 } });
    // Mints race the grant's removal; every one that was answered 201 is judged after the grant is back.
    const racing = Array.from({ length: 12 }, mint);
    const removed = call("DELETE", `/v1/vaults/${vault}/agents/${agent.name}`, { token: company.ownerKey });
    const answers = [...(await Promise.all(racing)), ...(await Promise.all(Array.from({ length: 6 }, mint)))];
    expect((await removed).status).toBe(200);
    const restored = await call("POST", `/v1/vaults/${vault}/agents`, { token: company.ownerKey, body: { agent: agent.name, role: "member" } });
    expect(restored.status).toBe(200);

    const minted = answers.filter((a) => a.status === 201);
    expect(answers.filter((a) => a.status !== 201).map((a) => a.body.error)).toEqual(answers.filter((a) => a.status !== 201).map(() => "forbidden"));
    for (const session of minted) {
      expect((await call("GET", "/v1/credentials", { token: session.body.token as string })).status).toBe(401);
    }
    // Whatever landed is marked revoked in D1, so no later restoring can bring it back.
    const live = await env.DB.prepare(
      "SELECT count(*) AS n FROM vault_sessions WHERE principal_id = (SELECT id FROM agents WHERE company_id = ? AND name = ?) AND revoked_at IS NULL",
    )
      .bind(company.id, agent.name)
      .first<{ n: number }>();
    expect(live?.n).toBe(0);
    expect((await mint()).status).toBe(201);
  });

  it("a mint whose minter was disabled as it landed is refused whole: no session row, no audit row", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "member" }]);
    expect((await call("GET", "/v1/vaults", { token: agent.token })).status).toBe(200); // its gate is warm now
    // As if a disabling landed between the mint's checks and its write: D1 changes, nothing is invalidated yet.
    await env.DB.prepare("UPDATE agents SET status = 'disabled' WHERE company_id = ? AND name = ?").bind(company.id, agent.name).run();
    const refused = await call("POST", "/v1/sessions", { token: agent.token, body: { vault } });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe("forbidden");
    const rows = await env.DB.prepare(
      "SELECT (SELECT count(*) FROM vault_sessions WHERE principal_id = a.id) AS sessions, (SELECT count(*) FROM audit_log WHERE actor_id = a.id AND action = 'session.create') AS audits FROM agents a WHERE a.company_id = ? AND a.name = ?",
    )
      .bind(company.id, agent.name)
      .first<{ sessions: number; audits: number }>();
    expect(rows).toEqual({ sessions: 0, audits: 0 });
  });
});

describe("one minter holds at most MAX_LIVE_SESSIONS_PER_MINTER live sessions in a vault", () => {
  it("past the cap a mint is 429 too_many_sessions, under parallel mints too; revoking one makes room", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const first = await call("POST", "/v1/sessions", { token: company.ownerKey, body: { vault, ttl_seconds: 300 } });
    expect(first.status).toBe(201);
    // Fill up to one below the cap with copies of the first row (the cap counts rows, not tokens).
    const row = await env.DB.prepare("SELECT * FROM vault_sessions WHERE id = ?").bind(first.body.id).first<Record<string, unknown>>();
    const copies = Array.from({ length: MAX_LIVE_SESSIONS_PER_MINTER - 2 }, (_, i) =>
      env.DB.prepare(
        "INSERT INTO vault_sessions (id, company_id, vault_id, principal_type, principal_id, minted_with, label, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ).bind(
        `ses_copy${i}`,
        row?.company_id,
        row?.vault_id,
        row?.principal_type,
        row?.principal_id,
        row?.minted_with,
        "",
        `hash${i}`,
        row?.created_at,
        row?.expires_at,
      ),
    );
    await env.DB.batch(copies);
    const parallel = await Promise.all(Array.from({ length: 25 }, () => call("POST", "/v1/sessions", { token: company.ownerKey, body: { vault } })));
    expect(parallel.filter((a) => a.status === 201)).toHaveLength(1);
    expect(new Set(parallel.filter((a) => a.status !== 201).map((a) => `${a.status} ${a.body.error}`))).toEqual(new Set(["429 too_many_sessions"]));
    expect((await call("DELETE", `/v1/sessions/${first.body.id}`, { token: company.ownerKey })).status).toBe(200);
    expect((await call("POST", "/v1/sessions", { token: company.ownerKey, body: { vault } })).status).toBe(201);
  });
});
