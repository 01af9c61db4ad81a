/**
 * Reading a vault's request log (vault admins), for the API (`GET /v1/vaults/{vault}/logs`) and the
 * console's traffic page alike: the vault is held to the caller's cell first, the log is read under
 * its company and id, newest first and paged both ways by id. The page also counts requests and
 * refusals over a window and names the agents behind the ids it shows. Writing is the proxy's
 * (request-log.writer.ts), off the hot path.
 */
import type { z } from "zod";
import type { ActionContext } from "../action-context.ts";
import { findAgentByRef } from "../agents/agents.queries.ts";
import { authorizeVault } from "../auth/vault-access.ts";
import type { IdCursor } from "../db/id-page.ts";
import { namesOf, sessionMinters } from "../db/log-names.queries.ts";
import { iso } from "../lib/openapi.ts";
import { listVaultServices } from "../services/services.queries.ts";
import type { ListLogsQuery, LogPage } from "./request-log.contract.ts";
import {
  type RequestLogEntryRow,
  requestLogBuckets,
  requestLogDenialCodes,
  requestLogPage,
  requestLogWindowPage,
  type RequestLogWindow,
} from "./request-log.queries.ts";
import { flushRequestLog } from "./request-log.writer.ts";
import { type TrafficTotal, trafficTotals } from "./traffic-totals.queries.ts";

export type LogsQuery = z.output<typeof ListLogsQuery>;
export type LogPageView = z.output<typeof LogPage>;
/** Requests and refusals that started in one bucket of a window. */
export type TrafficBucket = { start: number; requests: number; denials: number };
/** The traffic page's filters: `agent` as people name it (name, id or DID), `denial` "refused" or one code. */
export type TrafficQuery = IdCursor & { agent?: string; service?: string; status?: number; denial?: string };
/** A window of `buckets` buckets of `bucketMs` each, the last one holding now. */
export type TrafficRange = { bucketMs: number; buckets: number };

/** Who stands behind the log's actor ids: agents by name, a vault session by its minter's name and its label. */
type Callers = { names: Map<string, string>; sessions: Map<string, { label: string; mintedBy: string }> };
type ActorRef = Pick<RequestLogEntryRow, "actorType" | "actorId">;

async function callersOf(db: ActionContext["db"], companyId: string, refs: readonly ActorRef[]): Promise<Callers> {
  const sessionIds = refs.filter((r) => r.actorType === "vault_session").map((r) => r.actorId);
  const sessions = await sessionMinters(db, companyId, sessionIds);
  const names = await namesOf(db, companyId, [...refs.map((r) => r.actorId), ...[...sessions.values()].map((s) => s.mintedBy)]);
  return { names, sessions };
}

/** The caller's fields of an entry: its name (a session's minter's), and a session's label and minter. */
function callerFields(callers: Callers, ref: ActorRef) {
  const session = ref.actorType === "vault_session" ? callers.sessions.get(ref.actorId) : undefined;
  return {
    actor_name: (session ? callers.names.get(session.mintedBy) : callers.names.get(ref.actorId)) ?? null,
    session_label: session?.label ?? null,
    session_minted_by: session?.mintedBy ?? null,
  };
}

const entryView = (callers: Callers) => (r: RequestLogEntryRow) => ({
  id: r.id,
  actor_type: r.actorType,
  actor_id: r.actorId,
  ...callerFields(callers, r),
  ...rowFields(r),
});

const rowFields = (r: RequestLogEntryRow) => ({
  service: r.service ?? null,
  method: r.method,
  host: r.host,
  path: r.path,
  status: r.status,
  latency_ms: r.latencyMs,
  bytes_in: r.bytesIn ?? null,
  bytes_out: r.bytesOut ?? null,
  denial: r.denial ?? null,
  redactions: r.redactions ?? null,
  count: r.count,
  created_at: iso(r.createdAt) ?? "",
});

