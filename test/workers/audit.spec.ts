import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE, call, createCompany, createUser, createVault, inviteAgent, unique } from "./helpers.ts";

type Entry = { id: number; action: string; actor_type: string; target_type: string; detail: Record<string, unknown> | null };

describe("audit log", () => {
  it("records who did what to which target, newest first, and pages", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials: { A: "secret-a" } } });
    await call("PATCH", `/v1/vaults/${vault}`, { token: company.ownerKey, body: { unmatched_host_policy: "deny" } });

    const first = await call("GET", "/v1/audit?limit=2", { token: company.ownerKey });
    expect(first.status).toBe(200);
    const entries = first.body.entries as Entry[];
    expect(entries.map((e) => e.action)).toEqual(["vault.update", "credential.set"]);
    expect(entries[0]?.actor_type).toBe("company_key");
    const cursor = first.body.next_cursor as number;
    expect(cursor).toBeTypeOf("number");

    const second = await call("GET", `/v1/audit?limit=2&before=${cursor}`, { token: company.ownerKey });
    expect((second.body.entries as Entry[]).map((e) => e.action)).toEqual(["vault.create", "company.create"]);
    expect(second.body.next_cursor).toBeNull();
    expect(first.text + second.text).not.toContain("secret-a");

    const filtered = await call("GET", "/v1/audit?action=vault.create", { token: company.ownerKey });
    expect((filtered.body.entries as Entry[]).map((e) => e.action)).toEqual(["vault.create"]);
  });

  it("is for owners only and never shows another company's entries", async () => {
    const company = await createCompany();
    const other = await createCompany();
    await createVault(other.ownerKey);
    const member = await createUser(company);
    expect((await call("GET", "/v1/audit", { token: member.token })).status).toBe(403);
    const mine = await call("GET", "/v1/audit", { token: company.ownerKey });
    expect((mine.body.entries as Entry[]).every((e) => e.action !== "vault.create")).toBe(true);
  });
});

/** Audit rows at chosen times (the log's writer stamps `Date.now()`; these tests need to know the clock). */
async function seedAudit(companyId: string, rows: { actorId: string; action: string; at: number }[]) {
  await env.DB.batch(
    rows.map((r) =>
      env.DB.prepare(
        "INSERT INTO audit_log (company_id, actor_type, actor_id, action, target_type, target_id, created_at) VALUES (?, 'user', ?, ?, 'vault', 'v', ?)",
      ).bind(companyId, r.actorId, r.action, r.at),
    ),
  );
}

const T0 = Date.UTC(2026, 4, 1, 9, 0, 0);
const MINUTE = 60_000;

describe("audit log filters: who and when", () => {
  it("an actor is found by e-mail, agent name, API key label or id, and only in the caller's company", async () => {
    const company = await createCompany();
    const other = await createCompany();
    const user = await createUser(company, "owner");
    const vault = await createVault(user.token);
    const agent = await inviteAgent(company.ownerKey, unique("auditee").slice(0, 40), [{ vault }]);
    // Something the agent itself does, so it is an actor in the log.
    const raised = await call("POST", "/v1/proposals", {
      token: agent.token,
      headers: { "X-Vault": vault },
      body: { credentials: [{ key: "AUDITED_KEY" }], message: "for the audit test" },
    });
    expect(raised.status).toBe(201);
    const key = await call("POST", "/v1/api-keys", { token: company.ownerKey, body: { label: "deploy bot" } });
    expect(key.status).toBe(201);
    await createVault((key.body as { token: string }).token);
    const stranger = await createUser(other, "owner");
    await createVault(stranger.token);

    const actions = async (actor: string) => {
      const res = await call("GET", `/v1/audit?actor=${encodeURIComponent(actor)}`, { token: company.ownerKey });
      expect(res.status, actor).toBe(200);
      return res.body as { entries: (Entry & { actor_id: string })[]; next_cursor: number | null; newer_cursor: number | null };
    };
    const byEmail = await actions(user.email.toUpperCase());
    expect(byEmail.entries.map((e) => e.action)).toEqual(["vault.create"]);
    expect(byEmail.entries[0]?.actor_id).toBe(user.id);
    expect((await actions(user.id)).entries.map((e) => e.actor_id)).toEqual([user.id]);
    const byAgent = await actions(agent.name);
    expect(byAgent.entries.map((e) => [e.actor_type, e.action])).toEqual([["agent", "proposal.raise"]]);
    const byKey = await actions("deploy bot");
    expect(byKey.entries.map((e) => [e.actor_type, e.action])).toEqual([["company_key", "vault.create"]]);

    // Unknown, or another company's person by e-mail or by id: an empty page, not an error, nothing of theirs.
    for (const nobody of ["nobody@example.com", "no-such-agent", stranger.email, stranger.id, "agt_0000000000"]) {
      const page = await actions(nobody);
      expect(page.entries, nobody).toEqual([]);
      expect(page.next_cursor, nobody).toBeNull();
    }
    const theirs = await call("GET", `/v1/audit?actor=${encodeURIComponent(stranger.email)}`, { token: other.ownerKey });
    expect((theirs.body.entries as Entry[]).map((e) => e.action)).toEqual(["vault.create"]);
  });

  it("since is included and until excluded, as ISO 8601 with its offset or epoch milliseconds", async () => {
    const company = await createCompany();
    await seedAudit(
      company.id,
      [0, 1, 2, 3].map((m) => ({ actorId: "usr_seeded", action: `seed.m${m}`, at: T0 + m * MINUTE })),
    );
    const seen = async (query: string) => {
      const res = await call("GET", `/v1/audit?actor=usr_seeded&${query}`, { token: company.ownerKey });
      expect(res.status, query).toBe(200);
      return (res.body.entries as Entry[]).map((e) => e.action);
    };
    expect(await seen("since=2026-05-01T09:01:00Z&until=2026-05-01T09:03:00Z")).toEqual(["seed.m2", "seed.m1"]);
    expect(await seen(`since=${T0 + MINUTE}&until=${T0 + 3 * MINUTE}`)).toEqual(["seed.m2", "seed.m1"]);
    expect(await seen(`since=${encodeURIComponent("2026-05-01T11:02+02:00")}`)).toEqual(["seed.m3", "seed.m2"]);
    expect(await seen("until=2026-05-01T09:00:59.999Z")).toEqual(["seed.m0"]);
    expect(await seen("since=2026-05-02")).toEqual([]);
    expect(await seen("until=2026-05-02&since=2026-05-01")).toEqual(["seed.m3", "seed.m2", "seed.m1", "seed.m0"]);
  });

  it("a time or cursor it cannot read is a 400 with a JSON code, never a 500", async () => {
    const company = await createCompany();
    for (const query of [
      "since=yesterday",
      "since=2026-02-31",
      "since=2026-05-01T09:00",
      "until=2026-05-01T24:00:00Z",
      "since=2026-05-01T09:00:00%2B24:00",
      "until=99999999999999999",
      "since=-5",
      `since=${"9".repeat(50)}`,
      "since=2026-05-02&until=2026-05-01",
      "since=2026-05-01&until=2026-05-01",
      "before=5&after=3",
      "after=-1",
      `actor=${"x".repeat(300)}`,
      "actor=",
    ]) {
      const res = await call("GET", `/v1/audit?${query}`, { token: company.ownerKey });
      expect(res.status, query).toBe(400);
      expect(res.body.error, query).toBe("invalid_request");
      expect(res.headers.get("content-type"), query).toContain("application/json");
    }
  });
});

