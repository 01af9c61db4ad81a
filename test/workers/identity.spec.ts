import { env } from "cloudflare:test";
import { base64url, createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from "jose";
import type { JSONWebKeySet } from "jose";
import { describe, expect, it } from "vitest";
import { AppError } from "../../workers/lib/app-error.ts";
import { isValidSpiffeId } from "../../workers/lib/crypto/spiffe.ts";
import { issueAgentSvid, signCompanyToken, verifyAgentSvid } from "../../workers/identity/svid.ts";
import { call, createCompany, createUser, type TestCompany, svidContext } from "./helpers.ts";

const ISSUER = (companyId: string) => `spiffe://${env.TRUST_DOMAIN}/company/${companyId}`;

type KeyRow = {
  id: string;
  alg: string;
  status: string;
  created_at: number;
  activated_at: number | null;
  retired_at: number | null;
  sealed_private_jwk: string;
  public_jwk: string;
};

async function keyRows(companyId: string): Promise<KeyRow[]> {
  const rows = await env.DB.prepare("SELECT * FROM signing_keys WHERE company_id = ? ORDER BY created_at, id").bind(companyId).all<KeyRow>();
  return rows.results;
}

/** The SVID signing keys of the JWKS (`sk_…`); the CA key beside them is ca-key.spec.ts's. */
async function fetchJwks(companyId: string): Promise<JSONWebKeySet & { keys: { kid: string; alg: string; use: string }[] }> {
  const res = await call("GET", `/v1/companies/${companyId}/jwks.json`);
  expect(res.status).toBe(200);
  type SvidKeys = JSONWebKeySet & { keys: { kid: string; alg: string; use: string }[] };
  const keys = (res.body as unknown as SvidKeys).keys.filter((k) => String(k.kid).startsWith("sk_"));
  return { keys } as SvidKeys;
}

async function rotate(company: TestCompany, force = true) {
  return call("POST", `/v1/company/signing-keys/rotate${force ? "?force=true" : ""}`, { token: company.ownerKey });
}

async function refused(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected the token to be refused");
}

/** The JWT-SVID rules standard SPIFFE validators apply (go-spiffe, java-spiffe). */
function assertJwtSvidRules(token: string, audience: string) {
  const header = decodeProtectedHeader(token);
  expect(["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512"]).toContain(header.alg);
  if (header.typ !== undefined) expect(["JWT", "JOSE"]).toContain(header.typ);
  const claims = decodeJwt(token);
  expect(typeof claims.sub === "string" && isValidSpiffeId(claims.sub)).toBe(true);
  const aud = typeof claims.aud === "string" ? [claims.aud] : claims.aud;
  expect(aud).toContain(audience);
  expect(claims.exp).toBeGreaterThan(Date.now() / 1000);
}

describe("published keys: JWKS and SPIFFE bundle", () => {
  it("answer 404 for an unknown company and create nothing", async () => {
    for (const path of ["/v1/companies/no-such-co/jwks.json", "/v1/companies/no-such-co/spiffe-bundle"]) {
      const res = await call("GET", path);
      expect(res.status).toBe(404);
      expect(res.body.error).toBe("not_found");
    }
    expect(await keyRows("no-such-co")).toHaveLength(0);
  });

  it("publish the active and the next key on first use, public halves only, cacheable", async () => {
    const company = await createCompany();
    const res = await call("GET", `/v1/companies/${company.id}/jwks.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const published = res.body.keys as Record<string, unknown>[];
    // The two SVID signing keys, and the company's CA key (ca-key.spec.ts), also EdDSA, never a private member.
    expect(published).toHaveLength(3);
    const keys = published.filter((k) => String(k.kid).startsWith("sk_"));
    expect(keys).toHaveLength(2);
    for (const key of published) {
      expect(key).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
      expect(typeof key.kid).toBe("string");
      expect(key).not.toHaveProperty("d");
    }
    const rows = await keyRows(company.id);
    expect(rows.map((r) => r.status).sort()).toEqual(["active", "next"]);
    expect(new Set(keys.map((k) => k.kid))).toEqual(new Set(rows.map((r) => r.id)));
    // Private keys are sealed at rest: no JWK private member in the stored form.
    for (const row of rows) {
      expect(row.sealed_private_jwk).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      expect(row.public_jwk).not.toContain('"d"');
    }
  });

  it("serve the same keys as a SPIFFE bundle (use jwt-svid, sequence, refresh hint)", async () => {
    const company = await createCompany();
    const jwks = await fetchJwks(company.id);
    const res = await call("GET", `/v1/companies/${company.id}/spiffe-bundle`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(res.body.spiffe_refresh_hint).toBe(300);
    expect(typeof res.body.spiffe_sequence).toBe("number");
    const keys = res.body.keys as { kid: string; use: string; d?: string }[];
    expect(keys.map((k) => k.kid).sort()).toEqual(jwks.keys.map((k) => k.kid).sort());
    for (const key of keys) {
      expect(key.use).toBe("jwt-svid");
      expect(key.d).toBeUndefined();
    }
    // jose's JWKS lookup ignores keys whose use is not "sig": the bundle is not a JWKS.
    const svid = await issueAgentSvid(svidContext(), { companyId: company.id, agentName: "bot" });
    await expect(jwtVerify(svid.svid, createLocalJWKSet(res.body as unknown as JSONWebKeySet))).rejects.toThrow();
  });

  it("create exactly one active and one next key when first uses race", async () => {
    const company = await createCompany();
    await Promise.all([
      ...Array.from({ length: 4 }, () => call("GET", `/v1/companies/${company.id}/jwks.json`)),
      ...Array.from({ length: 4 }, (_, i) => issueAgentSvid(svidContext(), { companyId: company.id, agentName: `bot-${i}` })),
    ]);
    const rows = await keyRows(company.id);
    expect(rows.filter((r) => r.status === "active")).toHaveLength(1);
    expect(rows.filter((r) => r.status === "next")).toHaveLength(1);
    expect(rows).toHaveLength(2);
  });
});

describe("JWT-SVIDs", () => {
  it("verify offline against the company JWKS (EdDSA by default)", async () => {
    const company = await createCompany();
    const issued = await issueAgentSvid(svidContext(), { companyId: company.id, agentName: "researcher-1" });
    expect(issued.spiffeId).toBe(`spiffe://${env.TRUST_DOMAIN}/company/${company.id}/agent/researcher-1`);
    const jwks = createLocalJWKSet(await fetchJwks(company.id));
    const { payload, protectedHeader } = await jwtVerify(issued.svid, jwks, { audience: "edgevault", issuer: ISSUER(company.id) });
    expect(protectedHeader).toMatchObject({ alg: "EdDSA", typ: "JWT" });
    const active = (await keyRows(company.id)).find((r) => r.status === "active");
    expect(protectedHeader.kid).toBe(active?.id);
    expect(payload.sub).toBe(issued.spiffeId);
    expect(payload.aud).toEqual(["edgevault"]);
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
    expect(issued.expiresAt.getTime()).toBe((payload.exp ?? 0) * 1000);
  });

  it("carry the requested audience", async () => {
    const company = await createCompany();
    const issued = await issueAgentSvid(svidContext(), { companyId: company.id, agentName: "bot", audience: ["https://mcp.example.com", "edgevault"] });
    expect(decodeJwt(issued.svid).aud).toEqual(["https://mcp.example.com", "edgevault"]);
    const verified = await verifyAgentSvid(svidContext(), issued.svid, { audience: "https://mcp.example.com" });
    expect(verified).toMatchObject({ companyId: company.id, agentName: "bot", spiffeId: issued.spiffeId });
    for (const audience of [[], ["has space"], ["x".repeat(513)], Array.from({ length: 11 }, (_, i) => `a${i}`)]) {
      const error = await refused(issueAgentSvid(svidContext(), { companyId: company.id, agentName: "bot", audience }));
      expect(error.status).toBe(400);
      expect(error.code).toBe("invalid_audience");
    }
  });

  it("refuse agent names that are not SPIFFE path segments", async () => {
    const company = await createCompany();
    for (const agentName of ["a/b", "..", "a%2F", "with space", ""]) {
      const error = await refused(issueAgentSvid(svidContext(), { companyId: company.id, agentName }));
      expect(error.status, agentName).toBe(400);
      expect(error.code).toBe("invalid_spiffe_id");
    }
  });

  it("meet the standard JWT-SVID rules with ES256", async () => {
    const company = await createCompany();
    const patched = await call("PATCH", "/v1/company/identity", { token: company.ownerKey, body: { signing_alg: "ES256" } });
    expect(patched.status).toBe(200);
    const issued = await issueAgentSvid(svidContext(), { companyId: company.id, agentName: "spiffe-bot" });
    assertJwtSvidRules(issued.svid, "edgevault");
    expect(decodeProtectedHeader(issued.svid)).toMatchObject({ alg: "ES256", typ: "JWT" });
    const jwks = await fetchJwks(company.id);
    expect(jwks.keys.every((k) => k.alg === "ES256" && (k as unknown as { crv: string }).crv === "P-256")).toBe(true);
    await jwtVerify(issued.svid, createLocalJWKSet(jwks), { audience: "edgevault", algorithms: ["ES256"] });
    expect((await verifyAgentSvid(svidContext(), issued.svid, { audience: "edgevault" })).agentName).toBe("spiffe-bot");
  });

  describe("refusals", () => {
    it("tampered, expired, wrong audience", async () => {
      const company = await createCompany();
      const { svid } = await issueAgentSvid(svidContext(), { companyId: company.id, agentName: "bot" });
      const [h, p, s] = svid.split(".") as [string, string, string];
      const claims = decodeJwt(svid);
      const forged = base64url.encode(JSON.stringify({ ...claims, aud: ["evil"] }));
      expect((await refused(verifyAgentSvid(svidContext(), `${h}.${forged}.${s}`, { audience: "evil" }))).message).toContain("signature");
      const flipped = `${h}.${p}.${s.slice(0, 10)}${s[10] === "A" ? "B" : "A"}${s.slice(11)}`;
      expect((await refused(verifyAgentSvid(svidContext(), flipped, { audience: "edgevault" }))).code).toBe("invalid_token");

      const old = await issueAgentSvid(svidContext(), { companyId: company.id, agentName: "bot", now: Date.now() - 2 * 3600_000 });
      expect((await refused(verifyAgentSvid(svidContext(), old.svid, { audience: "edgevault" }))).message).toContain("expired");

      expect((await refused(verifyAgentSvid(svidContext(), svid, { audience: "https://other.example" }))).message).toContain("audience");
    });

    it("alg none and HS256 (keyed with the public key), before any key is used", async () => {
      const company = await createCompany();
      const { svid } = await issueAgentSvid(svidContext(), { companyId: company.id, agentName: "bot" });
      const { kid } = decodeProtectedHeader(svid);
      const claims = decodeJwt(svid);
      const none = `${base64url.encode(JSON.stringify({ alg: "none", kid, typ: "JWT" }))}.${base64url.encode(JSON.stringify(claims))}.`;
      const noneError = await refused(verifyAgentSvid(svidContext(), none, { audience: "edgevault" }));
      expect(noneError.status).toBe(401);
      expect(noneError.message).toContain("alg");

      const jwk = (await fetchJwks(company.id)).keys.find((k) => k.kid === kid) as unknown as { x: string };
      const hs = await new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid, typ: "JWT" }).sign(new TextEncoder().encode(jwk.x));
      expect((await refused(verifyAgentSvid(svidContext(), hs, { audience: "edgevault" }))).message).toContain("alg");
      for (const alg of ["RS256", "ES384", "PS256", "Ed25519"]) {
        const header = base64url.encode(JSON.stringify({ alg, kid, typ: "JWT" }));
        const token = `${header}.${svid.split(".")[1]}.${svid.split(".")[2]}`;
        expect((await refused(verifyAgentSvid(svidContext(), token, { audience: "edgevault" }))).message, alg).toContain("alg");
      }
    });

    it("another company's key, an unknown kid, a foreign trust domain, garbage", async () => {
      const a = await createCompany();
      const b = await createCompany();
      const { spiffeId } = await issueAgentSvid(svidContext(), { companyId: a.id, agentName: "bot" });
      const now = Math.floor(Date.now() / 1000);
      // Company B's key signing a token that claims to be company A's agent.
      const claims = { iss: ISSUER(a.id), sub: spiffeId, aud: ["edgevault"], iat: now, exp: now + 600 };
      const crossed = await signCompanyToken(svidContext(), b.id, "JWT", claims);
      expect((await refused(verifyAgentSvid(svidContext(), crossed, { audience: "edgevault" }))).message).toContain("unknown signing key");

      const { svid } = await issueAgentSvid(svidContext(), { companyId: a.id, agentName: "bot" });
      const [, p, s] = svid.split(".") as [string, string, string];
      const unknownKid = `${base64url.encode(JSON.stringify({ alg: "EdDSA", kid: "sk_doesnotexist", typ: "JWT" }))}.${p}.${s}`;
      expect((await refused(verifyAgentSvid(svidContext(), unknownKid, { audience: "edgevault" }))).message).toContain("unknown signing key");

      const foreign = await signCompanyToken(svidContext(), a.id, "JWT", { ...claims, sub: `spiffe://elsewhere.example/company/${a.id}/agent/bot` });
      expect((await refused(verifyAgentSvid(svidContext(), foreign, { audience: "edgevault" }))).message).toContain("trust domain");

      for (const garbage of ["", "abc", "a.b.c", "x".repeat(9000), `${svid}.extra`]) {
        expect((await refused(verifyAgentSvid(svidContext(), garbage, { audience: "edgevault" }))).status).toBe(401);
      }
    });

    it("an exchanged access token or a token claiming delegation passed off as an SVID", async () => {
      const company = await createCompany();
      const { spiffeId } = await issueAgentSvid(svidContext(), { companyId: company.id, agentName: "bot" });
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: ISSUER(company.id), sub: spiffeId, aud: ["edgevault"], iat: now, exp: now + 600 };
      const accessToken = await signCompanyToken(svidContext(), company.id, "at+jwt", claims);
      expect((await refused(verifyAgentSvid(svidContext(), accessToken, { audience: "edgevault" }))).message).toContain("typ");
      const withAct = await signCompanyToken(svidContext(), company.id, "JWT", { ...claims, act: { sub: "spiffe://x/y" } });
      expect((await refused(verifyAgentSvid(svidContext(), withAct, { audience: "edgevault" }))).message).toContain("act");
    });
  });
});

