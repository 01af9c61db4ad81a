import { env, SELF } from "cloudflare:test";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import type { JSONWebKeySet } from "jose";
import { describe, expect, it } from "vitest";
import { issueAgentSvid, signCompanyToken } from "../../workers/identity/svid.ts";
import { BASE, call, createCompany, svidContext } from "./helpers.ts";

const GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
const JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt";

type Exchanged = { status: number; body: Record<string, unknown>; headers: Headers };

/** POSTs the parameters form-encoded (the RFC's encoding); arrays become repeated parameters. */
async function exchange(params: Record<string, string | string[]>): Promise<Exchanged> {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) for (const v of Array.isArray(value) ? value : [value]) form.append(name, v);
  return send(form, "application/x-www-form-urlencoded");
}

async function send(body: BodyInit, contentType?: string): Promise<Exchanged> {
  const headers: Record<string, string> = contentType ? { "Content-Type": contentType } : {};
  const response = await SELF.fetch(`${BASE}/v1/token/exchange`, { method: "POST", headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

/** An agent registered an hour ago unless told otherwise (tests backdate SVIDs by up to that). */
async function addAgent(companyId: string, name: string, options: { status?: string; capabilities?: string[]; registeredAt?: number } = {}) {
  await env.DB.prepare("INSERT INTO agents (id, company_id, name, role, status, capabilities, registered_at) VALUES (?, ?, ?, 'member', ?, ?, ?)")
    .bind(
      `agt_${crypto.randomUUID()}`,
      companyId,
      name,
      options.status ?? "active",
      JSON.stringify(options.capabilities ?? []),
      options.registeredAt ?? Date.now() - 3_600_000,
    )
    .run();
}

async function svid(companyId: string, agentName: string, options: { audience?: string[]; now?: number } = {}) {
  return (await issueAgentSvid(svidContext(), { companyId, agentName, ...options })).svid;
}

async function jwksOf(companyId: string) {
  const res = await call("GET", `/v1/companies/${companyId}/jwks.json`);
  return createLocalJWKSet(res.body as unknown as JSONWebKeySet);
}

function expectOAuthError(res: Exchanged, error: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error).toBe(error);
  expect(typeof res.body.error_description).toBe("string");
  expect(res.headers.get("cache-control")).toBe("no-store");
}

async function setup(caps: string[] = ["api_call", "mail_send"]) {
  const company = await createCompany();
  await addAgent(company.id, "alice", { capabilities: caps });
  return { company, subject: await svid(company.id, "alice") };
}

describe("POST /v1/token/exchange: issuing", () => {
  it("exchanges an SVID (form-encoded) for a JWT bound to the requested resource", async () => {
    const { company, subject } = await setup();
    const res = await exchange({ grant_type: GRANT, subject_token: subject, subject_token_type: JWT_TYPE, resource: "https://mcp.example.com/api" });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.body).toMatchObject({ issued_token_type: JWT_TYPE, token_type: "N_A", scope: "api_call mail_send" });
    const expiresIn = res.body.expires_in as number;
    expect(expiresIn).toBeGreaterThan(3500);
    expect(expiresIn).toBeLessThanOrEqual(3600);

    const token = res.body.access_token as string;
    const { payload, protectedHeader } = await jwtVerify(token, await jwksOf(company.id), {
      audience: "https://mcp.example.com/api",
      issuer: `spiffe://${env.TRUST_DOMAIN}/company/${company.id}`,
    });
    expect(protectedHeader).toMatchObject({ alg: "EdDSA", typ: "at+jwt" });
    expect(payload.sub).toBe(decodeJwt(subject).sub);
    expect(payload.aud).toEqual(["https://mcp.example.com/api"]);
    expect(payload.exp).toBeLessThanOrEqual(decodeJwt(subject).exp ?? 0);
    expect(payload.act).toBeUndefined();
    expect(typeof payload.jti).toBe("string");
  });

  it("accepts JSON too, with several audiences and resources", async () => {
    const { subject } = await setup();
    const response = await SELF.fetch(`${BASE}/v1/token/exchange`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        grant_type: GRANT,
        subject_token: subject,
        subject_token_type: JWT_TYPE,
        audience: ["svc-a", "svc-b"],
        resource: "https://r.example/",
        scope: "api_call",
      }),
    });
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body.scope).toBe("api_call");
    const claims = decodeJwt(body.access_token as string);
    expect(claims.aud).toEqual(["svc-a", "svc-b", "https://r.example/"]);
    expect(claims.scope).toBe("api_call");
  });

  it("never outlives the subject token", async () => {
    const { company } = await setup();
    const halfAnHourOld = await svid(company.id, "alice", { now: Date.now() - 1800_000 });
    const res = await exchange({ grant_type: GRANT, subject_token: halfAnHourOld, subject_token_type: JWT_TYPE, audience: "svc" });
    expect(res.status).toBe(200);
    expect(res.body.expires_in as number).toBeLessThanOrEqual(1800);
    expect(decodeJwt(res.body.access_token as string).exp).toBe(decodeJwt(halfAnHourOld).exp);
  });

  it("narrows scope to the subject's capabilities; unknown scopes are invalid_scope", async () => {
    const { subject } = await setup(["api_call", "mail_send"]);
    const base = { grant_type: GRANT, subject_token: subject, subject_token_type: JWT_TYPE, audience: "svc" };
    const narrowed = await exchange({ ...base, scope: "mail_send" });
    expect(narrowed.body.scope).toBe("mail_send");
    expectOAuthError(await exchange({ ...base, scope: "mail_send system_command" }), "invalid_scope");
    expectOAuthError(await exchange({ ...base, scope: 'bad"scope' }), "invalid_scope");
    expectOAuthError(await exchange({ ...base, scope: "double  space" }), "invalid_scope");
  });

  it("omits scope when the agent has no capabilities", async () => {
    const { subject } = await setup([]);
    const res = await exchange({ grant_type: GRANT, subject_token: subject, subject_token_type: JWT_TYPE, audience: "svc" });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBeUndefined();
    expect(decodeJwt(res.body.access_token as string).scope).toBeUndefined();
  });

  it("ignores unknown parameters (RFC 6749 §3.2) and treats empty ones as absent", async () => {
    const { subject } = await setup();
    const res = await exchange({
      grant_type: GRANT,
      subject_token: subject,
      subject_token_type: JWT_TYPE,
      audience: "svc",
      client_id: "whatever",
      actor_token: "",
      requested_token_type: JWT_TYPE,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });
});

