/**
 * The audit log's contract (`GET /v1/audit`): the company's administrative changes, newest first,
 * for owners. Zod schemas and constants only, imported by the route and by the CLI.
 */
import { z } from "@hono/zod-openapi";
import { Timestamp } from "../lib/openapi.ts";

export const MAX_AUDIT_PAGE = 200;
export const DEFAULT_AUDIT_PAGE = 50;
export const MAX_AUDIT_ACTION_LENGTH = 64;

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

export const ListAuditQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(MAX_AUDIT_PAGE).default(DEFAULT_AUDIT_PAGE),
    before: z.coerce.number().int().positive().optional(),
    action: z.string().max(MAX_AUDIT_ACTION_LENGTH).optional(),
  })
  .strict();

export const AuditPage = z.object({ entries: z.array(AuditEntry), next_cursor: z.number().nullable() });
