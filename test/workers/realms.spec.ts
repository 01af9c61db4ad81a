import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, unique, type TestCompany } from "./helpers.ts";

type Realm = { id: string; name: string; slug: string; color: string | null; agentCount?: number };

async function createRealm(company: TestCompany, body: Record<string, unknown>): Promise<Realm> {
  const res = await call("POST", "/v1/realms", { token: company.ownerKey, body });
  if (res.status !== 201) throw new Error(`createRealm failed: ${res.status} ${res.text}`);
  return res.body.realm as Realm;
}

/** Puts an agent straight into D1 (the agent API is another area's). */
async function insertAgent(companyId: string, realmId: string | null): Promise<string> {
  const id = `agt_${crypto.randomUUID().replace(/-/g, "").slice(0, 18)}`;
  await env.DB.prepare("INSERT INTO agents (id, company_id, name, realm_id, registered_at) VALUES (?, ?, ?, ?, ?)")
    .bind(id, companyId, unique("a"), realmId, Date.now())
    .run();
  return id;
}

describe("realms: create, list, rename, delete", () => {
  it("creates with a derived slug, lists with agent counts, renames by slug or id, deletes", async () => {
    const company = await createCompany();
    const created = await call("POST", "/v1/realms", { token: company.ownerKey, body: { name: "Équipe Data & ML", color: "#3B82F6" } });
    expect(created.status).toBe(201);
    const realm = created.body.realm as Realm;
    expect(realm).toMatchObject({ name: "Équipe Data & ML", slug: "equipe-data-ml", color: "#3b82f6" });
    expect(realm.id).toMatch(/^rlm_[0-9a-f]+$/);
    const eng = await createRealm(company, { name: "Engineering", slug: "eng" });
    expect(eng.color).toBeNull();
    await insertAgent(company.id, eng.id);
    await insertAgent(company.id, eng.id);

    const list = await call("GET", "/v1/realms", { token: company.ownerKey });
    expect(list.status).toBe(200);
    expect(list.body.realms).toEqual([
      { ...eng, agentCount: 2 },
      { ...realm, agentCount: 0 },
    ]);

    const renamed = await call("PATCH", "/v1/realms/eng", { token: company.ownerKey, body: { name: "Platform Engineering", color: "#00ff00" } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.realm).toEqual({ id: eng.id, name: "Platform Engineering", slug: "eng", color: "#00ff00" });
    const uncoloured = await call("PATCH", `/v1/realms/${eng.id}`, { token: company.ownerKey, body: { color: null } });
    expect(uncoloured.body.realm).toMatchObject({ name: "Platform Engineering", color: null });

    const deleted = await call("DELETE", `/v1/realms/${realm.id}`, { token: company.ownerKey });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ deleted: "equipe-data-ml", agentsUnassigned: 0 });
    expect((await call("DELETE", `/v1/realms/${realm.id}`, { token: company.ownerKey })).body.error).toBe("realm_not_found");
    expect(((await call("GET", "/v1/realms", { token: company.ownerKey })).body.realms as Realm[]).map((r) => r.slug)).toEqual(["eng"]);
  });

  it("deleting a realm leaves its agents in place with no realm (ON DELETE SET NULL holds in D1)", async () => {
    const company = await createCompany();
    const realm = await createRealm(company, { name: "Doomed" });
    const keep = await createRealm(company, { name: "Kept" });
    const inDoomed = [await insertAgent(company.id, realm.id), await insertAgent(company.id, realm.id)];
    const inKept = await insertAgent(company.id, keep.id);
    const res = await call("DELETE", "/v1/realms/doomed", { token: company.ownerKey });
    expect(res.body).toEqual({ deleted: "doomed", agentsUnassigned: 2 });
    for (const id of inDoomed) {
      const row = await env.DB.prepare("SELECT realm_id FROM agents WHERE id = ?").bind(id).first<{ realm_id: string | null }>();
      expect(row).toEqual({ realm_id: null });
    }
    const kept = await env.DB.prepare("SELECT realm_id FROM agents WHERE id = ?").bind(inKept).first<{ realm_id: string | null }>();
    expect(kept).toEqual({ realm_id: keep.id });
  });

  it("every change is audited", async () => {
    const company = await createCompany();
    const realm = await createRealm(company, { name: "Audited" });
    await call("PATCH", "/v1/realms/audited", { token: company.ownerKey, body: { name: "Audited 2" } });
    await call("DELETE", "/v1/realms/audited", { token: company.ownerKey });
    const audit = await call("GET", "/v1/audit?limit=3", { token: company.ownerKey });
    const entries = audit.body.entries as { action: string; target_id: string }[];
    expect(entries.map((e) => e.action)).toEqual(["realm.delete", "realm.update", "realm.create"]);
    expect(entries.every((e) => e.target_id === realm.id)).toBe(true);
  });
});

