/** `GET /v1/audit`: the company's administrative changes, newest first, for owners. */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { and, desc, eq, lt } from "drizzle-orm";

import { auditLog } from "../db/schema.ts";
import { errors, iso, jsonResponse, Timestamp } from "../lib/openapi.ts";
import { createRouter } from "../lib/router.ts";

const AuditEntry = z
  .object({
    id: z.number(),
    actor_type: z.string(),
    actor_id: z.string(),
    action: z.string(),
    target_type: z.string(),
    target_id: z.string(),
    detail: z.record(z.string(), z.unknown()).nullable(),
    created_at: Timestamp,
  })
  .openapi("AuditEntry");

export const listAudit = createRoute({
  method: "get",
  path: "/v1/audit",
  tags: ["audit"],
  summary: "Page through the audit log (owners), newest first; pass next_cursor as `before`",
  request: {
    query: z
      .object({
        limit: z.coerce.number().int().min(1).max(200).default(50),
        before: z.coerce.number().int().positive().optional(),
        action: z.string().max(64).optional(),
      })
      .strict(),
  },
  responses: { 200: jsonResponse(z.object({ entries: z.array(AuditEntry), next_cursor: z.number().nullable() }), "Entries"), ...errors(400, 401, 403) },
});

export const auditRouter = createRouter();

auditRouter.openapi(listAudit, async (c) => {
  const principal = c.var.principal;
  const query = c.req.valid("query");
  const rows = await c.var.db
    .select()
    .from(auditLog)
    .where(
      and(
        eq(auditLog.companyId, principal.companyId),
        query.before ? lt(auditLog.id, query.before) : undefined,
        query.action ? eq(auditLog.action, query.action) : undefined,
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(query.limit + 1)
    .all();
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
