/**
 * Agent passports (CAP+JWT): Vane's format byte for byte, accepted by a verifier written from
 * Vane's docs alone, issued only within what a person granted, and never confused with another
 * kind of token. Revocation and statuses: passport-revocation.spec.ts.
 */
import { env } from "cloudflare:test";
import { createLocalJWKSet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { spiffeIdFor } from "../../workers/lib/crypto/spiffe.ts";
import { call, createCompany, createUser, inviteAgent, unique } from "./helpers.ts";
import { issue, segmentsOf, signedByCompany, vaneVerifiesLocally } from "./passport-support.ts";

const TD = env.TRUST_DOMAIN;

describe("a passport is Vane's CAP+JWT byte for byte: header, claims and their order", () => {
  it("the header is {alg, typ, kid} in that order, kid being Vane's 16 hex of the CA key's SPKI DER, published in the JWK Set", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const issued = await issue(company.ownerKey, agent.name);
    const { headerText } = segmentsOf(issued.passport);
    const jwks = await call("GET", `/v1/companies/${company.id}/jwks.json`);
    const ca = (jwks.body.keys as { kid: string }[]).find((key) => /^[0-9a-f]{16}$/.test(key.kid));
    expect(ca).toBeDefined();
    expect(headerText).toBe(`{"alg":"EdDSA","typ":"CAP+JWT","kid":"${ca?.kid}"}`);
    const der = Buffer.from(issued.caPublicKey.replace(/-----[A-Z ]+-----|\n/g, ""), "base64");
    const digest = Buffer.from(await crypto.subtle.digest("SHA-256", der)).toString("hex");
    expect(ca?.kid).toBe(digest.slice(0, 16));
  });

  it("the claims are Vane's documented example's keys, in its order, with the company's values", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const issued = await issue(company.ownerKey, agent.name);
    const { claimsText, claims } = segmentsOf(issued.passport);
    const org = `spiffe://${TD}/company/${company.id}`;
    const sub = spiffeIdFor(TD, company.id, agent.name);
    // Vane's passport-format page, key for key: iss, sub, aud, jti, iat, exp, nbf, counsel{v, agentId, org, orgSpiffeId, scopes, delegationChain}.
    const vaneShape = {
      iss: org,
      sub,
      aud: ["counsel:passport:v1"],
      jti: claims.jti,
      iat: claims.iat,
      exp: claims.iat + 3600,
      nbf: claims.iat,
      counsel: { v: 1, agentId: agent.name, org: company.id, orgSpiffeId: org, scopes: ["tool:*", "attest:write"], delegationChain: [org, sub] },
    };
    expect(claimsText).toBe(JSON.stringify(vaneShape));
    expect(claims.jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Math.abs(claims.iat - Date.now() / 1000)).toBeLessThan(30);
  });

  it("the answer is Vane's: agentId, spiffeId, org, orgSpiffeId, scopes, delegationChain, passport, expiresIn, caPublicKey", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const res = await call("POST", `/v1/agents/${agent.name}/passport`, { token: company.ownerKey, body: { scopes: ["tool:search"], ttl: 600 } });
    expect(res.status).toBe(201);
    const org = `spiffe://${TD}/company/${company.id}`;
    expect(res.body).toMatchObject({
      agentId: agent.name,
      spiffeId: spiffeIdFor(TD, company.id, agent.name),
      org: company.id,
      orgSpiffeId: org,
      scopes: ["tool:search"],
      delegationChain: [org, spiffeIdFor(TD, company.id, agent.name)],
      expiresIn: 600,
    });
    expect(res.body.caPublicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);
    const { claims } = segmentsOf(res.body.passport as string);
    expect(claims.exp - claims.iat).toBe(600);
    expect(res.body.jti).toBe(claims.jti);
  });

  it("an agent registered the Vane way (no edge token of its own) gets one too", async () => {
    const company = await createCompany();
    const agentId = unique("vane").slice(0, 40);
    expect((await call("POST", "/v1/agents/register", { token: company.ownerKey, body: { agentId } })).status).toBe(201);
    const issued = await issue(company.ownerKey, agentId);
    expect(vaneVerifiesLocally(issued.passport, issued.caPublicKey)).toBe(true);
  });
});

