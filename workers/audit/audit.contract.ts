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

/** What a vault session came to, on its `session.create` and `session.revoke` entries. */
export const AuditSession = z
  .object({
    id: z.string(),
    label: z.string(),
    minted_by: z.string(),
    minted_by_name: z.string().nullable(),
    started_at: Timestamp,
    ended_at: Timestamp.nullable().openapi({ description: "When it was revoked or expired; null while it is live" }),
    duration_seconds: z.number().nullable(),
    requests: z.number().openapi({ description: "Proxied calls it made (refusals included)" }),
    summary: z.string().openapi({ example: "vault run curl by alice@example.com, 3 min, 12 requests" }),
  })
  .openapi("AuditSession");

export const AuditEntry = z
  .object({
    id: z.number(),
    actor_type: z.string(),
    actor_id: z.string(),
    actor_name: z.string().nullable().openapi({ description: "The actor's e-mail, name or API key label; null when it has none or is gone" }),
    action: z.string(),
    target_type: z.string(),
    target_id: z.string(),
    target_name: z
      .string()
      .nullable()
      .openapi({ description: "The target's name (a vault's, a service's, a person's e-mail…); null when it has none or is gone" }),
    detail: z.record(z.string(), z.unknown()).nullable(),
    session: AuditSession.nullable().openapi({ description: "On a session's entries: what the session came to" }),
    created_at: Timestamp,
  })
  .openapi("AuditEntry");

/** How `GET /v1/audit` answers: a JSON page, or the same entries one JSON object a line or as CSV for a SIEM. */
export const AUDIT_FORMATS = ["json", "ndjson", "csv"] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

/** The columns of the CSV export, in order (detail and session as JSON text). */
export const AUDIT_CSV_COLUMNS = [
  "id",
  "created_at",
  "actor_type",
  "actor_id",
  "actor_name",
  "action",
  "target_type",
  "target_id",
  "target_name",
  "detail",
  "session",
] as const;

/** The header an ndjson or CSV export carries the older page's cursor in (empty on the oldest). */
export const AUDIT_NEXT_CURSOR_HEADER = "X-Next-Cursor";

export const ListAuditQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(MAX_AUDIT_PAGE).default(DEFAULT_AUDIT_PAGE),
    ...LogCursors,
    action: z
      .string()
      .max(MAX_AUDIT_ACTION_LENGTH)
      .optional()
      .openapi({ description: "One action (`proposal.approve`), or every action of a kind (`proposal.*`)" }),
    fold: z.enum(["sessions"]).optional().openapi({
      description:
        "`sessions`: a vault session's `session.revoke` entry is left out, its `session.create` entry (with `session`) standing for the whole session",
    }),
    format: z
      .enum(AUDIT_FORMATS)
      .default("json")
      .openapi({
        description: `\`ndjson\` (one entry a line) or \`csv\` (columns: ${AUDIT_CSV_COLUMNS.join(", ")}) for a SIEM; the older page's cursor is in ${AUDIT_NEXT_CURSOR_HEADER}`,
      }),
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
