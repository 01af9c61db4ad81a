import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, createVault, inviteAgent, redeem, unique } from "./helpers.ts";

const agentName = () => unique("bot").slice(0, 40);

describe("agent invites (seed 002)", () => {
  it("an invite is a paste-able prompt whose URL redeems once for a token and the protocol", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const name = agentName();
    const invite = await call("POST", "/v1/agents/invites", { token: company.ownerKey, body: { name, vaults: [{ vault, role: "proxy" }] } });
    expect(invite.status).toBe(201);
    const url = invite.body.invite_url as string;
    expect(url).toMatch(/^https:\/\/edge\.test\/invite\/evi_/);
    expect(invite.body.prompt as string).toContain(url);
    const expires = Date.parse(invite.body.expires_at as string);
    expect(expires - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(15 * 60_000);

    const redeemed = await redeem(url);
    expect(redeemed.status).toBe(200);
    expect(redeemed.body.agent).toEqual({ name, role: "member" });
    expect(redeemed.body.vaults).toEqual([{ vault, role: "proxy" }]);
    expect(redeemed.body.instructions as string).toContain("/discover");
    expect(redeemed.body.instructions as string).toContain("X-Vault");
    const token = redeemed.body.token as string;
    expect(token).toMatch(/^eva_/);

    const who = await call("GET", "/v1/whoami", { token });
    expect(who.body).toMatchObject({ kind: "agent", name, company: { id: company.id } });
    const creds = await call("GET", "/v1/credentials", { token, headers: { "X-Vault": vault } });
    expect(creds.status).toBe(200);

    const again = await redeem(url);
    expect(again.status).toBe(410);
    expect(again.body.error).toBe("invite_used");
    const stored = await env.DB.prepare("SELECT token_hash FROM agent_tokens WHERE company_id = ?").bind(company.id).all();
    expect(JSON.stringify(stored.results)).not.toContain(token);
  });

  it("one invite redeemed twice at once: exactly one success", async () => {
    const company = await createCompany();
    const invite = await call("POST", "/v1/agents/invites", { token: company.ownerKey, body: { name: agentName() } });
    const url = invite.body.invite_url as string;
    const results = await Promise.all([redeem(url), redeem(url), redeem(url)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 410, 410]);
    const agents = await env.DB.prepare("SELECT count(*) AS n FROM agents WHERE company_id = ?").bind(company.id).first<{ n: number }>();
    expect(agents?.n).toBe(1);
  });

  it("expired and revoked invites answer 410 with distinct codes; unknown ones 404", async () => {
    const company = await createCompany();
    const expired = await call("POST", "/v1/agents/invites", { token: company.ownerKey, body: { name: agentName() } });
    await env.DB.prepare("UPDATE invites SET expires_at = ? WHERE token_suffix = ?")
      .bind(Date.now() - 1, expired.body.token_suffix)
      .run();
    const e = await redeem(expired.body.invite_url as string);
    expect(e.status).toBe(410);
    expect(e.body.error).toBe("invite_expired");

    const revoked = await call("POST", "/v1/agents/invites", { token: company.ownerKey, body: { name: agentName() } });
    const suffix = revoked.body.token_suffix as string;
    const del = await call("DELETE", `/v1/agents/invites/${suffix.slice(-6)}`, { token: company.ownerKey });
    expect(del.status).toBe(200);
    const r = await redeem(revoked.body.invite_url as string);
    expect(r.status).toBe(410);
    expect(r.body.error).toBe("invite_revoked");

    const unknown = await call("POST", "/invite/evi_nothing_here");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe("invite_not_found");
  });

  it("lists pending invites and revokes by token suffix", async () => {
    const company = await createCompany();
    const a = await call("POST", "/v1/agents/invites", { token: company.ownerKey, body: { name: agentName() } });
    const b = await call("POST", "/v1/agents/invites", { token: company.ownerKey, body: { name: agentName() } });
    const list = await call("GET", "/v1/agents/invites?status=pending", { token: company.ownerKey });
    expect((list.body.invites as { token_suffix: string }[]).map((i) => i.token_suffix).sort()).toEqual([a.body.token_suffix, b.body.token_suffix].sort());
    expect(list.text).not.toContain(new URL(a.body.invite_url as string).pathname.split("/").pop());

    // Suffixes can contain "_" and "-": revocation must match them literally.
    const revoke = await call("DELETE", `/v1/agents/invites/${a.body.token_suffix as string}`, { token: company.ownerKey });
    expect(revoke.status).toBe(200);
    expect(revoke.body.name).toBe(a.body.name);
    const after = await call("GET", "/v1/agents/invites", { token: company.ownerKey });
    expect((after.body.invites as unknown[]).length).toBe(1);
    const revokedList = await call("GET", "/v1/agents/invites?status=revoked", { token: company.ownerKey });
    expect((revokedList.body.invites as { status: string }[])[0]?.status).toBe("revoked");
    expect((await call("DELETE", `/v1/agents/invites/${a.body.token_suffix as string}`, { token: company.ownerKey })).status).toBe(404);

    const other = await createCompany();
    expect((await call("DELETE", `/v1/agents/invites/${b.body.token_suffix as string}`, { token: other.ownerKey })).status).toBe(404);
  });

  it("limits: TTL bounds, 50 pending, names, duplicates", async () => {
    const company = await createCompany();
    for (const body of [
      { name: ".." },
      { name: "has space" },
      { name: "x".repeat(129) },
      { name: "ok-name", ttl_seconds: 8 * 24 * 3600 },
      { name: "ok-name", ttl_seconds: 10 },
      { name: "ok-name", vaults: [{ vault: "x", role: "root" }] },
    ]) {
      const res = await call("POST", "/v1/agents/invites", { token: company.ownerKey, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const week = await call("POST", "/v1/agents/invites", { token: company.ownerKey, body: { name: "week-long", ttl_seconds: 7 * 24 * 3600 } });
    expect(week.status).toBe(201);
    const dup = await call("POST", "/v1/agents/invites", { token: company.ownerKey, body: { name: "week-long" } });
    expect(dup.body.error).toBe("invite_pending");
    for (let i = 1; i < 50; i++) {
      const res = await call("POST", "/v1/agents/invites", { token: company.ownerKey, body: { name: `bulk-${i}` } });
      expect(res.status).toBe(201);
    }
    const over = await call("POST", "/v1/agents/invites", { token: company.ownerKey, body: { name: "one-too-many" } });
    expect(over.status).toBe(429);
    expect(over.body.error).toBe("too_many_invites");
  });

  it("roles: only owners invite owner agents; a grant cannot exceed the inviter's own vault role", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const member = await createUser(company);
    await call("POST", `/v1/vaults/${vault}/users`, { token: company.ownerKey, body: { email: member.email, role: "member" } });
    const owner = await call("POST", "/v1/agents/invites", { token: member.token, body: { name: agentName(), role: "owner" } });
    expect(owner.status).toBe(403);
    const above = await call("POST", "/v1/agents/invites", { token: member.token, body: { name: agentName(), vaults: [{ vault, role: "admin" }] } });
    expect(above.status).toBe(403);
    expect(above.body.error).toBe("grant_exceeds_own_role");
    const ok = await call("POST", "/v1/agents/invites", { token: member.token, body: { name: agentName(), vaults: [{ vault, role: "member" }] } });
    expect(ok.status).toBe(201);
    const unknownVault = await call("POST", "/v1/agents/invites", {
      token: company.ownerKey,
      body: { name: agentName(), vaults: [{ vault: "no-such-vault", role: "proxy" }] },
    });
    expect(unknownVault.status).toBe(404);
    const existing = await inviteAgent(company.ownerKey);
    const taken = await call("POST", "/v1/agents/invites", { token: company.ownerKey, body: { name: existing.name } });
    expect(taken.body.error).toBe("agent_exists");
    // Agents cannot invite agents.
    expect((await call("POST", "/v1/agents/invites", { token: existing.token, body: { name: agentName() } })).status).toBe(403);
  });
});

describe("rotation", () => {
  it("the old token fails on the very next request once the rotation invite is redeemed", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    expect((await call("GET", "/v1/whoami", { token: agent.token })).status).toBe(200); // warm the gate
    const rotation = await call("POST", `/v1/agents/${agent.name}/rotate`, { token: company.ownerKey });
    expect(rotation.status).toBe(201);
    expect(rotation.body.kind).toBe("rotation");
    expect(rotation.body.prompt as string).toContain("old token stops working");
    // Until redeemed, the old token keeps working.
    expect((await call("GET", "/v1/whoami", { token: agent.token })).status).toBe(200);

    const redeemed = await redeem(rotation.body.invite_url as string);
    expect(redeemed.status).toBe(200);
    const fresh = redeemed.body.token as string;
    expect(fresh).not.toBe(agent.token);
    const old = await call("GET", "/v1/whoami", { token: agent.token });
    expect(old.status).toBe(401);
    expect((await call("GET", "/v1/whoami", { token: fresh })).body).toMatchObject({ kind: "agent", name: agent.name });
  });

  it("redeeming a rotation revokes older pending rotation invites for the agent", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const older = await call("POST", `/v1/agents/${agent.name}/rotate`, { token: company.ownerKey });
    const newer = await call("POST", `/v1/agents/${agent.name}/rotate`, { token: company.ownerKey });
    const fresh = await redeem(newer.body.invite_url as string);
    expect(fresh.status).toBe(200);
    const stale = await redeem(older.body.invite_url as string);
    expect(stale.status).toBe(410);
    expect(stale.body.error).toBe("invite_revoked");
    expect((await call("GET", "/v1/whoami", { token: fresh.body.token as string })).status).toBe(200);
  });

  it("rotating an unknown or another company's agent is 404", async () => {
    const company = await createCompany();
    const other = await createCompany();
    const theirs = await inviteAgent(other.ownerKey);
    expect((await call("POST", `/v1/agents/${theirs.name}/rotate`, { token: company.ownerKey })).status).toBe(404);
    expect((await call("POST", "/v1/agents/nobody-here/rotate", { token: company.ownerKey })).status).toBe(404);
  });
});
