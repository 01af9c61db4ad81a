/** Self-registration refused: bad registrations and decisions get a specific 4xx, and one client address is throttled. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, unique, type Json } from "./helpers.ts";
import { agentName, register, claim, approve, reject } from "./registrations-support.ts";

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
      // Vane's alphabet (Analyst_GPT4 is fine): 1-128 letters, digits, '.', '-', '_', never '.' or '..'.
      [{ name: "..", capabilities: [] }, "invalid_request"],
      [{ name: "", capabilities: [] }, "invalid_request"],
      [{ name: "a".repeat(129), capabilities: [] }, "invalid_request"],
      [{ name: "has space", capabilities: [] }, "invalid_request"],
      [{ name: "has/slash", capabilities: [] }, "invalid_request"],
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
