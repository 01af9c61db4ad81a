/** `GET /v1/audit`: the company's administrative changes, newest first, for owners. */
import { iso } from "../lib/openapi.ts";
import { createRouter } from "../router.ts";
import { auditActorIds, auditEntries } from "./audit.queries.ts";
import * as routes from "./audit.routes.ts";

export const auditRouter = createRouter();

auditRouter.openapi(routes.listAudit, async (c) => {
  const db = c.var.db;
  const companyId = c.var.principal.companyId;
  const { actor, ...query } = c.req.valid("query");
  // An actor the company does not know is an empty page, not an error: the filter reveals nothing.
  const actorIds = actor === undefined ? undefined : await auditActorIds(db, companyId, actor);
  const page = await auditEntries(db, companyId, { ...query, actorIds });
  const entries = page.rows.map((r) => ({
    id: r.id,
    actor_type: r.actorType,
    actor_id: r.actorId,
    action: r.action,
    target_type: r.targetType,
    target_id: r.targetId,
    detail: r.detail ?? null,
    created_at: iso(r.createdAt) ?? "",
  }));
  return c.json({ entries, next_cursor: page.olderCursor, newer_cursor: page.newerCursor }, 200);
});