describe("POST /v1/token/exchange: delegation (act)", () => {
  it("records the actor, and nests the actor's own chain when its token was itself delegated", async () => {
    const company = await createCompany();
    for (const name of ["alice", "bob", "carol"]) await addAgent(company.id, name, { capabilities: ["api_call", "mail_send", "file_access"] });
    const id = (name: string) => `spiffe://${env.TRUST_DOMAIN}/company/${company.id}/agent/${name}`;

    // bob acts for alice.
    const simple = await exchange({
      grant_type: GRANT,
      subject_token: await svid(company.id, "alice"),
      subject_token_type: JWT_TYPE,
      actor_token: await svid(company.id, "bob"),
      actor_token_type: JWT_TYPE,
      audience: "svc",
    });
    expect(simple.status, JSON.stringify(simple.body)).toBe(200);
    expect(decodeJwt(simple.body.access_token as string)).toMatchObject({ sub: id("alice"), act: { sub: id("bob") } });

    // carol acts for bob, for use at Edgevault's token endpoint: a delegated token bob now holds.
    const delegated = await exchange({
      grant_type: GRANT,
      subject_token: await svid(company.id, "bob"),
      subject_token_type: JWT_TYPE,
      actor_token: await svid(company.id, "carol"),
      actor_token_type: JWT_TYPE,
      audience: "edgevault",
      scope: "api_call file_access",
    });
    expect(delegated.status, JSON.stringify(delegated.body)).toBe(200);

    // That delegated token as actor for alice: outermost act is bob, carol nested inside.
    const nested = await exchange({
      grant_type: GRANT,
      subject_token: await svid(company.id, "alice"),
      subject_token_type: JWT_TYPE,
      actor_token: delegated.body.access_token as string,
      actor_token_type: JWT_TYPE,
      resource: "https://mcp.example.com",
    });
    expect(nested.status, JSON.stringify(nested.body)).toBe(200);
    const claims = decodeJwt(nested.body.access_token as string);
    expect(claims.sub).toBe(id("alice"));
    expect(claims.act).toEqual({ sub: id("bob"), act: { sub: id("carol") } });
    // The actor's delegated token carried only api_call and file_access: that caps the result.
    expect(nested.body.scope).toBe("api_call file_access");
    await jwtVerify(nested.body.access_token as string, await jwksOf(company.id), { audience: "https://mcp.example.com" });
  });

  it("grants only what both subject and actor hold", async () => {
    const company = await createCompany();
    await addAgent(company.id, "alice", { capabilities: ["api_call", "mail_send"] });
    await addAgent(company.id, "bob", { capabilities: ["mail_send", "code_execution"] });
    const base = {
      grant_type: GRANT,
      subject_token: await svid(company.id, "alice"),
      subject_token_type: JWT_TYPE,
      actor_token: await svid(company.id, "bob"),
      actor_token_type: JWT_TYPE,
      audience: "svc",
    };
    expect((await exchange(base)).body.scope).toBe("mail_send");
    expectOAuthError(await exchange({ ...base, scope: "api_call" }), "invalid_scope");
    expectOAuthError(await exchange({ ...base, scope: "code_execution" }), "invalid_scope");
  });

  it("refuses an actor from another company (invalid_request, RFC 8693 §2.2.2)", async () => {
    const { company, subject } = await setup();
    const other = await createCompany();
    await addAgent(other.id, "mallory");
    const res = await exchange({
      grant_type: GRANT,
      subject_token: subject,
      subject_token_type: JWT_TYPE,
      actor_token: await svid(other.id, "mallory"),
      actor_token_type: JWT_TYPE,
      audience: "svc",
    });
    expectOAuthError(res, "invalid_request");
    expect(res.body.error_description).toContain("another company");
    expect(company.id).not.toBe(other.id);
  });

  it("refuses an inactive or unknown actor", async () => {
    const { company, subject } = await setup();
    await addAgent(company.id, "sleepy", { status: "disabled" });
    for (const name of ["sleepy", "ghost"]) {
      const res = await exchange({
        grant_type: GRANT,
        subject_token: subject,
        subject_token_type: JWT_TYPE,
        actor_token: await svid(company.id, name),
        actor_token_type: JWT_TYPE,
        audience: "svc",
      });
      expectOAuthError(res, "invalid_request");
    }
  });
});

