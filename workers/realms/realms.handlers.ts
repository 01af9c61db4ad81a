/** Realms: create, list, rename and delete. Deleting a realm leaves its agents without one. */
import type { RealmRow } from "../agents/agents.queries.ts";
import { commitChange } from "../effects.ts";
import {
  createRealmChange,
  deleteRealmChange,
  deriveSlug,
  findRealm,
  isRealmSlugTaken,
  listRealms,
  REALM_ID_PREFIX,
  REALM_SLUG_PATTERN,
  realmViewOf,
  requireRealm,
  updateRealmChange,
} from "./realms.queries.ts";
import { AppError, badRequest, conflict } from "../lib/app-error.ts";
import { createRouter } from "../router.ts";
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
    const realm: RealmRow = {
      id: newId(REALM_ID_PREFIX),
      companyId: principal.companyId,
      name: body.name,
      slug,
      color: body.color ?? null,
      createdAt: Date.now(),
    };
    try {
      await commitChange(c, createRealmChange(db, principal, realm));
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
    const changes = { ...(body.name !== undefined ? { name: body.name } : {}), ...(body.color !== undefined ? { color: body.color } : {}) };
    const [updated] = await commitChange(c, updateRealmChange(db, principal, realm, changes, { slug: realm.slug, ...body }));
    const row = updated[0];
    if (!row) throw new AppError(404, "realm_not_found", `Realm "${ref}" not found`);
    return c.json({ realm: realmViewOf(row) }, 200);
  })
  .openapi(routes.deleteRealm, async (c) => {
    const principal = c.var.principal;
    const { realm: ref } = c.req.valid("param");
    const db = c.var.db;
    const realm = await requireRealm(db, principal.companyId, ref);
    const [members] = await commitChange(c, deleteRealmChange(db, principal, realm));
    return c.json({ deleted: realm.slug, agentsUnassigned: members[0]?.n ?? 0 }, 200);
  });
