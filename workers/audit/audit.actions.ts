/**
 * Reading the company's audit log (owners), for the API and the console alike: one filter (an
 * action or a kind of action, who did it, a time range, sessions folded or not) and one read,
 * paged both ways by id, its ids named (db/log-names.queries.ts) and a vault session's entries
 * told as what the session came to. Writing is every change's own (db/audit.ts, in the change's batch).
 */
import type { z } from "zod";
import type { ActionContext } from "../action-context.ts";
import { csvRow, ndjsonLine } from "../lib/export-lines.ts";
import { iso } from "../lib/openapi.ts";
import { AUDIT_CSV_COLUMNS, type AuditEntry, type AuditFormat, type AuditPage, type ListAuditQuery } from "./audit.contract.ts";
import { namesOf, type SessionSpan, sessionSpans } from "../db/log-names.queries.ts";
import { auditActions, auditActorIds, auditEntries, type AuditRow } from "./audit.queries.ts";

export type AuditQuery = Pick<z.output<typeof ListAuditQuery>, "limit" | "before" | "after" | "action" | "actor" | "since" | "until" | "fold">;
export type AuditPageView = z.output<typeof AuditPage>;
type AuditEntryView = z.output<typeof AuditEntry>;

const SESSION_ACTIONS = new Set(["session.create", "session.revoke"]);
const sessionOf = (r: AuditRow) => (SESSION_ACTIONS.has(r.action) && typeof r.detail?.session === "string" ? r.detail.session : undefined);

/**
 * A span in words: seconds under a minute, minutes under an hour, then hours and minutes.
 * @example spanInWords(200_000) // "3 min"
 */
export function spanInWords(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ""}`;
}

/** "vault run curl by alice@example.com, 3 min, 12 requests" (or "…, open for 3 min so far, …" while live). */
function sessionView(span: SessionSpan, names: Map<string, string>, now: number): NonNullable<AuditEntryView["session"]> {
  const by = names.get(span.mintedBy) ?? null;
  const duration = span.endedAt === null ? null : span.endedAt - span.startedAt;
  const took = duration === null ? `open for ${spanInWords(now - span.startedAt)} so far` : spanInWords(duration);
  const requests = `${span.requests} request${span.requests === 1 ? "" : "s"}`;
  return {
    id: span.id,
    label: span.label,
    minted_by: span.mintedBy,
    minted_by_name: by,
    started_at: iso(span.startedAt) ?? "",
    ended_at: iso(span.endedAt),
    duration_seconds: duration === null ? null : Math.round(duration / 1000),
    requests: span.requests,
    summary: `${span.label || "a session"} by ${by ?? span.mintedBy}, ${took}, ${requests}`,
  };
}

/** A page of the log under `query`, and whether its `actor` names anyone the company knows. */
async function readAudit(ctx: ActionContext, query: AuditQuery): Promise<{ page: AuditPageView; actorKnown: boolean }> {
  const { db, principal } = ctx;
  const { actor, fold, ...filter } = query;
  const actorIds = actor === undefined ? undefined : await auditActorIds(db, principal.companyId, actor);
  const found = await auditEntries(db, principal.companyId, { ...filter, actorIds, foldSessions: fold === "sessions" });
  const now = ctx.edge.now();
  const spans = await sessionSpans(
    db,
    principal.companyId,
    found.rows.flatMap((r) => sessionOf(r) ?? []),
    now,
  );
  const names = await namesOf(db, principal.companyId, [...found.rows.flatMap((r) => [r.actorId, r.targetId]), ...[...spans.values()].map((s) => s.mintedBy)]);
  const entries = found.rows.map((r): AuditEntryView => {
    const span = spans.get(sessionOf(r) ?? "");
    return {
      id: r.id,
      actor_type: r.actorType,
      actor_id: r.actorId,
      actor_name: names.get(r.actorId) ?? null,
      action: r.action,
      target_type: r.targetType,
      target_id: r.targetId,
      target_name: names.get(r.targetId) ?? null,
      detail: r.detail ?? null,
      session: span ? sessionView(span, names, now) : null,
      created_at: iso(r.createdAt) ?? "",
    };
  });
  return {
    page: { entries, next_cursor: found.olderCursor, newer_cursor: found.newerCursor },
    actorKnown: actorIds === undefined || actorIds.length > 0,
  };
}

/** `GET /v1/audit`: an actor the company does not know is an empty page, not an error (the filter reveals nothing). */
export async function listAudit(ctx: ActionContext, query: AuditQuery): Promise<AuditPageView> {
  return (await readAudit(ctx, query)).page;
}

/** The actions the company's log holds, for the console's filter. */
export async function auditActionNames(ctx: ActionContext): Promise<string[]> {
  return auditActions(ctx.db, ctx.principal.companyId);
}

/** The console's page of the log: the same read as `listAudit`, and whether the actor names anyone (the page says so instead of showing nothing). */
export async function auditTrail(ctx: ActionContext, query: AuditQuery): Promise<{ page: AuditPageView; actorKnown: boolean }> {
  return readAudit(ctx, query);
}

/**
 * `GET /v1/audit?format=ndjson|csv`: the same page as `listAudit`, as lines for a SIEM (the CSV
 * with a header row), and the older page's cursor for the caller to send as `before`.
 */
export async function exportAudit(
  ctx: ActionContext,
  query: AuditQuery,
  format: Exclude<AuditFormat, "json">,
): Promise<{ body: string; nextCursor: number | null }> {
  const page = await listAudit(ctx, query);
  const body =
    format === "ndjson"
      ? page.entries.map(ndjsonLine).join("")
      : [csvRow(AUDIT_CSV_COLUMNS), ...page.entries.map((entry) => csvRow(AUDIT_CSV_COLUMNS.map((column) => entry[column])))].join("");
  return { body, nextCursor: page.next_cursor };
}
