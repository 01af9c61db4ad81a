/** `GET /v1/audit`: the company's administrative changes, newest first, for owners. */
import { iso } from "../lib/openapi.ts";
import { createRouter } from "../lib/router.ts";
import { auditPage } from "./audit.queries.ts";
import * as routes from "./audit.routes.ts";

export const auditRouter = createRouter();

auditRouter.openapi(routes.listAudit, async (c) => {
  const principal = c.var.principal;
  const query = c.req.valid("query");
  const rows = await auditPage(c.var.db, principal.companyId, query);
  const page = rows.slice(0, query.limit);
  const entries = page.map((r) => ({
    id: r.id,
    actor_type: r.actorType,
    actor_id: r.actorId,
    action: r.action,
    target_type: r.targetType,
    target_id: r.targetId,
    detail: r.detail ?? null,
    created_at: iso(r.createdAt) ?? "",
  }));
  const last = page[page.length - 1];
  return c.json({ entries, next_cursor: rows.length > query.limit && last ? last.id : null }, 200);
});
