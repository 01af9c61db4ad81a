/**
 * The audit log's contract (`GET /v1/audit`): the company's administrative changes, newest first,
 * for owners. Zod schemas and constants only, imported by the route and by the CLI.
 */
import { z } from "@hono/zod-openapi";
import { Instant, LogCursors, oneCursor, Timestamp } from "../lib/openapi.ts";

export const MAX_AUDIT_PAGE = 200;
export const DEFAULT_AUDIT_PAGE = 50;
export const MAX_AUDIT_ACTION_LENGTH = 64;
/** An actor as people name it: up to an e-mail's length (254). */
export const MAX_AUDIT_ACTOR_LENGTH = 254;

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
    ...LogCursors,
    action: z.string().max(MAX_AUDIT_ACTION_LENGTH).optional(),
    actor: z.string().min(1).max(MAX_AUDIT_ACTOR_LENGTH).optional().openapi({
      description:
        "Who did it: a user's e-mail, an agent's name, id or DID, an API key's label, or an actor id. One the company does not know matches nothing.",
    }),
    since: Instant.optional().openapi({ description: "Entries at or after this time (ISO 8601 with offset, or epoch ms)" }),
    until: Instant.optional().openapi({ description: "Entries before this time (ISO 8601 with offset, or epoch ms)" }),
  })
  .strict()
  .refine(...oneCursor)
  .refine((q) => q.since === undefined || q.until === undefined || q.since < q.until, { path: ["until"], message: "must be later than since" });

export const AuditPage = z.object({
  entries: z.array(AuditEntry),
  /** Pass as `before` for older entries; null on the oldest page. */
  next_cursor: z.number().nullable(),
  /** Pass as `after` for newer entries; null when nothing newer matched when this page was read. */
  newer_cursor: z.number().nullable(),
});
