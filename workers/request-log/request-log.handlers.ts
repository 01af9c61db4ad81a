/** `GET /v1/vaults/{vault}/logs`: the proxy's request log for vault admins, newest first. */
import { authorizeVault } from "../auth/gate.ts";
import { configOf } from "../config.ts";
import { iso } from "../lib/openapi.ts";
import * as routes from "./request-log.routes.ts";
import { createRouter } from "../router.ts";
import { requestLogPage } from "./request-log.queries.ts";
import { flushRequestLog } from "./request-log.writer.ts";

export const logsRouter = createRouter().openapi(routes.listLogs, async (c) => {
  const db = c.var.db;
  const { vault } = await authorizeVault(c, c.req.valid("param").vault);
  const q = c.req.valid("query");
  // Local dev is one isolate: writing its buffered rows first lets a read see every request
  // answered before it (the CLI's suites await that instead of polling). Deployed, a row is
  // readable once its isolate's batch is written, at most 2 s later (request-log.writer.ts).
  if (configOf(c.env).environment === "dev") await flushRequestLog();
  const { rows, olderCursor, newerCursor } = await requestLogPage(db, vault.companyId, vault.id, q);
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
  return c.json({ entries, next_cursor: olderCursor, newer_cursor: newerCursor }, 200);
});
