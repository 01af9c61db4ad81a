import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, unique, type Json, type TestCompany } from "./helpers.ts";

type Registered = { agentId: string; registrationId: string; status: string; message: string; claim_token: string };

function agentName(prefix = "bot"): string {
  return unique(prefix).toLowerCase().slice(0, 64);
}

async function register(companyId: string, body: Record<string, unknown>): Promise<Registered> {
  const res = await call("POST", `/v1/companies/${companyId}/agents/register`, { body });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${res.text}`);
  return res.body as unknown as Registered;
}

const claim = (claimToken: string) => call("POST", "/v1/registrations/claim", { body: { claim_token: claimToken } });
const approve = (company: TestCompany, id: string, body: Record<string, unknown>) =>
  call("POST", `/v1/registrations/${id}/approve`, { token: company.ownerKey, body });
const reject = (company: TestCompany, id: string, reason = "Needs a security review.") =>
  call("POST", `/v1/registrations/${id}/reject`, { token: company.ownerKey, body: { reason } });

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

describe("self-registration: bad registrations answer a specific 4xx", () => {
  it("unknown company, taken or pending names, bad names, capabilities and fields", async () => {
    const company = await createCompany();
    const post = (body: unknown, companyId = company.id) => call("POST", `/v1/companies/${companyId}/agents/register`, { body });

    const unknownCompany = await post({ name: "some-agent", capabilities: [] }, unique("nope"));
    expect(unknownCompany.status).toBe(404);
    expect(unknownCompany.body.error).toBe("company_not_found");
    expect((await post({ name: "some-agent", capabilities: [] }, "Bad_Company")).status).toBe(400);

    const name = agentName();
    await register(company.id, { name, capabilities: [] });
    const pending = await post({ name, capabilities: ["api_call"] });
    expect(pending.status).toBe(409);
    expect(pending.body.error).toBe("registration_pending");

    const existing = agentName("taken");
    await env.DB.prepare("INSERT INTO agents (id, company_id, name, registered_at) VALUES (?, ?, ?, ?)")
      .bind(`agt_${crypto.randomUUID().slice(0, 8)}`, company.id, existing, Date.now())
      .run();
    const taken = await post({ name: existing, capabilities: [] });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toBe("agent_exists");

    const unknownCapability = await post({ name: agentName(), capabilities: ["api_call", "mind_control"] });
    expect(unknownCapability.status).toBe(400);
    expect(unknownCapability.body.error).toBe("unknown_capability");
    expect(unknownCapability.body.message).toContain("mind_control");

    const cases: [unknown, string][] = [
      [{ name: "UPPER", capabilities: [] }, "invalid_request"],
      [{ name: "ab", capabilities: [] }, "invalid_request"],
      [{ name: "a".repeat(65), capabilities: [] }, "invalid_request"],
      [{ name: "has space", capabilities: [] }, "invalid_request"],
      [{ name: "ok-name" }, "missing_field"],
      [{ capabilities: [] }, "missing_field"],
      [{ name: "ok-name", capabilities: "api_call" }, "invalid_request"],
      [{ name: "ok-name", capabilities: [1] }, "invalid_request"],
      [{ name: "ok-name", capabilities: [], version: "" }, "invalid_request"],
      [{ name: "ok-name", capabilities: [], version: "v".repeat(65) }, "invalid_request"],
      [{ name: "ok-name", capabilities: [], publicKey: "k".repeat(4097) }, "invalid_request"],
      [{ name: "ok-name", capabilities: [], favouriteColour: "blue" }, "unknown_field"],
      [["ok-name"], "invalid_request"],
    ];
    for (const [body, code] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error, JSON.stringify(body)).toBe(code);
    }
    const malformed = await call("POST", `/v1/companies/${company.id}/agents/register`, { headers: { "Content-Type": "application/json" }, rawBody: "{" });
    expect(malformed.body.error).toBe("malformed_json");
  });

  it("at most 100 pending per company (429), other companies unaffected", async () => {
    const company = await createCompany();
    const now = Date.now();
    await env.DB.batch(
      Array.from({ length: 100 }, (_, i) =>
        env.DB.prepare(
          "INSERT INTO registrations (id, company_id, name, requested_capabilities, claim_secret_hash, created_at) VALUES (?, ?, ?, '[]', ?, ?)",
        ).bind(`reg_fill${i}x${company.id.replace(/-/g, "")}`.slice(0, 60), company.id, `filler-${i}`, "0".repeat(64), now),
      ),
    );
    const full = await call("POST", `/v1/companies/${company.id}/agents/register`, { body: { name: agentName(), capabilities: [] } });
    expect(full.status).toBe(429);
    expect(full.body.error).toBe("too_many_registrations");
    // A name already pending is still reported as such, not as the cap.
    expect((await call("POST", `/v1/companies/${company.id}/agents/register`, { body: { name: "filler-7", capabilities: [] } })).body.error).toBe(
      "registration_pending",
    );
    const other = await createCompany();
    expect((await register(other.id, { name: agentName(), capabilities: [] })).status).toBe("pending");
    // Deciding one frees a slot.
    expect((await reject(company, `reg_fill0x${company.id.replace(/-/g, "")}`.slice(0, 60))).status).toBe(200);
    expect((await register(company.id, { name: agentName(), capabilities: [] })).status).toBe("pending");
  });
});

describe("self-registration: bad decisions answer a specific 4xx", () => {
  it("granting what was not requested, unknown realms, vanished names", async () => {
    const company = await createCompany();
    const registered = await register(company.id, { name: agentName(), capabilities: ["api_call"] });
    const notRequested = await approve(company, registered.registrationId, { capabilities: ["api_call", "system_command"] });
    expect(notRequested.status).toBe(400);
    expect(notRequested.body).toMatchObject({ error: "capability_not_requested", requestedCapabilities: ["api_call"] });
    expect(notRequested.body.message).toContain("system_command");
    expect((await approve(company, registered.registrationId, { capabilities: ["teleport"] })).body.error).toBe("capability_not_requested");

    const noRealm = await approve(company, registered.registrationId, { capabilities: ["api_call"], realm: "nope" });
    expect(noRealm.status).toBe(404);
    expect(noRealm.body.error).toBe("realm_not_found");
    const other = await createCompany();
    const theirRealm = (await call("POST", "/v1/realms", { token: other.ownerKey, body: { name: "Theirs" } })).body.realm as Json;
    expect((await approve(company, registered.registrationId, { capabilities: [], realm: theirRealm.id })).body.error).toBe("realm_not_found");

    expect((await approve(company, registered.registrationId, {})).body.error).toBe("missing_field");
    expect((await approve(company, registered.registrationId, { capabilities: [], role: "owner" })).body.error).toBe("unknown_field");
    const unknown = await approve(company, "reg_doesnotexist", { capabilities: [] });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe("registration_not_found");
    expect((await reject(company, "reg_doesnotexist")).body.error).toBe("registration_not_found");

    // Someone created an agent with the same name meanwhile (e.g. by invite).
    const raced = await register(company.id, { name: agentName(), capabilities: [] });
    const racedName = (await call("GET", "/v1/registrations", { token: company.ownerKey })).body.registrations as { id: string; name: string }[];
    const target = racedName.find((r) => r.id === raced.registrationId);
    await env.DB.prepare("INSERT INTO agents (id, company_id, name, registered_at) VALUES (?, ?, ?, ?)")
      .bind(`agt_${crypto.randomUUID().slice(0, 8)}`, company.id, target?.name, Date.now())
      .run();
    const clash = await approve(company, raced.registrationId, { capabilities: [] });
    expect(clash.status).toBe(409);
    expect(clash.body.error).toBe("agent_exists");
    expect((await claim(raced.claim_token)).status).toBe(202);
  });

  it("only owners decide and list; another company's registration is 404", async () => {
    const company = await createCompany();
    const other = await createCompany();
    const member = await createUser(company);
    const registered = await register(company.id, { name: agentName(), capabilities: [] });
    const theirs = await register(other.id, { name: agentName(), capabilities: [] });

    expect((await call("GET", "/v1/registrations")).status).toBe(401);
    expect((await call("POST", `/v1/registrations/${registered.registrationId}/approve`, { body: { capabilities: [] } })).status).toBe(401);
    for (const [path, body] of [
      ["/v1/registrations", undefined],
      [`/v1/registrations/${registered.registrationId}/approve`, { capabilities: [] }],
      [`/v1/registrations/${registered.registrationId}/reject`, { reason: "no" }],
    ] as const) {
      const res = await call(body ? "POST" : "GET", path, { token: member.token, body });
      expect(res.status, path).toBe(403);
    }
    for (const res of [await approve(company, theirs.registrationId, { capabilities: [] }), await reject(company, theirs.registrationId)]) {
      expect(res.status).toBe(404);
      expect(res.body.error).toBe("registration_not_found");
    }
    const mine = (await call("GET", "/v1/registrations", { token: company.ownerKey })).body.registrations as { id: string }[];
    expect(mine.map((r) => r.id)).toEqual([registered.registrationId]);
    expect((await claim(theirs.claim_token)).status).toBe(202);
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

describe("self-registration throttling", () => {
  it("one client address gets at most 10 registrations an hour (429 with Retry-After); others are unaffected", async () => {
    const company = await createCompany();
    const from = (ip: string, name: string) =>
      call("POST", `/v1/companies/${company.id}/agents/register`, { headers: { "CF-Connecting-IP": ip }, body: { name, capabilities: [] } });
    const ip = `198.51.100.${Math.floor(Math.random() * 200) + 1}`;
    for (let i = 0; i < 10; i++) expect((await from(ip, `spam-${i}-${Date.now().toString(36)}`)).status).toBe(201);
    const blocked = await from(ip, `spam-x-${Date.now().toString(36)}`);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toBe("too_many_attempts");
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await from("203.0.113.99", `other-${Date.now().toString(36)}`)).status).toBe(201);
  });

  it("IPv6 clients count per /64: 11 addresses in one /64 get 10 registrations; another /64 is unaffected", async () => {
    const company = await createCompany();
    const from = (ip: string, name: string) =>
      call("POST", `/v1/companies/${company.id}/agents/register`, { headers: { "CF-Connecting-IP": ip }, body: { name, capabilities: [] } });
    const hextet = () => Math.floor(Math.random() * 0x10000).toString(16);
    const [x, y] = [hextet(), hextet()];
    // Eleven different addresses of 2001:db8:x:y::/64, in the spellings a client may use.
    const addresses = Array.from({ length: 11 }, (_, i) =>
      i % 2 ? `2001:DB8:${x.toUpperCase()}:${y}:0:0:0:${(i + 1).toString(16)}` : `2001:0db8:${x.padStart(4, "0")}:${y}::${i + 1}:${i}`,
    );
    expect(new Set(addresses).size).toBe(11);
    for (const [i, address] of addresses.slice(0, 10).entries()) expect((await from(address, agentName(`v6-${i}`))).status, address).toBe(201);
    const blocked = await from(addresses[10] ?? "", agentName("v6-x"));
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toBe("too_many_attempts");
    expect((await from(`2001:db8:${x}:${(parseInt(y, 16) ^ 1).toString(16)}::1`, agentName("v6-other"))).status).toBe(201);
  });
});
