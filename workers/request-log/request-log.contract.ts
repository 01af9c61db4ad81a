/**
 * The request log's contract (`GET /v1/vaults/{vault}/logs`): the proxy's log entries for vault
 * admins, newest first. Zod schemas and constants only, imported by the CLI.
 */
import { z } from "@hono/zod-openapi";
import { LogCursors, oneCursor, ResourceName, Timestamp } from "../lib/openapi.ts";

export const MAX_LOG_PAGE = 500;
export const DEFAULT_LOG_PAGE = 100;

export const LogEntry = z
  .object({
    id: z.number(),
    actor_type: z.string(),
    actor_id: z.string(),
    actor_name: z.string().nullable().openapi({
      description: "Who called, by name: the agent's name, or for a vault session the person (e-mail), agent or API key (label) behind it; null when gone",
    }),
    session_label: z.string().nullable().openapi({ description: "A vault session's label (`vault run curl`); null for an agent" }),
    session_minted_by: z.string().nullable().openapi({ description: "The id of who minted the vault session; null for an agent" }),
    service: z.string().nullable(),
    method: z.string(),
    host: z.string(),
    path: z.string(),
    status: z.number(),
    latency_ms: z.number(),
    bytes_in: z.number().nullable(),
    bytes_out: z.number().nullable(),
    denial: z.string().nullable(),
    /** Credential values redacted from the response (headers and body); null when redaction was off or nothing was forwarded. */
    redactions: z.number().int().nullable(),
    /** Refusals before admission (429s) are one row per actor and reason with how many there were. */
    count: z.number().int(),
    created_at: Timestamp,
  })
  .openapi("RequestLogEntry");

export const LogsParams = z.object({ vault: ResourceName });
export const ListLogsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(MAX_LOG_PAGE).default(DEFAULT_LOG_PAGE),
    ...LogCursors,
    actor: z.string().max(64).optional(),
    service: z.string().max(64).optional(),
    status: z.coerce.number().int().min(100).max(599).optional(),
    denied: z.enum(["true", "false"]).optional(),
  })
  .strict()
  .refine(...oneCursor);
export const LogPage = z.object({
  entries: z.array(LogEntry),
  /** Pass as `before` for older entries; null on the oldest page. */
  next_cursor: z.number().nullable(),
  /** Pass as `after` for newer entries; null when nothing newer matched when this page was read. */
  newer_cursor: z.number().nullable(),
});
