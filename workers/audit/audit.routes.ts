/** `GET /v1/audit`: the company's administrative changes, newest first, for owners. */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonResponse, Timestamp } from "../lib/openapi.ts";

export const AuditEntry = z
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