describe("audit log paging both ways", () => {
  it("next_cursor goes older, newer_cursor newer, with the filters kept, and they meet exactly", async () => {
    const company = await createCompany();
    await seedAudit(company.id, [
      ...Array.from({ length: 7 }, (_, i) => ({ actorId: "usr_pager", action: `page.n${i}`, at: T0 + i * MINUTE })),
      // Another actor's rows in between: filtered out on every page.
      ...Array.from({ length: 3 }, (_, i) => ({ actorId: "usr_other", action: `other.n${i}`, at: T0 + i * MINUTE })),
    ]);
    type Page = { entries: Entry[]; next_cursor: number | null; newer_cursor: number | null };
    const read = async (query: string) => {
      const res = await call("GET", `/v1/audit?actor=usr_pager&limit=3&${query}`, { token: company.ownerKey });
      expect(res.status, query).toBe(200);
      return res.body as Page;
    };
    const names = (p: Page) => p.entries.map((e) => e.action);

    const newest = await read("");
    expect(names(newest)).toEqual(["page.n6", "page.n5", "page.n4"]);
    expect(newest.newer_cursor).toBeNull();
    const middle = await read(`before=${newest.next_cursor}`);
    expect(names(middle)).toEqual(["page.n3", "page.n2", "page.n1"]);
    expect(middle.newer_cursor).toBeTypeOf("number");
    const oldest = await read(`before=${middle.next_cursor}`);
    expect(names(oldest)).toEqual(["page.n0"]);
    expect(oldest.next_cursor).toBeNull();

    // Back up: the same pages, newest first within each.
    const up = await read(`after=${oldest.newer_cursor}`);
    expect(names(up)).toEqual(names(middle));
    expect(up.next_cursor).toBe(middle.next_cursor);
    const top = await read(`after=${up.newer_cursor}`);
    expect(names(top)).toEqual(names(newest));
    expect(top.newer_cursor).toBeNull();
    expect(top.next_cursor).toBe(newest.next_cursor);

    // With a time range as well: the range bounds both directions.
    const ranged = await read(`since=${T0 + MINUTE}&until=${T0 + 6 * MINUTE}&after=${oldest.entries[0]?.id}`);
    expect(names(ranged)).toEqual(["page.n3", "page.n2", "page.n1"]);
    expect((await read(`since=${T0 + MINUTE}&until=${T0 + 6 * MINUTE}&after=${ranged.newer_cursor}`)).entries.map((e) => e.action)).toEqual([
      "page.n5",
      "page.n4",
    ]);
  });
});

describe("the contract in /openapi.json", () => {
  it("lists the audit log's and the request log's filters and both cursors", async () => {
    type Operation = { parameters?: { name: string; in: string }[]; responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
    const doc = (await (await SELF.fetch(`${BASE}/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> };
    const query = (path: string) => (doc.paths[path]?.get?.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name);
    expect(query("/v1/audit")).toEqual(expect.arrayContaining(["limit", "before", "after", "action", "actor", "since", "until"]));
    expect(query("/v1/vaults/{vault}/logs")).toEqual(expect.arrayContaining(["before", "after"]));
    for (const path of ["/v1/audit", "/v1/vaults/{vault}/logs"]) {
      expect(JSON.stringify(doc.paths[path]?.get?.responses["200"]), path).toContain("newer_cursor");
    }
  });
});