describe("POST /v1/token/exchange: refusals (RFC 6749 errors, 400)", () => {
  it("grant_type: missing is invalid_request, another is unsupported_grant_type", async () => {
    const { subject } = await setup();
    expectOAuthError(await exchange({ subject_token: subject, subject_token_type: JWT_TYPE, audience: "svc" }), "invalid_request");
    expectOAuthError(
      await exchange({ grant_type: "client_credentials", subject_token: subject, subject_token_type: JWT_TYPE, audience: "svc" }),
      "unsupported_grant_type",
    );
    expectOAuthError(await exchange({ grant_type: [GRANT, GRANT], subject_token: subject, subject_token_type: JWT_TYPE, audience: "svc" }), "invalid_request");
  });

  it("subject and actor token parameters", async () => {
    const { company, subject } = await setup();
    await addAgent(company.id, "bob");
    const actor = await svid(company.id, "bob");
    const base = { grant_type: GRANT, audience: "svc" };
    const cases: Record<string, string | string[]>[] = [
      { ...base, subject_token_type: JWT_TYPE },
      { ...base, subject_token: subject },
      { ...base, subject_token: subject, subject_token_type: "urn:ietf:params:oauth:token-type:saml2" },
      { ...base, subject_token: subject, subject_token_type: JWT_TYPE, actor_token: actor },
      { ...base, subject_token: subject, subject_token_type: JWT_TYPE, actor_token_type: JWT_TYPE },
      { ...base, subject_token: subject, subject_token_type: JWT_TYPE, actor_token: actor, actor_token_type: "urn:x" },
      { ...base, subject_token: subject, subject_token_type: JWT_TYPE, requested_token_type: "urn:ietf:params:oauth:token-type:refresh_token" },
      { ...base, subject_token: [subject, subject], subject_token_type: JWT_TYPE },
    ];
    for (const params of cases) expectOAuthError(await exchange(params), "invalid_request");
  });

  it("target: none is the edge itself (RFC 8693 makes both optional); a malformed resource or too many is invalid_target", async () => {
    const { company, subject } = await setup();
    const base = { grant_type: GRANT, subject_token: subject, subject_token_type: JWT_TYPE };
    const untargeted = await exchange(base);
    expect(untargeted.status, JSON.stringify(untargeted.body)).toBe(200);
    const { payload } = await jwtVerify(untargeted.body.access_token as string, await jwksOf(company.id));
    expect(payload.aud).toEqual([BASE]);
    expectOAuthError(await exchange({ ...base, resource: "not a uri" }), "invalid_target");
    expectOAuthError(await exchange({ ...base, resource: "relative/path" }), "invalid_target");
    expectOAuthError(await exchange({ ...base, resource: "https://x.example/#frag" }), "invalid_target");
    expectOAuthError(await exchange({ ...base, audience: Array.from({ length: 11 }, (_, i) => `a${i}`) }), "invalid_target");
  });

  it("invalid subject tokens are invalid_request (RFC 8693 §2.2.2): tampered, expired, wrong audience, not an SVID", async () => {
    const { company, subject } = await setup();
    const base = { grant_type: GRANT, subject_token_type: JWT_TYPE, audience: "svc" };
    const [h, p, s] = subject.split(".") as [string, string, string];
    const tampered = `${h}.${p}.${s.slice(0, 5)}${s[5] === "A" ? "B" : "A"}${s.slice(6)}`;
    const expired = await svid(company.id, "alice", { now: Date.now() - 2 * 3600_000 });
    const elsewhere = await svid(company.id, "alice", { audience: ["https://mcp.example.com"] });
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await signCompanyToken(svidContext(), company.id, "at+jwt", {
      iss: `spiffe://${env.TRUST_DOMAIN}/company/${company.id}`,
      sub: decodeJwt(subject).sub,
      aud: ["edgevault"],
      iat: now,
      exp: now + 600,
    });
    const none = `${btoa(JSON.stringify({ alg: "none", kid: decodeProtectedHeader(subject).kid })).replace(/=+$/, "")}.${p}.`;
    for (const token of [tampered, expired, elsewhere, accessToken, none, "garbage"]) {
      expectOAuthError(await exchange({ ...base, subject_token: token }), "invalid_request");
    }
  });

  it("a subject agent that is disabled or was deleted is invalid_request", async () => {
    const company = await createCompany();
    await addAgent(company.id, "off", { status: "disabled" });
    await addAgent(company.id, "pending", { status: "pending" });
    for (const name of ["off", "pending", "never-registered"]) {
      const res = await exchange({ grant_type: GRANT, subject_token: await svid(company.id, name), subject_token_type: JWT_TYPE, audience: "svc" });
      expectOAuthError(res, "invalid_request");
    }
  });

  it("bodies: wrong content type, malformed JSON, non-object JSON, wrong JSON types", async () => {
    const { subject } = await setup();
    expectOAuthError(await send(`grant_type=${encodeURIComponent(GRANT)}`, "text/plain"), "invalid_request");
    expectOAuthError(await send("grant_type=x"), "invalid_request");
    expectOAuthError(await send("{not json", "application/json"), "invalid_request");
    expectOAuthError(await send("[1,2]", "application/json"), "invalid_request");
    expectOAuthError(await send(new Uint8Array([0x67, 0xff, 0xfe]), "application/x-www-form-urlencoded"), "invalid_request");
    expectOAuthError(await send(JSON.stringify({ grant_type: GRANT, subject_token: 42, subject_token_type: JWT_TYPE }), "application/json"), "invalid_request");
    expectOAuthError(
      await send(JSON.stringify({ grant_type: [GRANT], subject_token: subject, subject_token_type: JWT_TYPE }), "application/json"),
      "invalid_request",
    );
  });

  it("never answers 500 and never echoes the token", async () => {
    const { subject } = await setup();
    const res = await exchange({ grant_type: GRANT, subject_token: `${subject}x`, subject_token_type: JWT_TYPE, audience: "svc" });
    expectOAuthError(res, "invalid_request");
    expect(JSON.stringify(res.body)).not.toContain(subject.split(".")[2] ?? "");
  });
});

