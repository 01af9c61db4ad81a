import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, type Json } from "./helpers.ts";
import { agentName, register, claim, approve, reject, type Registered } from "./registrations-support.ts";

describe("self-registration: register, approve, claim", () => {
  it("an agent registers, an owner grants a subset with a realm, the agent claims its token once and uses it", async () => {
    const company = await createCompany();
    const realm = (await call("POST", "/v1/realms", { token: company.ownerKey, body: { name: "Engineering", slug: "eng", color: "#3b82f6" } })).body
      .realm as Json;
    const name = agentName("analyst");
    const res = await call("POST", `/v1/companies/${company.id}/agents/register`, {
      body: { name, version: "1.0.0", capabilities: ["api_call", "file_access", "mail_send"], publicKey: "z6Mkf9x3TQ" },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const registered = res.body as unknown as Registered;
    expect(registered).toMatchObject({ agentId: name, status: "pending", message: "Agent registered. Awaiting admin approval." });
    expect(registered.registrationId).toMatch(/^reg_[A-Za-z0-9]+$/);
    expect(registered.claim_token).toMatch(/^evr_[A-Za-z0-9]+_[A-Za-z0-9_-]{43}$/);

    // Before a decision the claim says "pending" and when to come back.
    const waiting = await claim(registered.claim_token);
    expect(waiting.status).toBe(202);
    expect(waiting.body).toEqual({ status: "pending", registrationId: registered.registrationId });
    expect(waiting.headers.get("retry-after")).toBe("30");

    const pending = await call("GET", "/v1/registrations", { token: company.ownerKey });
    expect(pending.status).toBe(200);
    expect(pending.body.registrations).toEqual([
      {
        id: registered.registrationId,
        name,
        version: "1.0.0",
        publicKey: "z6Mkf9x3TQ",
        requestedCapabilities: ["api_call", "file_access", "mail_send"],
        requestedAt: expect.any(String),
      },
    ]);
    expect(pending.body.availableCapabilities).toEqual([
      "file_access",
      "internet_access",
      "browser_control",
      "api_call",
      "mail_send",
      "code_execution",
      "system_command",
      "agent_communication",
    ]);

    const approved = await approve(company, registered.registrationId, { capabilities: ["api_call", "file_access"], realm: "eng" });
    expect(approved.status).toBe(200);
    expect(approved.body).toEqual({ success: true, agentId: name });
    expect((await call("GET", "/v1/registrations", { token: company.ownerKey })).body.registrations).toEqual([]);

    // The agent exists at once, active, but no usable token exists until the claim.
    const agentRow = await env.DB.prepare("SELECT id, status, role, capabilities, realm_id, version, public_key FROM agents WHERE company_id = ? AND name = ?")
      .bind(company.id, name)
      .first<{ id: string; status: string; role: string; capabilities: string; realm_id: string; version: string; public_key: string }>();
    expect(agentRow).toMatchObject({
      status: "active",
      role: "member",
      capabilities: '["api_call","file_access"]',
      realm_id: realm.id,
      version: "1.0.0",
      public_key: "z6Mkf9x3TQ",
    });
    const live = await env.DB.prepare("SELECT count(*) AS n FROM agent_tokens WHERE agent_id = ? AND revoked_at IS NULL")
      .bind(agentRow?.id)
      .first<{ n: number }>();
    expect(live?.n).toBe(0);

    const claimed = await claim(registered.claim_token);
    expect(claimed.status).toBe(200);
    expect(claimed.headers.get("cache-control")).toBe("no-store");
    expect(claimed.body).toMatchObject({
      status: "approved",
      agentId: name,
      spiffeId: `spiffe://${env.TRUST_DOMAIN}/company/${company.id}/agent/${name}`,
      capabilities: ["api_call", "file_access"],
      realm: { id: realm.id, name: "Engineering", slug: "eng", color: "#3b82f6" },
    });
    const token = claimed.body.token as string;
    expect(token).toMatch(/^eva_/);

    const whoami = await call("GET", "/v1/whoami", { token });
    expect(whoami.status).toBe(200);
    expect(whoami.body).toMatchObject({ kind: "agent", name, company: { id: company.id }, company_role: "member" });
    // Any principal of the company may list realms, agents included.
    expect((await call("GET", "/v1/realms", { token })).status).toBe(200);

    const again = await claim(registered.claim_token);
    expect(again.status).toBe(410);
    expect(again.body.error).toBe("registration_claimed");
    expect((await call("GET", "/v1/whoami", { token })).status).toBe(200);

    const listed = await call("GET", `/v1/agents?q=${name}`, { token: company.ownerKey });
    expect(listed.body.agents).toMatchObject([
      { name, status: "active", capabilities: ["api_call", "file_access"], version: "1.0.0", publicKey: "z6Mkf9x3TQ", realm: { slug: "eng" } },
    ]);

    const audit = await call("GET", "/v1/audit?limit=2", { token: company.ownerKey });
    expect((audit.body.entries as { action: string; actor_type: string }[]).map((e) => [e.action, e.actor_type])).toEqual([
      ["registration.claim", "agent"],
      ["registration.approve", "company_key"],
    ]);
  });

  it("stores no secret in clear: the claim token and agent token exist only as SHA-256", async () => {
    const company = await createCompany();
    const name = agentName();
    const registered = await register(company.id, { name, capabilities: ["api_call"] });
    await approve(company, registered.registrationId, { capabilities: ["api_call"] });
    const token = (await claim(registered.claim_token)).body.token as string;
    const dump = JSON.stringify([
      await env.DB.prepare("SELECT * FROM registrations WHERE company_id = ?").bind(company.id).all(),
      await env.DB.prepare("SELECT * FROM agent_tokens WHERE company_id = ?").bind(company.id).all(),
      await env.DB.prepare("SELECT * FROM agents WHERE company_id = ?").bind(company.id).all(),
      await env.DB.prepare("SELECT * FROM audit_log WHERE company_id = ?").bind(company.id).all(),
    ]);
    expect(dump).not.toContain(registered.claim_token);
    // The secret part may itself contain "_": take everything after the kind and public id.
    expect(dump).not.toContain(registered.claim_token.split("_").slice(2).join("_"));
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(token.split("_").slice(2).join("_"));
  });

  it("approval without a realm and with no capabilities at all", async () => {
    const company = await createCompany();
    const registered = await register(company.id, { name: agentName(), capabilities: ["code_execution"] });
    expect((await approve(company, registered.registrationId, { capabilities: [] })).status).toBe(200);
    const claimed = await claim(registered.claim_token);
    expect(claimed.body).toMatchObject({ status: "approved", capabilities: [], realm: null });
  });

  it("an owner user (not only an API key) may decide", async () => {
    const company = await createCompany();
    const owner = await createUser(company, "owner");
    const registered = await register(company.id, { name: agentName(), capabilities: [] });
    const res = await call("POST", `/v1/registrations/${registered.registrationId}/approve`, { token: owner.token, body: { capabilities: [] } });
    expect(res.status).toBe(200);
  });
});

describe("self-registration: rejection", () => {
  it("a reason a person wrote on several lines reaches the agent as one line", async () => {
    const company = await createCompany();
    const registered = await register(company.id, { name: agentName(), capabilities: [] });
    expect((await reject(company, registered.registrationId, "Not today.\r\nX-Approved: yes")).status).toBe(200);
    const claimed = await claim(registered.claim_token);
    expect(claimed.body).toMatchObject({ error: "registration_rejected", reason: "Not today. X-Approved: yes" });
  });

  it("the agent learns the reason; the decision is final; the name may register again", async () => {
    const company = await createCompany();
    const name = agentName();
    const registered = await register(company.id, { name, capabilities: ["system_command"] });
    const rejected = await reject(company, registered.registrationId, "This agent requires additional security review.");
    expect(rejected.status).toBe(200);
    expect(rejected.body).toEqual({ success: true });

    const claimed = await claim(registered.claim_token);
    expect(claimed.status).toBe(403);
    expect(claimed.body).toMatchObject({ error: "registration_rejected", reason: "This agent requires additional security review." });
    expect(claimed.body.message).toEqual(expect.any(String));

    for (const res of [await reject(company, registered.registrationId), await approve(company, registered.registrationId, { capabilities: [] })]) {
      expect(res.status).toBe(409);
      expect(res.body.error).toBe("registration_decided");
    }
    expect((await call("GET", "/v1/registrations", { token: company.ownerKey })).body.registrations).toEqual([]);
    expect((await register(company.id, { name, capabilities: [] })).status).toBe("pending");
    const audit = await call("GET", "/v1/audit?action=registration.reject", { token: company.ownerKey });
    expect((audit.body.entries as { detail: Json }[])[0]?.detail).toMatchObject({ name, reason: "This agent requires additional security review." });
  });

  it("a reason is required", async () => {
    const company = await createCompany();
    const registered = await register(company.id, { name: agentName(), capabilities: [] });
    const path = `/v1/registrations/${registered.registrationId}/reject`;
    expect((await call("POST", path, { token: company.ownerKey, body: {} })).body.error).toBe("missing_field");
    expect((await call("POST", path, { token: company.ownerKey, body: { reason: "  " } })).body.error).toBe("invalid_request");
    expect((await call("POST", path, { token: company.ownerKey, body: { reason: "x".repeat(1001) } })).status).toBe(400);
  });
});

describe("self-registration: claims", () => {
  it("unknown, forged and foreign tokens are 404 registration_not_found", async () => {
    const company = await createCompany();
    const registered = await register(company.id, { name: agentName(), capabilities: [] });
    const [, publicId, secret] = registered.claim_token.split("_");
    const forgedSecret = `evr_${publicId}_${(secret ?? "").slice(0, -1)}${secret?.endsWith("A") ? "B" : "A"}`;
    for (const token of [forgedSecret, `evr_unknownid_${"A".repeat(43)}`, company.ownerKey, "not-a-token", `eva_${publicId}_${secret}`]) {
      const res = await claim(token);
      expect(res.status, token).toBe(404);
      expect(res.body.error).toBe("registration_not_found");
    }
    expect((await call("POST", "/v1/registrations/claim", { body: {} })).body.error).toBe("missing_field");
    expect((await call("POST", "/v1/registrations/claim", { body: { claim_token: "" } })).status).toBe(400);
    expect((await call("POST", "/v1/registrations/claim", { body: { claim_token: registered.claim_token, extra: 1 } })).body.error).toBe("unknown_field");
    // A claim token is not a bearer token.
    expect((await call("GET", "/v1/whoami", { token: registered.claim_token })).status).toBe(401);
  });

  it("an agent removed after approval cannot be claimed (410 agent_removed)", async () => {
    const company = await createCompany();
    const name = agentName();
    const registered = await register(company.id, { name, capabilities: [] });
    await approve(company, registered.registrationId, { capabilities: [] });
    await env.DB.prepare("DELETE FROM agents WHERE company_id = ? AND name = ?").bind(company.id, name).run();
    const res = await claim(registered.claim_token);
    expect(res.status).toBe(410);
    expect(res.body.error).toBe("agent_removed");
  });
});

describe("self-registration: races", () => {
  it("two concurrent claims: exactly one gets the token, the other 410", async () => {
    const company = await createCompany();
    const registered = await register(company.id, { name: agentName(), capabilities: ["api_call"] });
    await approve(company, registered.registrationId, { capabilities: ["api_call"] });
    const results = await Promise.all([claim(registered.claim_token), claim(registered.claim_token)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 410]);
    expect(results.find((r) => r.status === 410)?.body.error).toBe("registration_claimed");
    const token = results.find((r) => r.status === 200)?.body.token as string;
    expect((await call("GET", "/v1/whoami", { token })).body.kind).toBe("agent");
    const live = await env.DB.prepare("SELECT count(*) AS n FROM agent_tokens WHERE company_id = ? AND revoked_at IS NULL")
      .bind(company.id)
      .first<{ n: number }>();
    expect(live?.n).toBe(1);
  });

  it("two concurrent approvals, or an approval and a rejection: one wins, the other 409", async () => {
    const company = await createCompany();
    const registered = await register(company.id, { name: agentName(), capabilities: ["api_call", "file_access"] });
    const twice = await Promise.all([
      approve(company, registered.registrationId, { capabilities: ["api_call"] }),
      approve(company, registered.registrationId, { capabilities: ["file_access"] }),
    ]);
    expect(twice.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(twice.find((r) => r.status === 409)?.body.error).toBe("registration_decided");
    const agents = await env.DB.prepare("SELECT capabilities FROM agents WHERE company_id = ?").bind(company.id).all<{ capabilities: string }>();
    expect(agents.results).toHaveLength(1);

    const second = await register(company.id, { name: agentName(), capabilities: [] });
    const mixed = await Promise.all([approve(company, second.registrationId, { capabilities: [] }), reject(company, second.registrationId)]);
    expect(mixed.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = mixed[0]?.status === 200 ? "approve" : "reject";
    expect((await claim(second.claim_token)).status).toBe(winner === "approve" ? 200 : 403);
    const audit = await call("GET", "/v1/audit?limit=10", { token: company.ownerKey });
    const decisions = (audit.body.entries as { action: string }[]).filter((e) => e.action === "registration.approve" || e.action === "registration.reject");
    expect(decisions).toHaveLength(2); // one per registration, none for the losers
  });

  it("two concurrent registrations of one name: one 201, one 409", async () => {
    const company = await createCompany();
    const name = agentName();
    const post = () => call("POST", `/v1/companies/${company.id}/agents/register`, { body: { name, capabilities: [] } });
    const results = await Promise.all([post(), post(), post()]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.error === "registration_pending")).toBe(true);
  });
});

describe("documented", () => {
  it("realms, the agent listing and registrations are in /openapi.json", async () => {
    const doc = await call("GET", "/openapi.json");
    const paths = doc.body.paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths["/v1/realms"] ?? {}).sort()).toEqual(["get", "post"]);
    expect(Object.keys(paths["/v1/realms/{realm}"] ?? {}).sort()).toEqual(["delete", "patch"]);
    expect(paths["/v1/agents"]?.get).toBeDefined();
    for (const path of [
      "/v1/companies/{companyId}/agents/register",
      "/v1/registrations/{id}/approve",
      "/v1/registrations/{id}/reject",
      "/v1/registrations/claim",
    ]) {
      expect(paths[path]?.post, path).toBeDefined();
    }
    expect(paths["/v1/registrations"]?.get).toBeDefined();
    // Register and claim need no bearer token.
    expect(paths["/v1/companies/{companyId}/agents/register"]?.post).not.toHaveProperty("security");
    expect(paths["/v1/registrations/claim"]?.post).not.toHaveProperty("security");
  });
});
