/**
 * `/vaults/<name>/traffic`: held to GET /v1/vaults/{vault}/logs's row (vault admins), read
 * through the request log's queries. Agents are named by name where the log holds their id.
 */
import { z } from "zod";
import { findAgentByRef } from "../agents/agents.queries.ts";
import { AGENT_ID_PREFIX } from "../auth/actor-gate-client.ts";
import { LogCursors, oneCursor } from "../lib/openapi.ts";
import { createRouter } from "../router.ts";
import { requestLogBuckets, requestLogDenialCodes, requestLogWindowPage } from "../request-log/request-log.queries.ts";
import { listVaultServices } from "../services/services.queries.ts";
import { consoleGet, page } from "./console-route.ts";
import { frameOf } from "./nav.ts";
import { readQuery } from "./page-forms.ts";
import type { Flash } from "./page-parts.ts";
import { TRAFFIC_RANGES, type TrafficFilters, trafficPage, type TrafficRange } from "./traffic.page.ts";
import { vaultOfPath } from "./vaults.handlers.ts";

const TRAFFIC_PAGE = 50;

const TrafficQuery = z
  .object({
    range: z.enum(Object.keys(TRAFFIC_RANGES) as [TrafficRange, ...TrafficRange[]]).default("24h"),
    agent: z.string().max(128).optional(),
    service: z.string().max(64).optional(),
    status: z.coerce.number().int().min(100).max(599).optional(),
    denial: z.string().max(64).optional(),
    ...LogCursors,
  })
  .refine(...oneCursor);

export const trafficPages = createRouter();

trafficPages.get(
  "/vaults/:vault/traffic",
  consoleGet("GET /vaults/{vault}/traffic", async (c, session) => {
    const db = c.var.db;
    const { vault } = await vaultOfPath(c);
    const query = readQuery(c);
    let flash: Flash | undefined;
    let parsed = TrafficQuery.safeParse({
      range: query.one("range"),
      agent: query.one("agent"),
      service: query.one("service"),
      status: query.one("status"),
      denial: query.one("denial"),
      before: query.one("before"),
      after: query.one("after"),
    });
    if (!parsed.success) {
      flash = { kind: "error", text: `These filters are not valid: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}` };
      parsed = TrafficQuery.safeParse({});
    }
    const q: z.output<typeof TrafficQuery> = parsed.success ? parsed.data : { range: "24h" };
    const range = TRAFFIC_RANGES[q.range];
    const now = Date.now();
    const since = Math.floor(now / range.bucketMs) * range.bucketMs - (range.buckets - 1) * range.bucketMs;

    // The log holds actor ids; the filter takes an agent's name (or id, or DID) as people know it.
    let actor: string | undefined;
    if (q.agent) {
      const agent = await findAgentByRef(db, vault.companyId, q.agent);
      if (agent) actor = agent.agent.id;
      else flash = { kind: "error", text: `No agent "${q.agent}" in this company` };
    }
    const unknownAgent = q.agent !== undefined && actor === undefined;
    const window = { since, actor, service: q.service, status: q.status, denial: q.denial };
    const [slice, counts, denialCodes, services] = unknownAgent
      ? [{ rows: [], olderCursor: null, newerCursor: null }, [], [], await listVaultServices(db, vault.companyId, vault.id)]
      : await Promise.all([
          requestLogWindowPage(db, vault.companyId, vault.id, { ...window, before: q.before, after: q.after, limit: TRAFFIC_PAGE }),
          requestLogBuckets(db, vault.companyId, vault.id, window, range.bucketMs),
          requestLogDenialCodes(db, vault.companyId, vault.id, since),
          listVaultServices(db, vault.companyId, vault.id),
        ]);
    const byBucket = new Map(counts.map((b) => [Number(b.bucket), b]));
    const buckets = Array.from({ length: range.buckets }, (_, i) => {
      const found = byBucket.get(i);
      return { start: since + i * range.bucketMs, requests: Number(found?.requests ?? 0), denials: Number(found?.denials ?? 0) };
    });

    const names = new Map<string, string>();
    for (const id of new Set(slice.rows.map((r) => r.actorId))) {
      if (!id.startsWith(`${AGENT_ID_PREFIX}_`)) continue;
      const agent = await findAgentByRef(db, vault.companyId, id);
      if (agent) names.set(id, agent.agent.name);
    }
    const filters: TrafficFilters = { range: q.range, agent: q.agent, service: q.service, status: q.status, denial: q.denial };
    return page(
      c,
      trafficPage({
        frame: frameOf(session, "/vaults"),
        vault: vault.name,
        filters,
        services: services.map((s) => s.name),
        denialCodes,
        buckets,
        bucketMs: range.bucketMs,
        entries: slice.rows.map((r) => ({
          id: r.id,
          actor: names.get(r.actorId) ?? r.actorId,
          service: r.service ?? null,
          method: r.method,
          host: r.host,
          path: r.path,
          status: r.status,
          latencyMs: r.latencyMs,
          denial: r.denial ?? null,
          count: r.count,
          createdAt: r.createdAt,
        })),
        cursors: { paged: q.before !== undefined || q.after !== undefined, olderCursor: slice.olderCursor, newerCursor: slice.newerCursor },
        flash,
      }),
      flash && !unknownAgent ? 400 : 200,
    );
  }),
);
