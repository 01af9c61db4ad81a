/**
 * A Vaultys client written from seed 004 alone: its paths, its fields, its bearer token. It must
 * run against Edgevault unchanged — list with every documented filter, fetch the agent by the `id`
 * the list returned, register without auth at the company's host, approve a subset, reject with a
 * reason — and whatever a seed client adds (unknown parameters, fields) must not break it.
 */
import { describe, expect, it } from "vitest";
import { call, createCompany, type Json, type TestCompany, unique } from "./helpers.ts";

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

function base58(bytes: Uint8Array): string {
  const digits: number[] = [];
  for (const byte of bytes) {
    let carry = byte;
    for (let i = 0; i < digits.length; i++) {
      carry += (digits[i] ?? 0) << 8;
      digits[i] = carry % 58;
      carry = Math.floor(carry / 58);
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = Math.floor(carry / 58);
    }
  }
  let zeros = "";
  for (const byte of bytes) {
    if (byte !== 0) break;
    zeros += "1";
  }
  return (
    zeros +
    digits
      .reverse()
      .map((d) => BASE58[d])
      .join("")
  );
}

/** A fresh Ed25519 public key as multibase (`z6Mk…`), the form a Vaultys agent registers with. */
async function ed25519Multibase(): Promise<string> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const raw = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  return `z${base58(Uint8Array.from([0xed, 0x01, ...raw]))}`;
}

const name = (prefix: string) => unique(prefix).toLowerCase().slice(0, 60);

/** The seed's client: `/api/...` paths and the admin's bearer token, nothing Edgevault-specific. */
function vaultys(company: TestCompany) {
  const token = company.ownerKey;
  return {
    listAgents: (query: string) => call("GET", `/api/agents?${query}`, { token }),
    getAgent: (id: string) => call("GET", `/api/agents/${encodeURIComponent(id)}`, { token }),
    /** Registration with no credentials, at the company's own host. */
    register: (body: Json) => call("POST", `http://${company.id}.localhost/api/agents/register`, { body, headers: { "CF-Connecting-IP": "198.18.7.1" } }),
    registrations: () => call("GET", "/api/registrations", { token }),
    approve: (id: string, capabilities: string[]) => call("POST", `/api/registrations/${id}/approve`, { token, body: { capabilities } }),
    reject: (id: string, reason: string) => call("POST", `/api/registrations/${id}/reject`, { token, body: { reason } }),
  };
}