describe("a verifier written from Vane's docs alone accepts our passports, and refuses what Vane refuses", () => {
  it("Vane's local check (node:crypto, the pinned PEM) accepts ours; a tampered, expired or foreign-audience one it refuses", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const { passport, caPublicKey } = await issue(company.ownerKey, agent.name);
    expect(vaneVerifiesLocally(passport, caPublicKey)).toBe(true);

    const [h, p, s] = passport.split(".");
    const claims = segmentsOf(passport).claims;
    const tamperedClaims = Buffer.from(JSON.stringify({ ...claims, counsel: { ...claims.counsel, scopes: ["*"] } })).toString("base64url");
    expect(vaneVerifiesLocally(`${h}.${tamperedClaims}.${s}`, caPublicKey)).toBe(false);
    expect(vaneVerifiesLocally(`${h}.${p}.${s}`, caPublicKey, claims.exp + 1)).toBe(false);
    const foreignAudience = await signedByCompany(company.id, { ...claims, aud: ["somewhere-else"] });
    expect(vaneVerifiesLocally(foreignAudience, caPublicKey)).toBe(false);
    const other = await createCompany();
    expect(vaneVerifiesLocally(passport, (await issue(other.ownerKey, (await inviteAgent(other.ownerKey)).name)).caPublicKey)).toBe(false);
  });

  it("a JOSE library reading the company's JWK Set verifies it as an EdDSA JWT of type CAP+JWT", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const { passport } = await issue(company.ownerKey, agent.name);
    const jwks = await call("GET", `/v1/companies/${company.id}/jwks.json`);
    const { payload, protectedHeader } = await jwtVerify(passport, createLocalJWKSet(jwks.body as never), {
      algorithms: ["EdDSA"],
      typ: "CAP+JWT",
      audience: "counsel:passport:v1",
      issuer: `spiffe://${TD}/company/${company.id}`,
    });
    expect(protectedHeader.typ).toBe("CAP+JWT");
    expect(payload.sub).toBe(spiffeIdFor(TD, company.id, agent.name));
  });
});

describe("who may issue: an agent only for itself and only within the scopes a person granted it, never wider", () => {
  it("without a grant an agent gets none; with one, only what it covers; naming none gets its whole grant", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const ask = (scopes?: string[]) => call("POST", `/v1/agents/${agent.name}/passport`, { token: agent.token, ...(scopes ? { body: { scopes } } : {}) });
    expect(await ask(["tool:search"])).toMatchObject({ status: 403, body: { error: "scope_not_granted" } });

    const granted = await call("PATCH", `/v1/agents/${agent.name}`, {
      token: company.ownerKey,
      body: { passportScopes: ["tool:search", "attest:*", "tool:search"] },
    });
    expect(granted.status).toBe(200);
    expect((granted.body.agent as { passportScopes: string[] }).passportScopes).toEqual(["attest:*", "tool:search"]);

    expect((await ask(["tool:search"])).status).toBe(201);
    expect((await ask(["attest:write", "attest:*"])).status).toBe(201);
    const wider = await ask(["tool:search", "tool:*"]);
    expect(wider).toMatchObject({ status: 403, body: { error: "scope_not_granted" } });
    expect(wider.body.message).toContain("tool:*");
    expect((await ask(["*"])).status).toBe(403);
    const whole = await ask();
    expect(whole.status).toBe(201);
    expect(whole.body.scopes).toEqual(["attest:*", "tool:search"]);
  });

  it("an agent never grants passport scopes, to itself or another; a person or a key does", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const ownerAgent = await inviteAgent(company.ownerKey, undefined, [], "owner");
    const itself = await call("PATCH", `/v1/agents/${agent.name}`, { token: agent.token, body: { passportScopes: ["*"] } });
    expect(itself.status).toBe(403);
    const byOwnerAgent = await call("PATCH", `/v1/agents/${agent.name}`, { token: ownerAgent.token, body: { passportScopes: ["*"] } });
    expect(byOwnerAgent.status).toBe(403);
    const owner = await createUser(company, "owner");
    expect((await call("PATCH", `/v1/agents/${agent.name}`, { token: owner.token, body: { passportScopes: ["tool:*"] } })).status).toBe(200);
    const row = await env.DB.prepare("SELECT passport_scopes AS scopes FROM agents WHERE company_id = ? AND name = ?")
      .bind(company.id, agent.name)
      .first<{ scopes: string }>();
    expect(row?.scopes).toBe('["tool:*"]');
  });

  it("a key or an owner issues any scopes for any agent; a member none, another agent finds nothing", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const other = await inviteAgent(company.ownerKey);
    const owner = await createUser(company, "owner");
    const member = await createUser(company, "member");
    expect((await issue(company.ownerKey, agent.name, { scopes: ["*"] })).scopes).toEqual(["*"]);
    expect((await issue(owner.token, agent.name, { scopes: ["resource:read"] })).scopes).toEqual(["resource:read"]);
    expect((await call("POST", `/v1/agents/${agent.name}/passport`, { token: member.token })).status).toBe(403);
    await call("PATCH", `/v1/agents/${other.name}`, { token: company.ownerKey, body: { passportScopes: ["*"] } });
    // An agent asking for another agent finds nothing: its cell is `self`.
    expect((await call("POST", `/v1/agents/${agent.name}/passport`, { token: other.token })).status).toBe(404);
  });

  it("bad input is a 4xx, never a passport: a malformed scope, an empty list, a ttl past a day, a disabled agent, another company's agent", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const ask = (body: unknown) => call("POST", `/v1/agents/${agent.name}/passport`, { token: company.ownerKey, body });
    expect((await ask({ scopes: ["Tool:search"] })).status).toBe(400);
    expect((await ask({ scopes: [] })).status).toBe(400);
    expect((await ask({ ttl: 86_401 })).status).toBe(400);
    expect((await ask({ ttl: 0 })).status).toBe(400);
    expect((await ask({ scopes: ["tool:x"], extra: 1 })).body.error).toBe("unknown_field");
    expect((await ask({ ttl: 86_400 })).status).toBe(201);
    await call("PATCH", `/v1/agents/${agent.name}`, { token: company.ownerKey, body: { status: "disabled" } });
    expect(await ask({})).toMatchObject({ status: 403, body: { error: "agent_not_active" } });
    const other = await createCompany();
    expect((await call("POST", `/v1/agents/${agent.name}/passport`, { token: other.ownerKey })).status).toBe(404);
  });
});