describe("key rotation", () => {
  it("signs only with keys published beforehand; old SVIDs keep verifying", async () => {
    const company = await createCompany();
    const before = await issueAgentSvid(svidContext(), { companyId: company.id, agentName: "bot" });
    const jwksBefore = await fetchJwks(company.id);
    const bundleBefore = await call("GET", `/v1/companies/${company.id}/spiffe-bundle`);
    const next = (await keyRows(company.id)).find((r) => r.status === "next");
    expect(jwksBefore.keys.map((k) => k.kid)).toContain(next?.id);

    const res = await rotate(company);
    expect(res.status).toBe(200);
    const rotation = res.body.rotation as { activated: string; retired: string; next: string };
    expect(rotation.activated).toBe(next?.id);
    expect(rotation.retired).toBe(decodeProtectedHeader(before.svid).kid);

    // The new signer was already in the JWKS a verifier cached before the rotation.
    const after = await issueAgentSvid(svidContext(), { companyId: company.id, agentName: "bot" });
    expect(decodeProtectedHeader(after.svid).kid).toBe(next?.id);
    await jwtVerify(after.svid, createLocalJWKSet(jwksBefore), { audience: "edgevault" });

    const jwksAfter = await fetchJwks(company.id);
    expect(jwksAfter.keys.map((k) => k.kid).sort()).toEqual([rotation.activated, rotation.retired, rotation.next].sort());
    await jwtVerify(before.svid, createLocalJWKSet(jwksAfter), { audience: "edgevault" });
    await verifyAgentSvid(svidContext(), before.svid, { audience: "edgevault" });

    const bundleAfter = await call("GET", `/v1/companies/${company.id}/spiffe-bundle`);
    expect(bundleAfter.body.spiffe_sequence as number).toBeGreaterThan(bundleBefore.body.spiffe_sequence as number);
    const statuses = (await keyRows(company.id)).map((r) => r.status).sort();
    expect(statuses).toEqual(["active", "next", "retired"]);
  });

  it("drops a retired key once every token it signed has expired", async () => {
    const company = await createCompany();
    const old = await issueAgentSvid(svidContext(), { companyId: company.id, agentName: "bot" });
    const res = await rotate(company);
    const retired = (res.body.rotation as { retired: string }).retired;
    const sequence = (await call("GET", `/v1/companies/${company.id}/spiffe-bundle`)).body.spiffe_sequence as number;

    // Retired just under an hour (max token TTL) plus skew ago: still published.
    await env.DB.prepare("UPDATE signing_keys SET retired_at = ? WHERE id = ?")
      .bind(Date.now() - 3600_000, retired)
      .run();
    expect((await fetchJwks(company.id)).keys.map((k) => k.kid)).toContain(retired);
    // Past retention: gone from both documents, and tokens it signed are refused.
    await env.DB.prepare("UPDATE signing_keys SET retired_at = ? WHERE id = ?")
      .bind(Date.now() - 3600_000 - 61_000, retired)
      .run();
    expect((await fetchJwks(company.id)).keys.map((k) => k.kid)).not.toContain(retired);
    const bundle = await call("GET", `/v1/companies/${company.id}/spiffe-bundle`);
    expect((bundle.body.keys as { kid: string }[]).map((k) => k.kid)).not.toContain(retired);
    expect(bundle.body.spiffe_sequence as number).toBeGreaterThan(sequence);
    expect((await refused(verifyAgentSvid(svidContext(), old.svid, { audience: "edgevault" }))).message).toContain("unknown signing key");
  });

  it("waits until the next key has been published for one JWKS cache lifetime, unless forced", async () => {
    const company = await createCompany();
    await fetchJwks(company.id);
    const early = await rotate(company, false);
    expect(early.status).toBe(409);
    expect(early.body.error).toBe("next_key_too_new");
    expect(Number(early.headers.get("retry-after"))).toBeGreaterThan(0);
    await env.DB.prepare("UPDATE signing_keys SET created_at = created_at - 301000 WHERE company_id = ? AND status = 'next'").bind(company.id).run();
    expect((await rotate(company, false)).status).toBe(200);
    // The key just created by that rotation is too new again.
    expect((await rotate(company, false)).status).toBe(409);
  });

  it("concurrent rotations leave exactly one active and one next key", async () => {
    const company = await createCompany();
    await fetchJwks(company.id);
    const results = await Promise.all([rotate(company), rotate(company), rotate(company)]);
    for (const r of results) expect([200, 409]).toContain(r.status);
    expect(results.some((r) => r.status === 200)).toBe(true);
    const rows = await keyRows(company.id);
    expect(rows.filter((r) => r.status === "active")).toHaveLength(1);
    expect(rows.filter((r) => r.status === "next")).toHaveLength(1);
    const audits = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE company_id = ? AND action = 'signing_key.rotate'")
      .bind(company.id)
      .first<{ n: number }>();
    expect(audits?.n).toBe(results.filter((r) => r.status === 200).length);
  });

  it("is for company owners only", async () => {
    const company = await createCompany();
    const member = await createUser(company, "member");
    expect((await call("POST", "/v1/company/signing-keys/rotate?force=true", { token: member.token })).status).toBe(403);
    expect((await call("POST", "/v1/company/signing-keys/rotate")).status).toBe(401);
    expect((await call("PATCH", "/v1/company/identity", { token: member.token, body: { signing_alg: "ES256" } })).status).toBe(403);
    const bad = await call("POST", "/v1/company/signing-keys/rotate?force=yes", { token: company.ownerKey });
    expect(bad.status).toBe(400);
  });
});