describe("Vaultys /api (seed 004), unchanged clients", () => {
  it("registers without auth by host, approves a subset, rejects with a reason, lists with every filter and fetches by the returned id", async () => {
    const company = await createCompany();
    const client = vaultys(company);
    await call("POST", "/v1/realms", { token: company.ownerKey, body: { name: "Engineering", slug: "eng", color: "#3b82f6" } });
    const publicKey = await ed25519Multibase();
    const analyst = name("analyst");
    const other = name("helper");

    // A seed client may send fields Edgevault does not know (here `description`): ignored.
    const first = await client.register({
      name: analyst,
      version: "1.0.0",
      capabilities: ["api_call", "file_access", "mail_send"],
      publicKey,
      description: "x",
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ agentId: `did:key:${publicKey}`, message: "Agent registered. Awaiting admin approval." });
    const second = await client.register({ name: other, version: "2.0.0", capabilities: ["api_call"] });
    expect(second.status).toBe(201);
    expect(second.body.agentId).toBe(other);

    const pending = await client.registrations();
    expect(pending.status).toBe(200);
    const registrations = pending.body.registrations as Json[];
    expect(registrations.map((r) => r.name)).toEqual([analyst, other]);
    expect(registrations[0]).toMatchObject({ publicKey, requestedCapabilities: ["api_call", "file_access", "mail_send"] });
    expect(typeof registrations[0]?.requestedAt).toBe("string");
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

    const approved = await client.approve(registrations[0]?.id as string, ["api_call", "file_access"]);
    expect(approved.status).toBe(200);
    expect(approved.body).toEqual({ success: true, agentId: `did:key:${publicKey}` });
    const rejected = await client.reject(registrations[1]?.id as string, "This agent requires additional security review.");
    expect(rejected.status).toBe(200);
    expect(rejected.body).toEqual({ success: true });
    expect(((await client.registrations()).body.registrations as Json[]).length).toBe(0);

    // Every documented filter at once, plus a parameter the seed does not know and a page size over the cap.
    const query = `q=${publicKey.slice(3, 12)}&online=false&realm=eng&capabilities=api_call,file_access&page=1&pageSize=500&sortBy=registeredAt&sortDir=desc&utm_source=docs`;
    await call("PATCH", `/v1/agents/${analyst}`, { token: company.ownerKey, body: { realm: "eng", llmProvider: "openai", llmModel: "gpt-4o" } });
    const page = await client.listAgents(query);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ total: 1, page: 1, pageSize: 100, totalPages: 1, online: 0 });
    const [listed] = page.body.agents as Json[];
    expect(listed).toMatchObject({
      id: `did:key:${publicKey}`,
      name: analyst,
      capabilities: ["api_call", "file_access"],
      llmProvider: "openai",
      llmModel: "gpt-4o",
      isOnline: false,
      lastSeen: null,
      realm: { name: "Engineering", slug: "eng", color: "#3b82f6" },
    });
    expect(Object.keys(listed ?? {})).toEqual(
      expect.arrayContaining(["id", "name", "capabilities", "llmProvider", "llmModel", "isOnline", "registeredAt", "lastSeen", "realm"]),
    );

    // The id the list returned finds the agent, as do its name and its DID typed by hand.
    for (const ref of [listed?.id as string, analyst]) {
      const got = await client.getAgent(ref);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ id: `did:key:${publicKey}`, name: analyst, publicKey, llmSystemPrompt: null, llmModel: "gpt-4o" });
    }
    const raw = await call("GET", `/api/agents/did:key:${publicKey}`, { token: company.ownerKey });
    expect(raw.status).toBe(200);

    // `q` matches the name (any case) and nothing else matches the filters for the rejected agent.
    const byName = await client.listAgents(`q=${analyst.toUpperCase()}`);
    expect((byName.body.agents as Json[]).map((a) => a.name)).toEqual([analyst]);
    const none = await client.listAgents(`q=${other}`);
    expect(none.body).toMatchObject({ agents: [], total: 0, totalPages: 0 });
  });

  it("a keyless agent is listed by its agt_ id, which finds it again and is searchable", async () => {
    const company = await createCompany();
    const client = vaultys(company);
    const keyless = name("keyless");
    await call("POST", "/v1/agents/register", { token: company.ownerKey, body: { agentId: keyless } });
    const page = await client.listAgents(`q=${keyless}&pageSize=0`);
    expect(page.body.pageSize).toBe(1);
    const id = (page.body.agents as Json[])[0]?.id as string;
    expect(id).toMatch(/^agt_/);
    expect((await client.getAgent(id)).body).toMatchObject({ id, name: keyless, publicKey: null, llmProvider: null });
    expect(((await client.listAgents(`q=${id.slice(0, 12).toUpperCase()}`)).body.agents as Json[]).map((a) => a.id)).toContain(id);
    expect((await client.getAgent("agt_doesnotexist")).status).toBe(404);
  });

  it("register: the caller's company from its token, 401 for a bad token, 400 naming the /v1 route without either, 409 for a reused key", async () => {
    const company = await createCompany();
    const publicKey = await ed25519Multibase();

    const byToken = await call("POST", "/api/agents/register", { token: company.ownerKey, body: { name: name("bytoken"), capabilities: [], publicKey } });
    expect(byToken.status).toBe(201);
    const listed = await call("GET", "/api/registrations", { token: company.ownerKey });
    expect((listed.body.registrations as Json[]).map((r) => r.publicKey)).toEqual([publicKey]);

    const badToken = await call("POST", `http://${company.id}.localhost/api/agents/register`, {
      token: "evk_nope_nope",
      body: { name: name("x"), capabilities: [] },
    });
    expect(badToken.status).toBe(401);
    // Credentials of another scheme are not ignored either: no silent fall-back to the host's company.
    for (const authorization of ["Token evk_bogus", "Basic Zm9vOmJhcg==", "Bearer "]) {
      const other = await call("POST", `http://${company.id}.localhost/api/agents/register`, {
        headers: { Authorization: authorization },
        body: { name: name("y"), capabilities: [] },
      });
      expect(other.status, authorization).toBe(401);
    }

    const nowhere = await call("POST", "/api/agents/register", { body: { name: name("anon"), capabilities: [] } });
    expect(nowhere.status).toBe(400);
    expect(nowhere.body.error).toBe("company_required");
    expect(nowhere.body.message).toContain("/v1/companies/{id}/agents/register");

    const unknownCompany = await call("POST", "http://no-such-company-x.localhost/api/agents/register", { body: { name: name("anon"), capabilities: [] } });
    expect(unknownCompany.status).toBe(404);

    const reused = await call("POST", "/api/agents/register", { token: company.ownerKey, body: { name: name("twin"), capabilities: [], publicKey } });
    expect(reused.status).toBe(409);
    expect(reused.body.error).toBe("public_key_in_use");
  });

  it("needs the same bearer tokens as /v1, and a documented parameter with a value outside its set is a 400", async () => {
    const company = await createCompany();
    expect((await call("GET", "/api/agents")).status).toBe(401);
    expect((await call("GET", "/api/registrations")).status).toBe(401);
    const bad = await call("GET", "/api/agents?sortBy=color", { token: company.ownerKey });
    expect(bad.status).toBe(400);
  });
});
