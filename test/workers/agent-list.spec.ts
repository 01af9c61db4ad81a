import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, createVault, inviteAgent, type Json, type TestCompany } from "./helpers.ts";

type Agent = {
  agentId: string;
  name: string;
  spiffeId: string;
  capabilities: string[];
  status: string;
  isOnline: boolean;
  lastSeen: string | null;
  registeredAt: string;
  realm: { id: string; slug: string } | null;
};
type Listing = { agents: Agent[]; total: number; page: number; pageSize: number; totalPages: number; online: number };

const MINUTE = 60_000;
const NOW = Date.now();

type AgentSeed = {
  name: string;
  capabilities?: string[];
  status?: string;
  realmId?: string | null;
  registeredAt?: number;
  lastSeenAt?: number | null;
  /** The presence lease an open channel keeps (agent-channel.spec.ts opens real ones); past or null is offline. */
  onlineUntil?: number | null;
};
/** A lease still running, as the ActorGate of an agent holding its channel writes it. */
const LEASED = NOW + 10 * MINUTE;

/** Agents go straight into D1, with the registration, last-seen and presence times the test needs. */
async function seedAgents(companyId: string, seeds: AgentSeed[]): Promise<void> {
  await env.DB.batch(
    seeds.map((seed, i) =>
      env.DB.prepare(
        "INSERT INTO agents (id, company_id, name, status, capabilities, realm_id, registered_at, last_seen_at, online_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ).bind(
        `agt_${crypto.randomUUID().replace(/-/g, "").slice(0, 18)}`,
        companyId,
        seed.name,
        seed.status ?? "active",
        JSON.stringify(seed.capabilities ?? []),
        seed.realmId ?? null,
        seed.registeredAt ?? NOW - (seeds.length - i) * MINUTE,
        seed.lastSeenAt ?? null,
        seed.onlineUntil ?? null,
      ),
    ),
  );
}

/** An active agent with a working token, and a vault session it minted. */
async function seedAgentTokens(company: TestCompany) {
  const vault = await createVault(company.ownerKey);
  const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "member" }]);
  const session = await call("POST", "/v1/sessions", { token: agent.token, body: { vault, ttl_seconds: 3600 } });
  if (session.status !== 201) throw new Error(`session: ${session.status} ${session.text}`);
  return { agentToken: agent.token, sessionToken: session.body.token as string };
}

async function list(token: string, query = ""): Promise<Listing> {
  const res = await call("GET", `/v1/agents${query}`, { token });
  if (res.status !== 200) throw new Error(`GET /v1/agents${query}: ${res.status} ${res.text}`);
  return res.body as unknown as Listing;
}
const names = (listing: Listing) => listing.agents.map((a) => a.name);

