/**
 * `/vaults/<name>/traffic`: held to GET /v1/vaults/{vault}/logs's row (vault admins), read through
 * the request log's action (request-log.actions.ts `vaultTraffic`), which holds the person to that
 * row in the vault as the API does. Callers are named: an agent by its name, a vault session by the
 * person (or agent, or key) behind it with the session's label.
 */
import { z } from "zod";
import { LogCursors, oneCursor } from "../../lib/openapi.ts";
import { consoleGet, page } from "../../console/console-route.ts";
import { frameOf } from "../../console/nav.ts";
import { readQuery } from "../../console/page-forms.ts";
import type { Flash } from "../../console/page-parts.ts";
import { actionContextOf } from "../../request-context.ts";
import { createRouter } from "../../router.ts";
import { vaultTraffic } from "../request-log.actions.ts";
import { TRAFFIC_RANGES, type TrafficFilters, trafficPage, type TrafficRange } from "./traffic.page.ts";

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
    const traffic = await vaultTraffic(actionContextOf(c), c.req.param("vault") ?? "", TRAFFIC_RANGES[q.range], q, TRAFFIC_PAGE);
    if (traffic.unknownAgent) flash = { kind: "error", text: `No agent "${q.agent}" in this company` };
    const filters: TrafficFilters = { range: q.range, agent: q.agent, service: q.service, status: q.status, denial: q.denial };
    const { entries, next_cursor, newer_cursor } = traffic.page;
    return page(
      c,
      trafficPage({
        frame: frameOf(session, "/vaults"),
        vault: traffic.vault,
        filters,
        services: traffic.services,
        denialCodes: traffic.denialCodes,
        buckets: traffic.buckets,
        byService: traffic.byService,
        byCaller: traffic.byCaller,
        bucketMs: traffic.bucketMs,
        entries: entries.map((e) => ({
          id: e.id,
          caller: { name: e.actor_name ?? e.actor_id, id: e.actor_id, sessionLabel: e.session_label },
          service: e.service,
          method: e.method,
          host: e.host,
          path: e.path,
          status: e.status,
          latencyMs: e.latency_ms,
          denial: e.denial,
          count: e.count,
          createdAt: Date.parse(e.created_at),
        })),
        cursors: { paged: q.before !== undefined || q.after !== undefined, olderCursor: next_cursor, newerCursor: newer_cursor },
        flash,
      }),
      flash && !traffic.unknownAgent ? 400 : 200,
    );
  }),
);
