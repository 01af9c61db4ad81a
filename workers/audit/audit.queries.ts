/** Reading the audit log (writes are batched with each change: db/audit.ts). */
import { and, eq, gte, inArray, lt, sql } from "drizzle-orm";
import { findAgentByRef } from "../agents/agents.queries.ts";
import type { Database } from "../db/client.ts";
import { type IdCursor, pageById } from "../db/id-page.ts";
import { apiKeys, auditLog, users, vaultSessions } from "../db/schema.ts";

/**
 * One filter for the API (`GET /v1/audit`) and the console (`/audit`): an action, who did it (the
 * ids `auditActorIds` found), and a time range [since, until).
 */
export type AuditFilter = IdCursor & {
  limit: number;
  /** One action (`proposal.approve`), or every action of a kind (`proposal.*`). */
  action?: string;
  actorIds?: readonly string[];
  since?: number;
  until?: number;
  /** Leaves out each session's `session.revoke` row: its `session.create` row stands for the whole session. */
  foldSessions?: boolean;
};

/** `proposal.*` matches every action that starts `proposal.`; anything else matches itself. */
function actionIs(action: string) {
  if (!action.endsWith(".*")) return eq(auditLog.action, action);
  const prefix = action.slice(0, -1);
  return sql`substr(${auditLog.action}, 1, ${prefix.length}) = ${prefix}`;
}

/** A `session.revoke` row whose session the company still holds (so its `session.create` row is in the log too). */
const foldedRevoke = (companyId: string) =>
  sql`NOT (${auditLog.action} = 'session.revoke' AND json_extract(${auditLog.detail}, '$.session') IN (SELECT ${vaultSessions.id} FROM ${vaultSessions} WHERE ${vaultSessions.companyId} = ${companyId}))`;

export type AuditRow = typeof auditLog.$inferSelect;

/** A page of the company's audit log under `filter`, newest first, with the cursors either side. */
export async function auditEntries(db: Database, companyId: string, filter: AuditFilter) {
  const matching = and(
    eq(auditLog.companyId, companyId),
    filter.action ? actionIs(filter.action) : undefined,
    filter.foldSessions ? foldedRevoke(companyId) : undefined,
    filter.actorIds ? inArray(auditLog.actorId, [...filter.actorIds]) : undefined,
    filter.since !== undefined ? gte(auditLog.createdAt, filter.since) : undefined,
    filter.until !== undefined ? lt(auditLog.createdAt, filter.until) : undefined,
  );
  // No one by that name: nothing to read (and `IN ()` is not SQL).
  if (filter.actorIds?.length === 0) return { rows: [] as AuditRow[], olderCursor: null, newerCursor: null };
  return pageById(auditLog.id, filter, filter.limit, (cursor, order, take) =>
    db.select().from(auditLog).where(and(matching, cursor)).orderBy(order).limit(take).all(),
  );
}

/** What the log records as an actor's id: `usr_…`, `agt_…`, `key_…`, `ses_…`, an invite's `invite:…`, or `platform`. */
const ACTOR_ID = /^(?:[a-z]{3}_[\w-]+|invite:[\w-]+|platform)$/;

/**
 * The actor ids `actor` may stand for in the company: the user with that e-mail, the agent with
 * that name, id or DID, every API key (revoked too: their entries stay) with that label, and the
 * text itself when it is shaped like an id. Only this company's people are looked up, and the log
 * is read under the company's id, so another tenant's id finds nothing. Empty: no one.
 */
export async function auditActorIds(db: Database, companyId: string, actor: string): Promise<string[]> {
  const [user, agent, keys] = await Promise.all([
    actor.includes("@")
      ? db
          .select({ id: users.id })
          .from(users)
          .where(and(eq(users.companyId, companyId), eq(users.email, actor.toLowerCase())))
          .get()
      : undefined,
    findAgentByRef(db, companyId, actor),
    db
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(and(eq(apiKeys.companyId, companyId), eq(apiKeys.label, actor)))
      .all(),
  ]);
  const ids = new Set([...(user ? [user.id] : []), ...(agent ? [agent.agent.id] : []), ...keys.map((k) => k.id)]);
  if (ACTOR_ID.test(actor)) ids.add(actor);
  return [...ids];
}

/** The actions the company's log holds, for the console's filter. */
export async function auditActions(db: Database, companyId: string): Promise<string[]> {
  const rows = await db.selectDistinct({ action: auditLog.action }).from(auditLog).where(eq(auditLog.companyId, companyId)).orderBy(auditLog.action).all();
  return rows.map((r) => r.action);
}
