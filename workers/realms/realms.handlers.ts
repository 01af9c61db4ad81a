/** Realms: create, list, rename and delete. Deleting a realm leaves its agents without one. */
import { and, count, eq } from "drizzle-orm";

import { auditStatement } from "../db/audit.ts";
import { deriveSlug, findRealm, isRealmSlugTaken, listRealms, REALM_ID_PREFIX, REALM_SLUG_PATTERN, realmViewOf, requireRealm } from "./realms.queries.ts";
import { agents, realms, registrations } from "../db/schema.ts";
import { AppError, badRequest, conflict } from "../lib/app-error.ts";
import { createRouter } from "../lib/router.ts";
import { newId } from "../lib/tokens.ts";
import * as routes from "./realms.routes.ts";

const realmExists = (slug: string) => conflict("realm_exists", `A realm with slug "${slug}" already exists`);

export const realmsRouter = createRouter();

realmsRouter
  .openapi(routes.createRealm, async (c) => {
    const principal = c.var.principal;
    const body = c.req.valid("json");
    const db = c.var.db;
    const slug = body.slug ?? deriveSlug(body.name);
    if (!REALM_SLUG_PATTERN.test(slug)) {
      throw badRequest("invalid_slug", "No slug can be derived from this name; pass one explicitly (lowercase letters, digits and hyphens)");
    }
    if (await findRealm(db, principal.companyId, slug)) throw realmExists(slug);
    const realm = { id: newId(REALM_ID_PREFIX), companyId: principal.companyId, name: body.name, slug, color: body.color ?? null, createdAt: Date.now() };
    try {
      await db.batch([
        db.insert(realms).values(realm),
        auditStatement(db, principal, { action: "realm.create", targetType: "realm", targetId: realm.id, detail: { name: realm.name, slug } }),
      ]);
    } catch (error) {
      if (isRealmSlugTaken(error)) throw realmExists(slug);
      throw error;
    }
    return c.json({ realm: realmViewOf(realm) }, 201);
  })
  .openapi(routes.listRealms, async (c) => {
    return c.json({ realms: await listRealms(c.var.db, c.var.principal.companyId) }, 200);
  })
  .openapi(routes.updateRealm, async (c) => {
    const principal = c.var.principal;
    const { realm: ref } = c.req.valid("param");
    const body = c.req.valid("json");
    if (body.name === undefined && body.color === undefined) throw badRequest("nothing_to_update", "Pass name and/or color");
    const db = c.var.db;
    const realm = await requireRealm(db, principal.companyId, ref);
    const [updated] = await db.batch([
      db
        .update(realms)
        .set({ ...(body.name !== undefined ? { name: body.name } : {}), ...(body.color !== undefined ? { color: body.color } : {}) })
        .where(and(eq(realms.id, realm.id), eq(realms.companyId, principal.companyId)))
        .returning(),
      auditStatement(db, principal, { action: "realm.update", targetType: "realm", targetId: realm.id, detail: { slug: realm.slug, ...body } }),
    ]);
    const row = updated[0];
    if (!row) throw new AppError(404, "realm_not_found", `Realm "${ref}" not found`);
    return c.json({ realm: realmViewOf(row) }, 200);
  })
  .openapi(routes.deleteRealm, async (c) => {
    const principal = c.var.principal;
    const { realm: ref } = c.req.valid("param");
    const db = c.var.db;
    const realm = await requireRealm(db, principal.companyId, ref);
    // agents.realm_id is ON DELETE SET NULL, which D1 enforces (realms.spec.ts checks it);
    // registrations.realm_id has no foreign key, so approved registrations are cleared here.
    const [members] = await db.batch([
      db.select({ n: count() }).from(agents).where(and(eq(agents.realmId, realm.id), eq(agents.companyId, principal.companyId))),
      db.update(registrations).set({ realmId: null }).where(and(eq(registrations.realmId, realm.id), eq(registrations.companyId, principal.companyId))),
      db.delete(realms).where(and(eq(realms.id, realm.id), eq(realms.companyId, principal.companyId))),
      auditStatement(db, principal, { action: "realm.delete", targetType: "realm", targetId: realm.id, detail: { name: realm.name, slug: realm.slug } }),
    ]);
    return c.json({ deleted: realm.slug, agentsUnassigned: members[0]?.n ?? 0 }, 200);
  });