describe("signing algorithm switch", () => {
  it("publishes a next key of the new algorithm at once; it signs from the next rotation", async () => {
    const company = await createCompany();
    const first = await issueAgentSvid(svidContext(), { companyId: company.id, agentName: "bot" });
    const oldNext = (await keyRows(company.id)).find((r) => r.status === "next");

    const res = await call("PATCH", "/v1/company/identity", { token: company.ownerKey, body: { signing_alg: "ES256" } });
    expect(res.status).toBe(200);
    const identity = res.body.identity as { signing_alg: string; active_alg: string; keys: { kid: string; alg: string; status: string; published: boolean }[] };
    expect(identity).toMatchObject({ signing_alg: "ES256", active_alg: "EdDSA" });
    const newNext = identity.keys.find((k) => k.status === "next");
    expect(newNext?.alg).toBe("ES256");
    expect(identity.keys.find((k) => k.kid === oldNext?.id)).toMatchObject({ status: "retired", published: false });

    const jwks = await fetchJwks(company.id);
    expect(jwks.keys.map((k) => k.kid).sort()).toEqual([decodeProtectedHeader(first.svid).kid, newNext?.kid].sort());
    // Still EdDSA until the rotation.
    expect(decodeProtectedHeader((await issueAgentSvid(svidContext(), { companyId: company.id, agentName: "bot" })).svid).alg).toBe("EdDSA");
    expect((await rotate(company)).status).toBe(200);
    const after = await issueAgentSvid(svidContext(), { companyId: company.id, agentName: "bot" });
    expect(decodeProtectedHeader(after.svid)).toMatchObject({ alg: "ES256", kid: newNext?.kid });
    await jwtVerify(after.svid, createLocalJWKSet(jwks), { audience: "edgevault" });
    await verifyAgentSvid(svidContext(), first.svid, { audience: "edgevault" });
  });

  it("before first use, the first keys are created in the chosen algorithm; repeating is a no-op", async () => {
    const company = await createCompany();
    expect((await call("PATCH", "/v1/company/identity", { token: company.ownerKey, body: { signing_alg: "ES256" } })).status).toBe(200);
    const rows = await keyRows(company.id);
    expect(rows.map((r) => r.alg)).toEqual(["ES256", "ES256"]);
    const again = await call("PATCH", "/v1/company/identity", { token: company.ownerKey, body: { signing_alg: "ES256" } });
    expect(again.status).toBe(200);
    expect((await keyRows(company.id)).map((r) => r.id)).toEqual(rows.map((r) => r.id));
    const company2 = await call("GET", "/v1/company", { token: company.ownerKey });
    expect((company2.body.company as { signing_alg: string }).signing_alg).toBe("ES256");
  });

  it("refuses unknown algorithms", async () => {
    const company = await createCompany();
    for (const signing_alg of ["HS256", "none", "RS256", "ed25519", 1]) {
      const res = await call("PATCH", "/v1/company/identity", { token: company.ownerKey, body: { signing_alg } });
      expect(res.status).toBe(400);
    }
    expect((await call("PATCH", "/v1/company/identity", { token: company.ownerKey, body: {} })).status).toBe(400);
    expect((await call("PATCH", "/v1/company/identity", { token: company.ownerKey, body: { signing_alg: "ES256", extra: 1 } })).body.error).toBe(
      "unknown_field",
    );
  });
});

describe("GET /v1/company/identity", () => {
  it("describes issuer, audience, TTL, documents and keys without private material", async () => {
    const company = await createCompany();
    const member = await createUser(company, "member");
    const res = await call("GET", "/v1/company/identity", { token: member.token });
    expect(res.status).toBe(200);
    expect(res.body.identity).toMatchObject({
      company_id: company.id,
      trust_domain: env.TRUST_DOMAIN,
      issuer: ISSUER(company.id),
      default_audience: ["edgevault"],
      svid_ttl_seconds: 3600,
      signing_alg: "EdDSA",
      jwks_uri: `https://edge.test/v1/companies/${company.id}/jwks.json`,
      spiffe_bundle_uri: `https://edge.test/v1/companies/${company.id}/spiffe-bundle`,
    });
    expect(res.text).not.toMatch(/"d"|sealed|private/i);
  });
});