describe("GET /v1/agents: paging", () => {
  it("pages with total, totalPages and the online count of the whole filtered set", async () => {
    const company = await createCompany();
    // 25 agents: a-00 … a-24; every third one holds its channel (online), a-01 was seen an hour ago.
    await seedAgents(
      company.id,
      Array.from({ length: 25 }, (_, i) => ({
        name: `a-${String(i).padStart(2, "0")}`,
        lastSeenAt: i % 3 === 0 ? NOW - MINUTE : i === 1 ? NOW - 60 * MINUTE : null,
        onlineUntil: i % 3 === 0 ? LEASED : null,
      })),
    );
    const first = await list(company.ownerKey);
    expect(first).toMatchObject({ total: 25, page: 1, pageSize: 20, totalPages: 2, online: 9 });
    expect(first.agents).toHaveLength(20);

    const pages = await Promise.all([1, 2, 3, 4].map((page) => list(company.ownerKey, `?pageSize=10&page=${page}`)));
    expect(pages.map((p) => p.agents.length)).toEqual([10, 10, 5, 0]);
    expect(pages.map((p) => [p.total, p.totalPages, p.online, p.page, p.pageSize])).toEqual([
      [25, 3, 9, 1, 10],
      [25, 3, 9, 2, 10],
      [25, 3, 9, 3, 10],
      [25, 3, 9, 4, 10],
    ]);
    // The pages partition the set in name order.
    expect(pages.flatMap(names)).toEqual(Array.from({ length: 25 }, (_, i) => `a-${String(i).padStart(2, "0")}`));

    expect(await list(company.ownerKey, "?pageSize=100")).toMatchObject({ total: 25, totalPages: 1, pageSize: 100 });
    expect(await list(company.ownerKey, "?q=zzz")).toMatchObject({ agents: [], total: 0, totalPages: 0, online: 0 });
  });

  it("shows each agent with its SPIFFE ID, realm, online flag and times", async () => {
    const company = await createCompany();
    const realm = (await call("POST", "/v1/realms", { token: company.ownerKey, body: { name: "Eng", slug: "eng", color: "#3b82f6" } })).body.realm as Json;
    const registeredAt = NOW - 10 * MINUTE;
    await seedAgents(company.id, [
      { name: "analyst", capabilities: ["api_call"], realmId: realm.id as string, registeredAt, lastSeenAt: NOW - MINUTE, onlineUntil: LEASED },
    ]);
    const [agent] = (await list(company.ownerKey)).agents;
    expect(agent).toMatchObject({
      agentId: "analyst",
      name: "analyst",
      spiffeId: `spiffe://${env.TRUST_DOMAIN}/company/${company.id}/agent/analyst`,
      companyId: company.id,
      status: "active",
      role: "member",
      capabilities: ["api_call"],
      realm: { id: realm.id, name: "Eng", slug: "eng", color: "#3b82f6" },
      isOnline: true,
      registeredAt: new Date(registeredAt).toISOString(),
      lastSeen: new Date(NOW - MINUTE).toISOString(),
    });
  });
});