describe("realms: bad input answers a specific 4xx", () => {
  it("duplicate slugs are 409 realm_exists, whether given or derived", async () => {
    const company = await createCompany();
    await createRealm(company, { name: "Sales", slug: "sales" });
    const given = await call("POST", "/v1/realms", { token: company.ownerKey, body: { name: "Other", slug: "sales" } });
    expect(given.status).toBe(409);
    expect(given.body.error).toBe("realm_exists");
    const derived = await call("POST", "/v1/realms", { token: company.ownerKey, body: { name: "SALES!" } });
    expect(derived.status).toBe(409);
    expect(derived.body.error).toBe("realm_exists");
  });

  it("bad slugs, colours, names and fields", async () => {
    const company = await createCompany();
    const post = (body: unknown) => call("POST", "/v1/realms", { token: company.ownerKey, body });
    for (const slug of ["UPPER", "-lead", "trail-", "has space", "under_score", "a".repeat(65), ""]) {
      const res = await post({ name: "X", slug });
      expect(res.status, slug).toBe(400);
      expect(res.body.error, slug).toBe("invalid_request");
    }
    for (const color of ["red", "#fff", "#12345g", "3b82f6", "#3b82f6ff"]) {
      expect((await post({ name: "X", color })).status, color).toBe(400);
    }
    expect((await post({ name: "" })).body.error).toBe("invalid_request");
    expect((await post({ name: "   " })).body.error).toBe("invalid_request");
    expect((await post({ name: "x".repeat(101) })).status).toBe(400);
    expect((await post({})).body.error).toBe("missing_field");
    expect((await post({ name: "X", colour: "#000000" })).body.error).toBe("unknown_field");
    const underivable = await post({ name: "日本語" });
    expect(underivable.status).toBe(400);
    expect(underivable.body.error).toBe("invalid_slug");
    expect((await post({ name: "日本語", slug: "japan" })).status).toBe(201);

    const patch = (body: unknown) => call("PATCH", "/v1/realms/japan", { token: company.ownerKey, body });
    expect((await patch({})).body.error).toBe("nothing_to_update");
    expect((await patch({ slug: "nippon" })).body.error).toBe("unknown_field");
    expect((await patch({ color: "blue" })).status).toBe(400);
    expect((await call("PATCH", "/v1/realms/nope", { token: company.ownerKey, body: { name: "Y" } })).body.error).toBe("realm_not_found");
  });
});

describe("realms: who may do what", () => {
  it("members may list; only owners manage", async () => {
    const company = await createCompany();
    const realm = await createRealm(company, { name: "Ops" });
    const member = await createUser(company);
    const owner = await createUser(company, "owner");
    expect((await call("GET", "/v1/realms", { token: member.token })).body.realms).toEqual([{ ...realm, agentCount: 0 }]);
    for (const [method, path, body] of [
      ["POST", "/v1/realms", { name: "Mine" }],
      ["PATCH", "/v1/realms/ops", { name: "Hijacked" }],
      ["DELETE", "/v1/realms/ops", undefined],
    ] as const) {
      const res = await call(method, path, { token: member.token, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error).toBe("forbidden");
    }
    expect((await call("PATCH", "/v1/realms/ops", { token: owner.token, body: { name: "Operations" } })).status).toBe(200);
    expect((await call("GET", "/v1/realms")).status).toBe(401);
  });

  it("another company's realm is 404 by id and by slug, and never listed", async () => {
    const company = await createCompany();
    const other = await createCompany();
    const theirs = await createRealm(other, { name: "Secret Project", slug: "secret" });
    for (const ref of [theirs.id, "secret"]) {
      expect((await call("PATCH", `/v1/realms/${ref}`, { token: company.ownerKey, body: { name: "Mine now" } })).status).toBe(404);
      const del = await call("DELETE", `/v1/realms/${ref}`, { token: company.ownerKey });
      expect(del.status).toBe(404);
      expect(del.body.error).toBe("realm_not_found");
    }
    expect((await call("GET", "/v1/realms", { token: company.ownerKey })).body.realms).toEqual([]);
    // The same slug may exist in both companies.
    expect((await call("POST", "/v1/realms", { token: company.ownerKey, body: { name: "Secret", slug: "secret" } })).status).toBe(201);
    expect(((await call("GET", "/v1/realms", { token: other.ownerKey })).body.realms as Realm[])[0]).toMatchObject({ id: theirs.id, name: "Secret Project" });
  });
});