describe("a passport is not an edge token, and neither an edge token nor an SVID is a passport", () => {
  it("a passport presented to /proxy, /v1/* or token exchange is refused, saying it is for MCP servers", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const { passport } = await issue(company.ownerKey, agent.name);
    for (const path of ["/proxy/api.example.com/v1/x", "/v1/whoami", "/v1/agents", `/v1/agents/${agent.name}/passport`]) {
      const res = await call(path.startsWith("/v1/agents/") ? "POST" : "GET", path, { token: passport, headers: { "X-Vault": "any" } });
      expect(res.status, path).toBe(401);
      expect(res.body.error, path).toBe("wrong_token_type");
      expect(res.body.message, path).toContain("passport (CAP+JWT) is for MCP servers");
      expect(res.headers.get("WWW-Authenticate"), path).toContain('error="invalid_token"');
    }
    const exchanged = await call("POST", "/v1/token/exchange", {
      rawBody: new URLSearchParams({
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        subject_token: passport,
        subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      }).toString(),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(exchanged.status).toBe(400);
    expect(exchanged.body.error).toBe("invalid_request");
    expect(exchanged.body.error_description).toContain("a passport (CAP+JWT) is not an SVID");
  });

  it("an SVID presented as an edge token is refused as a JWT; an edge token or an SVID presented as a passport is not one", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const svid = (await call("GET", `/v1/agents/${agent.name}/svid`, { token: agent.token })).body.svid as string;
    expect(await call("GET", "/proxy/api.example.com/x", { token: svid, headers: { "X-Vault": "any" } })).toMatchObject({
      status: 401,
      body: { error: "wrong_token_type" },
    });
    const verify = (passport: string) => call("POST", "/v1/passport/verify", { token: company.ownerKey, body: { passport } });
    expect((await verify(svid)).body).toMatchObject({ valid: false, code: "WRONG_TOKEN_TYPE" });
    expect((await verify(agent.token)).body).toMatchObject({ valid: false, code: "MALFORMED_TOKEN" });
    expect((await verify(company.ownerKey)).body).toMatchObject({ valid: false, code: "MALFORMED_TOKEN" });
  });
});