/** A page of the vault's log under the API's filters. */
export async function listLogs(ctx: ActionContext, vaultName: string, query: LogsQuery): Promise<LogPageView> {
  const { vault } = await authorizeVault(ctx, vaultName);
  // Local dev is one isolate: writing its buffered rows first lets a read see every request
  // answered before it (the CLI's suites await that instead of polling). Deployed, a row is
  // readable once its isolate's batch is written, at most 2 s later (request-log.writer.ts).
  if (ctx.config.environment === "dev") await flushRequestLog();
  const { rows, olderCursor, newerCursor } = await requestLogPage(ctx.db, vault.companyId, vault.id, query);
  const callers = await callersOf(ctx.db, vault.companyId, rows);
  return { entries: rows.map(entryView(callers)), next_cursor: olderCursor, newer_cursor: newerCursor };
}

/** What the traffic page shows of a vault over a window: the log's page, the chart's buckets and the filters' choices. */
export type VaultTraffic = {
  vault: string;
  page: LogPageView;
  buckets: TrafficBucket[];
  bucketMs: number;
  denialCodes: string[];
  services: string[];
  /** Per service and per caller over the window (callers named as the entries are). */
  byService: TrafficTotal[];
  byCaller: (TrafficTotal & { name: string | null; sessionLabel: string | null })[];
  /** `agent` names no agent of the company: nothing was read. */
  unknownAgent: boolean;
};

/** The console's traffic page: `limit` entries of the window under `query`, and the window counted per bucket. */
export async function vaultTraffic(ctx: ActionContext, vaultName: string, range: TrafficRange, query: TrafficQuery, limit: number): Promise<VaultTraffic> {
  const { db } = ctx;
  const { vault } = await authorizeVault(ctx, vaultName);
  const since = Math.floor(ctx.edge.now() / range.bucketMs) * range.bucketMs - (range.buckets - 1) * range.bucketMs;
  // The log holds actor ids; the filter takes an agent's name (or id, or DID) as people know it.
  const agent = query.agent === undefined ? undefined : await findAgentByRef(db, vault.companyId, query.agent);
  const unknownAgent = query.agent !== undefined && agent === undefined;
  const window: RequestLogWindow = { since, actor: agent?.agent.id, service: query.service, status: query.status, denial: query.denial };
  const [slice, counts, denialCodes, services, byService, byCaller] = unknownAgent
    ? [{ rows: [], olderCursor: null, newerCursor: null }, [], [], await listVaultServices(db, vault.companyId, vault.id), [], []]
    : await Promise.all([
        requestLogWindowPage(db, vault.companyId, vault.id, { ...window, before: query.before, after: query.after, limit }),
        requestLogBuckets(db, vault.companyId, vault.id, window, range.bucketMs),
        requestLogDenialCodes(db, vault.companyId, vault.id, since),
        listVaultServices(db, vault.companyId, vault.id),
        trafficTotals(db, vault.companyId, vault.id, window, "service"),
        trafficTotals(db, vault.companyId, vault.id, window, "caller"),
      ]);
  const byBucket = new Map(counts.map((b) => [Number(b.bucket), b]));
  const buckets = Array.from({ length: range.buckets }, (_, i) => {
    const found = byBucket.get(i);
    return { start: since + i * range.bucketMs, requests: Number(found?.requests ?? 0), denials: Number(found?.denials ?? 0) };
  });
  // The totals' callers are named with the page's, in one lookup.
  const totalRefs = byCaller.map((t): ActorRef => ({ actorId: t.key, actorType: t.actorType }));
  const callers = await callersOf(db, vault.companyId, [...slice.rows, ...totalRefs]);
  return {
    vault: vault.name,
    page: { entries: slice.rows.map(entryView(callers)), next_cursor: slice.olderCursor, newer_cursor: slice.newerCursor },
    byService,
    byCaller: byCaller.map((t) => {
      const named = callerFields(callers, { actorId: t.key, actorType: t.actorType });
      return { ...t, name: named.actor_name, sessionLabel: named.session_label };
    }),
    buckets,
    bucketMs: range.bucketMs,
    denialCodes,
    services: services.map((s) => s.name),
    unknownAgent,
  };
}
