/**
 * Reading the company's audit log (owners), for the API and the console alike: one filter (an
 * action, who did it, a time range) and one read, paged both ways by id. The console also names
 * the ids it shows. Writing is every change's own (db/audit.ts, in the change's batch).
 */
import type { z } from "zod";
import type { ActionContext } from "../action-context.ts";
import { findAgentByRef } from "../agents/agents.queries.ts";
import { AGENT_ID_PREFIX } from "../auth/actor-gate-client.ts";
import { listActiveApiKeys } from "../companies/companies.queries.ts";
import { iso } from "../lib/openapi.ts";
import { listUsers } from "../users/users.queries.ts";
import type { AuditPage, ListAuditQuery } from "./audit.contract.ts";
import { auditActions, auditActorIds, auditEntries, type AuditRow } from "./audit.queries.ts";

export type AuditQuery = Pick<z.output<typeof ListAuditQuery>, "limit" | "before" | "after" | "action" | "actor" | "since" | "until">;
export type AuditPageView = z.output<typeof AuditPage>;

const entryView = (r: AuditRow) => ({
  id: r.id,
  actor_type: r.actorType,
  actor_id: r.actorId,
  action: r.action,
  target_type: r.targetType,
  target_id: r.targetId,
  detail: r.detail ?? null,
  created_at: iso(r.createdAt) ?? "",
});

/** A page of the log under `query`, and whether its `actor` names anyone the company knows. */
async function readAudit(ctx: ActionContext, query: AuditQuery): Promise<{ page: AuditPageView; rows: AuditRow[]; actorKnown: boolean }> {
  const { db, principal } = ctx;
  const { actor, ...filter } = query;
  const actorIds = actor === undefined ? undefined : await auditActorIds(db, principal.companyId, actor);
  const found = await auditEntries(db, principal.companyId, { ...filter, actorIds });
  return {
    page: { entries: found.rows.map(entryView), next_cursor: found.olderCursor, newer_cursor: found.newerCursor },
    rows: found.rows,
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

/**
 * The console's page of the log: the same read as `listAudit`, whether the actor names anyone
 * (the page says so instead of showing nothing), and names for the ids on the page — people by
 * e-mail, keys by label, agents by name.
 */
export async function auditTrail(ctx: ActionContext, query: AuditQuery): Promise<{ page: AuditPageView; actorKnown: boolean; names: Map<string, string> }> {
  const { db, principal } = ctx;
  const { page, rows, actorKnown } = await readAudit(ctx, query);
  const names = new Map<string, string>();
  if (!actorKnown) return { page, actorKnown, names };
  for (const user of await listUsers(db, principal.companyId)) names.set(user.id, user.email);
  for (const key of await listActiveApiKeys(db, principal.companyId)) names.set(key.id, `API key “${key.label}”`);
  for (const id of new Set(rows.flatMap((r) => [r.actorId, r.targetId]))) {
    if (!id.startsWith(`${AGENT_ID_PREFIX}_`) || names.has(id)) continue;
    const agent = await findAgentByRef(db, principal.companyId, id);
    if (agent) names.set(id, agent.agent.name);
  }
  return { page, actorKnown, names };
}