describe("GET /v1/agents: filters", () => {
  async function seeded() {
    const company = await createCompany();
    const eng = (await call("POST", "/v1/realms", { token: company.ownerKey, body: { name: "Engineering", slug: "eng" } })).body.realm as Json;
    await seedAgents(company.id, [
      { name: "researcher-1", capabilities: ["api_call", "file_access"], realmId: eng.id as string, lastSeenAt: NOW - MINUTE, onlineUntil: LEASED },
      // Seen a minute ago over HTTP, but holding no channel: offline.
      { name: "researcher-2", capabilities: ["api_call"], realmId: eng.id as string, lastSeenAt: NOW - MINUTE },
      { name: "mailer", capabilities: ["mail_send", "api_call", "file_access"], lastSeenAt: NOW - MINUTE, onlineUntil: LEASED },
      { name: "pending-bot", capabilities: ["file_access"], status: "pending" },
      // A lease nobody renewed (its object died without closing): run out, so offline.
      { name: "old-timer", capabilities: [], status: "disabled", lastSeenAt: NOW - 6 * MINUTE, onlineUntil: NOW - MINUTE },
      { name: "pct-100", capabilities: [] },
    ]);
    return { company, eng };
  }

  it("q is a case-insensitive substring of the name, matched literally", async () => {
    const { company } = await seeded();
    expect(names(await list(company.ownerKey, "?q=SEARCH"))).toEqual(["researcher-1", "researcher-2"]);
    expect(names(await list(company.ownerKey, "?q=er-"))).toEqual(["researcher-1", "researcher-2"]);
    expect(names(await list(company.ownerKey, `?q=${encodeURIComponent("%")}`))).toEqual([]);
    // `_` is no wildcard: "r_1" is in no name (and every id reads `agt_…`, never `r_`).
    expect(names(await list(company.ownerKey, "?q=r_1"))).toEqual([]);
    expect((await list(company.ownerKey, "?q=")).total).toBe(6);
  });

  it("online: holding a channel whose presence lease has not run out (being seen recently is not enough)", async () => {
    const { company } = await seeded();
    const online = await list(company.ownerKey, "?online=true");
    expect(names(online)).toEqual(["mailer", "researcher-1"]);
    expect(online.agents.every((a) => a.isOnline)).toBe(true);
    expect(online.online).toBe(2);
    const offline = await list(company.ownerKey, "?online=false");
    expect(names(offline)).toEqual(["old-timer", "pct-100", "pending-bot", "researcher-2"]);
    expect(offline.online).toBe(0);
  });

  it("realm by id or slug; an unknown or foreign realm is 404", async () => {
    const { company, eng } = await seeded();
    const bySlug = await list(company.ownerKey, "?realm=eng");
    expect(names(bySlug)).toEqual(["researcher-1", "researcher-2"]);
    expect(bySlug.online).toBe(1);
    expect(names(await list(company.ownerKey, `?realm=${eng.id}`))).toEqual(["researcher-1", "researcher-2"]);
    const unknown = await call("GET", "/v1/agents?realm=nope", { token: company.ownerKey });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe("realm_not_found");
    const other = await createCompany();
    const theirs = (await call("POST", "/v1/realms", { token: other.ownerKey, body: { name: "Theirs" } })).body.realm as Json;
    expect((await call("GET", `/v1/agents?realm=${theirs.id}`, { token: company.ownerKey })).status).toBe(404);
  });

  it("capabilities: the agent must have all of them, and paging counts only matches", async () => {
    const { company } = await seeded();
    expect(names(await list(company.ownerKey, "?capabilities=api_call"))).toEqual(["mailer", "researcher-1", "researcher-2"]);
    const both = await list(company.ownerKey, "?capabilities=api_call,file_access");
    expect(names(both)).toEqual(["mailer", "researcher-1"]);
    expect(both).toMatchObject({ total: 2, online: 2, totalPages: 1 });
    expect(names(await list(company.ownerKey, "?capabilities=file_access, api_call ,mail_send"))).toEqual(["mailer"]);
    expect(names(await list(company.ownerKey, "?capabilities=api_call,api_call,file_access"))).toEqual(["mailer", "researcher-1"]);
    expect(names(await list(company.ownerKey, "?capabilities=system_command"))).toEqual([]);
    const paged = await list(company.ownerKey, "?capabilities=api_call&pageSize=2&page=2");
    expect(paged).toMatchObject({ total: 3, totalPages: 2, online: 2 });
    expect(names(paged)).toEqual(["researcher-2"]);

    const unknown = await call("GET", "/v1/agents?capabilities=api_call,teleport", { token: company.ownerKey });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe("unknown_capability");
    expect(unknown.body.message).toContain("teleport");
    expect(unknown.body.availableCapabilities).toContain("api_call");
  });

  it("status, and every filter combined", async () => {
    const { company } = await seeded();
    expect(names(await list(company.ownerKey, "?status=pending"))).toEqual(["pending-bot"]);
    expect(names(await list(company.ownerKey, "?status=disabled"))).toEqual(["old-timer"]);
    expect((await list(company.ownerKey, "?status=active")).total).toBe(4);
    const combined = await list(company.ownerKey, "?q=RESEARCH&online=true&realm=eng&capabilities=file_access&status=active");
    expect(names(combined)).toEqual(["researcher-1"]);
    expect(combined).toMatchObject({ total: 1, online: 1 });
  });
});

describe("GET /v1/agents: sorting", () => {
  it("by name, registeredAt and lastSeen, both directions", async () => {
    const company = await createCompany();
    await seedAgents(company.id, [
      { name: "bravo", registeredAt: NOW - 3 * MINUTE, lastSeenAt: NOW - 2 * MINUTE },
      { name: "alpha", registeredAt: NOW - 1 * MINUTE, lastSeenAt: null },
      { name: "delta", registeredAt: NOW - 4 * MINUTE, lastSeenAt: NOW - 30 * MINUTE },
      { name: "charlie", registeredAt: NOW - 2 * MINUTE, lastSeenAt: NOW - 1 * MINUTE },
    ]);
    const sorted = async (query: string) => names(await list(company.ownerKey, query));
    expect(await sorted("")).toEqual(["alpha", "bravo", "charlie", "delta"]);
    expect(await sorted("?sortDir=desc")).toEqual(["delta", "charlie", "bravo", "alpha"]);
    expect(await sorted("?sortBy=registeredAt")).toEqual(["delta", "bravo", "charlie", "alpha"]);
    expect(await sorted("?sortBy=registeredAt&sortDir=desc")).toEqual(["alpha", "charlie", "bravo", "delta"]);
    // Most recently seen first; never seen last.
    expect(await sorted("?sortBy=lastSeen&sortDir=desc")).toEqual(["charlie", "bravo", "delta", "alpha"]);
    expect(await sorted("?sortBy=lastSeen&sortDir=asc")).toEqual(["alpha", "delta", "bravo", "charlie"]);
    // Ties fall back to the name, so paging is stable.
    await seedAgents(company.id, [{ name: "echo", registeredAt: NOW - 3 * MINUTE }]);
    expect(await sorted("?sortBy=registeredAt&pageSize=3")).toEqual(["delta", "bravo", "echo"]);
  });
});