describe("OpenAPI document", () => {
  it("describes token exchange (form and JSON) and the key documents", async () => {
    const res = await call("GET", "/openapi.json");
    const paths = res.body.paths as Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>;
    expect(Object.keys(paths["/v1/token/exchange"]?.post?.requestBody?.content ?? {}).sort()).toEqual([
      "application/json",
      "application/x-www-form-urlencoded",
    ]);
    for (const path of [
      "/v1/companies/{companyId}/jwks.json",
      "/v1/companies/{companyId}/spiffe-bundle",
      "/v1/company/signing-keys/rotate",
      "/v1/company/identity",
    ]) {
      expect(paths[path], path).toBeDefined();
    }
  });
});

describe("POST /v1/token/exchange: an SVID speaks only for the agent it was issued to", () => {
  it("an SVID issued before an agent of that name was (re)created is invalid_request", async () => {
    const company = await createCompany();
    await addAgent(company.id, "bob", { capabilities: ["api_call"] });
    const old = await svid(company.id, "bob", { now: Date.now() - 120_000 });
    // The agent is deleted and another is created under the same name, with more capabilities.
    await env.DB.prepare("DELETE FROM agents WHERE company_id = ? AND name = 'bob'").bind(company.id).run();
    await addAgent(company.id, "bob", { capabilities: ["api_call", "system_command"], registeredAt: Date.now() });
    const res = await exchange({ grant_type: GRANT, subject_token: old, subject_token_type: JWT_TYPE, resource: "https://mcp.example.com/api" });
    expectOAuthError(res, "invalid_request");
    // An SVID of the new agent works.
    const fresh = await exchange({
      grant_type: GRANT,
      subject_token: await svid(company.id, "bob"),
      subject_token_type: JWT_TYPE,
      resource: "https://mcp.example.com/api",
    });
    expect(fresh.status).toBe(200);
  });
});
