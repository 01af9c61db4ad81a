/** `GET /v1/vaults/{vault}/logs`: the proxy's request log for vault admins, newest first. */
import { authorizeVault } from "../auth/gate.ts";
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { errors, iso, jsonResponse, ResourceName, Timestamp } from "../lib/openapi.ts";
import { createRouter } from "../lib/router.ts";
import { requestLogPage } from "./request-log.queries.ts";

const LogEntry = z
  .object({
    id: z.number(),
    actor_type: z.string(),
    actor_id: z.string(),
    service: z.string().nullable(),
    method: z.string(),
    host: z.string(),
    path: z.string(),
    status: z.number(),
    latency_ms: z.number(),
    bytes_in: z.number().nullable(),
    bytes_out: z.number().nullable(),
    denial: z.string().nullable(),
    /** Refusals before admission (429s) are one row per actor and reason with how many there were. */
    count: z.number().int(),
    created_at: Timestamp,
  })
  .openapi("RequestLogEntry");

export const listLogs = createRoute({
  method: "get",
  path: "/v1/vaults/{vault}/logs",
  tags: ["vaults"],
  summary: "Proxied requests of the vault (admin): never headers, query strings or bodies; pass next_cursor as `before`",
  request: {
    params: z.object({ vault: ResourceName }),
    query: z
      .object({
        limit: z.coerce.number().int().min(1).max(500).default(100),
        before: z.coerce.number().int().positive().optional(),
        actor: z.string().max(64).optional(),
        service: z.string().max(64).optional(),
        status: z.coerce.number().int().min(100).max(599).optional(),
        denied: z.enum(["true", "false"]).optional(),
      })
      .strict(),
  },
  responses: { 200: jsonResponse(z.object({ entries: z.array(LogEntry), next_cursor: z.number().nullable() }), "Entries"), ...errors(400, 401, 403, 404) },
});

export const logsRouter = createRouter().openapi(listLogs, async (c) => {
  const db = c.var.db;
  const { vault } = await authorizeVault(c, c.req.valid("param").vault);
  const q = c.req.valid("query");
  const { rows, nextCursor } = await requestLogPage(db, vault.companyId, vault.id, q);
  const entries = rows.map((r) => ({
    id: r.id,
    actor_type: r.actorType,
    actor_id: r.actorId,
    service: r.service ?? null,
    method: r.method,
    host: r.host,
    path: r.path,
    status: r.status,
    latency_ms: r.latencyMs,
    bytes_in: r.bytesIn ?? null,
    bytes_out: r.bytesOut ?? null,
    denial: r.denial ?? null,
    count: r.count,
    created_at: iso(r.createdAt) ?? "",
  }));
  return c.json({ entries, next_cursor: nextCursor }, 200);
});