describe("GET /v1/agents: bad input answers 400", () => {
  it("page size above 100, bad numbers, enums and unknown parameters", async () => {
    const company = await createCompany();
    const cases: [string, string][] = [
      ["?pageSize=101", "invalid_request"],
      ["?pageSize=0", "invalid_request"],
      ["?pageSize=2.5", "invalid_request"],
      ["?page=0", "invalid_request"],
      ["?page=-1", "invalid_request"],
      ["?page=abc", "invalid_request"],
      ["?page=", "invalid_request"],
      ["?sortBy=age", "invalid_request"],
      ["?sortDir=up", "invalid_request"],
      ["?online=yes", "invalid_request"],
      ["?status=deleted", "invalid_request"],
      [`?q=${"x".repeat(129)}`, "invalid_request"],
      ["?limit=10", "unknown_field"],
      ["?sort=name", "unknown_field"],
      ["?capabilities=root", "unknown_capability"],
    ];
    for (const [query, code] of cases) {
      const res = await call("GET", `/v1/agents${query}`, { token: company.ownerKey });
      expect(res.status, query).toBe(400);
      expect(res.body.error, query).toBe(code);
    }
    expect((await call("GET", "/v1/agents?pageSize=100", { token: company.ownerKey })).status).toBe(200);
  });
});

describe("GET /v1/agents: who may list", () => {
  it("owners, members, owner agents and API keys see the company's agents; member agents and vault sessions are refused", async () => {
    const company = await createCompany();
    await seedAgents(company.id, [{ name: "visible" }]);
    const member = await createUser(company);
    const owner = await createUser(company, "owner");
    for (const token of [company.ownerKey, owner.token, member.token]) {
      expect(names(await list(token))).toEqual(["visible"]);
    }
    const { agentToken, sessionToken } = await seedAgentTokens(company);
    expect((await call("GET", "/v1/whoami", { token: agentToken })).body.kind).toBe("agent");
    for (const token of [agentToken, sessionToken]) {
      const res = await call("GET", "/v1/agents", { token });
      expect(res.status).toBe(403);
      expect(res.body.error).toBe("forbidden");
    }
    // Seed 002: owner agents manage agents, so they may list them.
    const ownerAgent = await inviteAgent(company.ownerKey, undefined, [], "owner");
    expect((await list(ownerAgent.token)).agents.map((a) => a.agentId)).toContain("visible");
    expect((await call("GET", "/v1/agents")).status).toBe(401);
  });

  it("never shows another company's agents", async () => {
    const company = await createCompany();
    const other = await createCompany();
    await seedAgents(company.id, [{ name: "mine", lastSeenAt: NOW, onlineUntil: LEASED }]);
    await seedAgents(other.id, [
      { name: "theirs", lastSeenAt: NOW, onlineUntil: LEASED },
      { name: "mine", lastSeenAt: NOW, onlineUntil: LEASED },
    ]);
    const listing = await list(company.ownerKey);
    expect(names(listing)).toEqual(["mine"]);
    expect(listing).toMatchObject({ total: 1, online: 1 });
    expect(listing.agents[0]?.spiffeId).toContain(`/company/${company.id}/`);
    expect((await list(company.ownerKey, "?q=theirs")).total).toBe(0);
  });
});
