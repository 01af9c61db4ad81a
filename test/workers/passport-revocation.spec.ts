/**
 * A passport after issuance: revoked at once for every reader that asks (OCSP, server-side
 * verification, the revoked list), ended in the very change that takes its backing away, rotated
 * as Vane rotates, and never issued past its cap or past its agent's ending, however requests race.
 */
import { createPublicKey, verify } from "node:crypto";
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, inviteAgent, redeem, unique } from "./helpers.ts";
import { issue, ocsp, segmentsOf, signedByCompany } from "./passport-support.ts";

/** Sorted-key JSON of a flat object of strings: RFC 8785's form for what a status signs, written out here. */
const jcsOfFlat = (value: Record<string, unknown>) =>
  `{${Object.keys(value)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${JSON.stringify(value[key])}`)
    .join(",")}}`;

/** Vane's `verifyPayload` over an OCSP answer: Ed25519 over the canonical JSON of all but caPublicKey and signature. */
function statusSignatureHolds(status: Record<string, unknown>): boolean {
  const { caPublicKey, signature, ...data } = status;
  return verify(null, Buffer.from(jcsOfFlat(data)), createPublicKey(caPublicKey as string), Buffer.from(signature as string, "base64url"));
}

/** `count` passports of the agent `row` belongs to, written straight to D1 as issuance would (revoked at `revokedAt` when given). */
async function seedPassports(
  count: number,
  seed: { companyId: string; agentName: string; row: Record<string, unknown> | null; issuedAt: number; revokedAt?: number },
): Promise<void> {
  await env.DB.batch(
    Array.from({ length: count }, (_, i) =>
      env.DB.prepare(
        "INSERT INTO passports (jti, company_id, agent_id, agent_name, scopes, issued_at, expires_at, issued_by_type, issued_by_id, agent_token_id, revoked_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ).bind(
        crypto.randomUUID(),
        seed.companyId,
        seed.row?.agent_id,
        seed.agentName,
        "[]",
        seed.issuedAt,
        seed.row?.expires_at,
        "company_key",
        "seed",
        seed.row?.agent_token_id,
        seed.revokedAt === undefined ? null : seed.revokedAt + i,
        seed.revokedAt === undefined ? null : "seeded",
      ),
    ),
  );
}

const livePassports = async (agentName: string, companyId: string) =>
  (
    await env.DB.prepare("SELECT count(*) AS n FROM passports WHERE company_id = ? AND agent_name = ? AND revoked_at IS NULL")
      .bind(companyId, agentName)
      .first<{ n: number }>()
  )?.n;

describe("revoking a passport is immediate for OCSP, server-side verification and the revoked list", () => {
  it("valid, then revoked with its reason: each status signed by the CA key, cacheable briefly while valid", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const { passport, jti } = await issue(company.ownerKey, agent.name, { scopes: ["tool:search"] });

    const before = await call("GET", `/v1/ocsp/${jti}`, { token: agent.token });
    expect(before.body).toMatchObject({ jti, companyId: company.id, status: "valid" });
    expect(before.body.revokedAt).toBeUndefined();
    expect(statusSignatureHolds(before.body)).toBe(true);
    expect(statusSignatureHolds({ ...before.body, status: "revoked" })).toBe(false);
    expect(before.headers.get("Cache-Control")).toBe("private, max-age=60");

    const verified = await call("POST", "/v1/passport/verify", { token: company.ownerKey, body: { passport, tool: "search" } });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ valid: true, scopeGranted: "tool:search" });
    expect(verified.body.receipt).toMatchObject({ v: 1, type: "CounselAttestationReceipt", passportId: jti, agentId: agent.name, tool: "search" });

    const revoked = await call("POST", `/v1/passports/${jti}/revoke`, { token: company.ownerKey, body: { reason: "agent compromised" } });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ jti, reason: "agent compromised" });
    expect(Date.parse(revoked.body.revokedAt as string)).toBeGreaterThan(0);
    expect(await call("POST", `/v1/passports/${jti}/revoke`, { token: company.ownerKey })).toMatchObject({ status: 409, body: { code: "PASSPORT_REVOKED" } });

    const after = await call("GET", `/v1/ocsp/${jti}`, { token: agent.token });
    expect(after.body).toMatchObject({ status: "revoked", reason: "agent compromised", revokedAt: revoked.body.revokedAt });
    expect(statusSignatureHolds(after.body)).toBe(true);
    expect(Number(/max-age=(\d+)/.exec(after.headers.get("Cache-Control") ?? "")?.[1])).toBeGreaterThan(3000);

    const again = await call("POST", "/v1/passport/verify", { token: company.ownerKey, body: { passport } });
    expect(again).toMatchObject({ status: 400, body: { valid: false, code: "PASSPORT_REVOKED" } });
    const list = await call("GET", "/v1/passports/revoked", { token: company.ownerKey });
    expect(list.body.revoked).toEqual([{ jti, revokedAt: revoked.body.revokedAt, reason: "agent compromised" }]);

    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE company_id = ? AND action LIKE 'passport.%' ORDER BY id")
      .bind(company.id)
      .all<{ action: string }>();
    expect(audit.results.map((row) => row.action)).toEqual(["passport.issue", "passport.revoke"]);
    expect(JSON.stringify(audit.results)).not.toContain(passport.split(".")[2]);
  });

  it("an agent revokes its own passports, never another's; a member none; an owner agent never a fellow owner agent's; another company finds nothing", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const other = await inviteAgent(company.ownerKey);
    const ownerAgent = await inviteAgent(company.ownerKey, undefined, [], "owner");
    const fellow = await inviteAgent(company.ownerKey, undefined, [], "owner");
    const member = await createUser(company, "member");
    const revoke = async (token: string, agentName: string) =>
      (await call("POST", `/v1/passports/${(await issue(company.ownerKey, agentName)).jti}/revoke`, { token })).status;
    expect(await revoke(agent.token, agent.name)).toBe(200);
    expect(await revoke(agent.token, other.name)).toBe(404);
    expect(await revoke(member.token, agent.name)).toBe(403);
    expect(await revoke(ownerAgent.token, agent.name)).toBe(200);
    expect(await revoke(ownerAgent.token, fellow.name)).toBe(403);
    expect(await revoke((await createCompany()).ownerKey, agent.name)).toBe(404);
    const foreign = await createCompany();
    expect((await call("GET", `/v1/ocsp/${(await issue(company.ownerKey, agent.name)).jti}`, { token: foreign.ownerKey })).status).toBe(404);
  });
});

describe("server-side verification refuses as Vane's verifier does, naming Vane's code", () => {
  it("expired, not yet valid, another audience, tampered, another company's, malformed, an SVID, a scope not covered", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const issued = await issue(company.ownerKey, agent.name, { scopes: ["tool:search"] });
    const claims = segmentsOf(issued.passport).claims;
    const now = Math.floor(Date.now() / 1000);
    const verifyCode = async (passport: string, tool?: string) => {
      const res = await call("POST", "/v1/passport/verify", { token: company.ownerKey, body: { passport, ...(tool ? { tool } : {}) } });
      expect(res.status, res.text).toBe(400);
      expect(res.body).toMatchObject({ error: "passport_invalid", valid: false });
      return res.body.code;
    };
    expect(await verifyCode(await signedByCompany(company.id, { ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 }))).toBe("TOKEN_EXPIRED");
    expect(await verifyCode(await signedByCompany(company.id, { ...claims, nbf: now + 3600 }))).toBe("TOKEN_NOT_YET_VALID");
    expect(await verifyCode(await signedByCompany(company.id, { ...claims, aud: ["edgevault"] }))).toBe("AUDIENCE_MISMATCH");
    expect(await verifyCode(await signedByCompany(company.id, { ...claims, counsel: { ...claims.counsel, delegationChain: [claims.iss] } }))).toBe(
      "CHAIN_INCOHERENT",
    );
    const [h, , s] = issued.passport.split(".");
    const widened = Buffer.from(JSON.stringify({ ...claims, counsel: { ...claims.counsel, scopes: ["*"] } })).toString("base64url");
    expect(await verifyCode(`${h}.${widened}.${s}`)).toBe("SIGNATURE_INVALID");
    const foreign = await createCompany();
    expect(await verifyCode((await issue(foreign.ownerKey, (await inviteAgent(foreign.ownerKey)).name)).passport)).toBe("SIGNATURE_INVALID");
    expect(await verifyCode("not.a-passport")).toBe("MALFORMED_TOKEN");
    const svid = await call("GET", `/v1/agents/${agent.name}/svid`, { token: agent.token });
    expect(await verifyCode(svid.body.svid as string)).toBe("WRONG_TOKEN_TYPE");
    expect(await verifyCode(await signedByCompany(company.id, claims, "JWT"))).toBe("WRONG_TOKEN_TYPE");
    expect(await verifyCode(issued.passport, "delete")).toBe("SCOPE_DENIED");
  });
});

describe("an agent's passports end in the very change that takes their backing away, and stay ended", () => {
  it("disabling revokes them at once; enabling again revives none, and new ones are good", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const { jti } = await issue(company.ownerKey, agent.name);
    await call("PATCH", `/v1/agents/${agent.name}`, { token: company.ownerKey, body: { status: "disabled" } });
    expect(await ocsp(company.ownerKey, jti)).toMatchObject({ status: "revoked", reason: "agent disabled" });
    await call("PATCH", `/v1/agents/${agent.name}`, { token: company.ownerKey, body: { status: "active" } });
    expect(await ocsp(company.ownerKey, jti)).toMatchObject({ status: "revoked" });
    expect((await ocsp(company.ownerKey, (await issue(company.ownerKey, agent.name)).jti)).status).toBe("valid");
  });

  it("deleting the agent revokes them (their record outlives it), and renaming it does (they name the old SPIFFE ID)", async () => {
    const company = await createCompany();
    const doomed = await inviteAgent(company.ownerKey);
    const deleted = await issue(company.ownerKey, doomed.name);
    expect((await call("DELETE", `/v1/agents/${doomed.name}`, { token: company.ownerKey })).status).toBe(200);
    expect(await ocsp(company.ownerKey, deleted.jti)).toMatchObject({ status: "revoked", reason: "agent deleted" });
    const renamed = await inviteAgent(company.ownerKey);
    const before = await issue(company.ownerKey, renamed.name);
    await call("PATCH", `/v1/agents/${renamed.name}`, { token: company.ownerKey, body: { name: unique("renamed").slice(0, 40) } });
    expect(await ocsp(company.ownerKey, before.jti)).toMatchObject({ status: "revoked", reason: "agent renamed" });
  });

  it("rotating the agent's token revokes them when the rotation is redeemed, also for an agent that had no token", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const { jti } = await issue(company.ownerKey, agent.name);
    const invite = await call("POST", `/v1/agents/${agent.name}/rotate`, { token: company.ownerKey });
    expect((await ocsp(company.ownerKey, jti)).status).toBe("valid");
    expect((await redeem(invite.body.invite_url as string)).status).toBe(200);
    expect(await ocsp(company.ownerKey, jti)).toMatchObject({ status: "revoked", reason: "agent token rotated" });

    const vane = unique("vane").slice(0, 40);
    await call("POST", "/v1/agents/register", { token: company.ownerKey, body: { agentId: vane } });
    const tokenless = await issue(company.ownerKey, vane);
    const rotation = await call("POST", `/v1/agents/${vane}/rotate`, { token: company.ownerKey });
    expect((await redeem(rotation.body.invite_url as string)).status).toBe(200);
    expect(await ocsp(company.ownerKey, tokenless.jti)).toMatchObject({ status: "revoked", reason: "agent token rotated" });
  });

  it("changing the grant revokes what the agent obtained itself under it; what a person issued, and other changes, leave them", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    await call("PATCH", `/v1/agents/${agent.name}`, { token: company.ownerKey, body: { passportScopes: ["tool:*"] } });
    const own = await issue(agent.token, agent.name, { scopes: ["tool:search"] });
    const given = await issue(company.ownerKey, agent.name, { scopes: ["*"] });
    await call("PATCH", `/v1/agents/${agent.name}`, { token: company.ownerKey, body: { capabilities: ["api_call"], passportScopes: ["tool:*"] } });
    expect((await ocsp(company.ownerKey, own.jti)).status).toBe("valid");
    await call("PATCH", `/v1/agents/${agent.name}`, { token: company.ownerKey, body: { passportScopes: ["tool:read"] } });
    expect(await ocsp(company.ownerKey, own.jti)).toMatchObject({ status: "revoked", reason: "passport scopes changed" });
    expect((await ocsp(company.ownerKey, given.jti)).status).toBe("valid");
  });

  it("a disable racing many issuances leaves no live passport: each issuance is guarded by its agent's state at write time", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const asks = Array.from({ length: 12 }, () => call("POST", `/v1/agents/${agent.name}/passport`, { token: company.ownerKey }));
    const disable = call("PATCH", `/v1/agents/${agent.name}`, { token: company.ownerKey, body: { status: "disabled" } });
    const statuses = (await Promise.all([...asks, disable])).map((res) => res.status);
    expect(statuses.every((status) => [200, 201, 403, 409].includes(status))).toBe(true);
    expect(await livePassports(agent.name, company.id)).toBe(0);
  });
});

describe("rotation is Vane's: the presented passport revoked and replaced, in one batch", () => {
  it("the successor keeps scopes and lifetime; the old one is revoked (`rotated`) and cannot be rotated again", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const first = await issue(company.ownerKey, agent.name, { scopes: ["tool:search"], ttl: 900 });
    const rotate = (passport: string, token = company.ownerKey, name = agent.name) =>
      call("POST", `/v1/agents/${name}/passport/rotate`, { token, headers: { "Counsel-Passport": passport } });
    const rotated = await rotate(first.passport);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ rotatedFrom: first.jti, scopes: ["tool:search"], expiresIn: 900 });
    expect(await ocsp(company.ownerKey, first.jti)).toMatchObject({ status: "revoked", reason: "rotated" });
    expect((await ocsp(company.ownerKey, rotated.body.jti as string)).status).toBe("valid");
    expect(await rotate(first.passport)).toMatchObject({ status: 409, body: { code: "PASSPORT_REVOKED" } });

    expect((await call("POST", `/v1/agents/${agent.name}/passport/rotate`, { token: company.ownerKey })).status).toBe(400);
    const other = await inviteAgent(company.ownerKey);
    expect((await rotate((await issue(company.ownerKey, other.name)).passport)).status).toBe(403);
    const svid = await call("GET", `/v1/agents/${agent.name}/svid`, { token: agent.token });
    expect(await rotate(svid.body.svid as string)).toMatchObject({ status: 401, body: { error: "passport_invalid", code: "WRONG_TOKEN_TYPE" } });
  });

  it("one passport rotated five times at once has exactly one successor: the others are told it is revoked", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const { passport } = await issue(company.ownerKey, agent.name);
    const rotations = await Promise.all(
      Array.from({ length: 5 }, () =>
        call("POST", `/v1/agents/${agent.name}/passport/rotate`, { token: company.ownerKey, headers: { "Counsel-Passport": passport } }),
      ),
    );
    expect(rotations.map((res) => res.status).sort()).toEqual([200, 409, 409, 409, 409]);
    expect(rotations.filter((res) => res.status === 409).every((res) => res.body.code === "PASSPORT_REVOKED")).toBe(true);
    expect(await livePassports(agent.name, company.id)).toBe(1);
  });

  it("an agent rotates its own within its grant only: a wider passport a person gave it, it cannot renew on its own", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    await call("PATCH", `/v1/agents/${agent.name}`, { token: company.ownerKey, body: { passportScopes: ["tool:search"] } });
    const own = await issue(agent.token, agent.name);
    const rotate = (passport: string) =>
      call("POST", `/v1/agents/${agent.name}/passport/rotate`, { token: agent.token, headers: { "Counsel-Passport": passport } });
    expect((await rotate(own.passport)).status).toBe(200);
    const wide = await issue(company.ownerKey, agent.name, { scopes: ["*"] });
    expect(await rotate(wide.passport)).toMatchObject({ status: 403, body: { error: "scope_not_granted" } });
  });
});

describe("an agent holds at most 100 live passports, counted inside the write", () => {
  it("with 99 live, five issuances at once: exactly one lands", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const seed = await issue(company.ownerKey, agent.name);
    const row = await env.DB.prepare("SELECT * FROM passports WHERE jti = ?").bind(seed.jti).first<Record<string, unknown>>();
    // Issued two hours ago and still live: the live cap is what this holds, not the hourly issuance cap.
    await seedPassports(98, { companyId: company.id, agentName: agent.name, row, issuedAt: Number(row?.issued_at) - 2 * 3600_000 });
    const results = await Promise.all(Array.from({ length: 5 }, () => call("POST", `/v1/agents/${agent.name}/passport`, { token: company.ownerKey })));
    expect(results.map((res) => res.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(results.filter((res) => res.status === 409).every((res) => res.body.error === "too_many_passports")).toBe(true);
    expect(await livePassports(agent.name, company.id)).toBe(100);
  });
});

describe("one agent is issued at most 100 passports an hour, revoked and rotated ones included", () => {
  it("99 issued and revoked this hour: one more lands, then issuing and rotating are 429 too_many_passports_issued with Retry-After", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const first = await issue(company.ownerKey, agent.name);
    const row = await env.DB.prepare("SELECT * FROM passports WHERE jti = ?").bind(first.jti).first<Record<string, unknown>>();
    await seedPassports(98, { companyId: company.id, agentName: agent.name, row, issuedAt: Number(row?.issued_at), revokedAt: Date.now() });
    const hundredth = await issue(company.ownerKey, agent.name);

    const refused = await call("POST", `/v1/agents/${agent.name}/passport`, { token: company.ownerKey });
    expect([refused.status, refused.body.error]).toEqual([429, "too_many_passports_issued"]);
    expect(refused.body.message).toContain(agent.name);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(3000);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    const rotated = await call("POST", `/v1/agents/${agent.name}/passport/rotate`, {
      token: company.ownerKey,
      headers: { "Counsel-Passport": hundredth.passport },
    });
    expect([rotated.status, rotated.body.error]).toEqual([429, "too_many_passports_issued"]);
    // The refused rotation revoked nothing: its batch was refused whole.
    expect((await ocsp(company.ownerKey, hundredth.jti)).status).toBe("valid");
    // Another agent of the company is not held by this one's count.
    const other = await inviteAgent(company.ownerKey);
    await issue(company.ownerKey, other.name);
  });

  it("with 99 issued this hour, five issuances at once: exactly one lands", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const first = await issue(company.ownerKey, agent.name);
    const row = await env.DB.prepare("SELECT * FROM passports WHERE jti = ?").bind(first.jti).first<Record<string, unknown>>();
    await seedPassports(98, { companyId: company.id, agentName: agent.name, row, issuedAt: Number(row?.issued_at), revokedAt: Date.now() });
    const results = await Promise.all(Array.from({ length: 5 }, () => call("POST", `/v1/agents/${agent.name}/passport`, { token: company.ownerKey })));
    expect(results.map((res) => res.status).sort()).toEqual([201, 429, 429, 429, 429]);
  });
});

describe("the revoked list comes a page at a time, bounded, in Vane's shape", () => {
  it("limit and cursor walk every entry once, oldest revocation first; the default page holds them all with next null; a bad cursor is 400", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const first = await issue(company.ownerKey, agent.name);
    const row = await env.DB.prepare("SELECT * FROM passports WHERE jti = ?").bind(first.jti).first<Record<string, unknown>>();
    await seedPassports(5, { companyId: company.id, agentName: agent.name, row, issuedAt: Number(row?.issued_at), revokedAt: Date.now() - 1000 });
    expect((await call("POST", `/v1/passports/${first.jti}/revoke`, { token: company.ownerKey })).status).toBe(200);

    const whole = await call("GET", "/v1/passports/revoked", { token: company.ownerKey });
    expect(whole.status).toBe(200);
    const all = (whole.body.revoked as { jti: string; revokedAt: string }[]).map((r) => r.jti);
    expect(all).toHaveLength(6);
    expect(all.at(-1)).toBe(first.jti);
    expect(whole.body.next).toBeNull();

    const walked: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await call("GET", `/v1/passports/revoked?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { token: company.ownerKey });
      expect(page.status).toBe(200);
      const entries = page.body.revoked as { jti: string }[];
      expect(entries.length).toBeLessThanOrEqual(2);
      walked.push(...entries.map((r) => r.jti));
      cursor = page.body.next as string | null;
      pages += 1;
    } while (cursor && pages < 10);
    expect(walked).toEqual(all);
    expect(pages).toBe(3);

    for (const bad of ["?cursor=nope", "?limit=0", "?limit=1001", "?cursor=1.a;b"]) {
      expect((await call("GET", `/v1/passports/revoked${bad}`, { token: company.ownerKey })).status, bad).toBe(400);
    }
  });
});

describe("a revocation's reason is one line of bounded text, since OCSP answers and MCP tool errors repeat it", () => {
  it("CR/LF, NUL, tab, DEL, a C1 control or a line separator is 400, as is more than 200 characters; the passport stays valid", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const { jti } = await issue(company.ownerKey, agent.name);
    for (const reason of ["lost\r\nstatus: valid", "a\nb", "nul\u0000", "tab\there", "del\u007f", "c1\u0085", "ls\u2028x", "x".repeat(201)]) {
      const res = await call("POST", `/v1/passports/${jti}/revoke`, { token: company.ownerKey, body: { reason } });
      expect([res.status, res.body.error], JSON.stringify(reason)).toEqual([400, "invalid_request"]);
    }
    expect((await ocsp(company.ownerKey, jti)).status).toBe("valid");
    const ok = await call("POST", `/v1/passports/${jti}/revoke`, { token: company.ownerKey, body: { reason: "  laptop lost — rotated keys, ticket #42  " } });
    expect([ok.status, ok.body.reason]).toEqual([200, "laptop lost — rotated keys, ticket #42"]);
    expect((await ocsp(company.ownerKey, jti)).reason).toBe("laptop lost — rotated keys, ticket #42");
  });
});
