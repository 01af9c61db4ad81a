/**
 * Names for the ids a page of a log holds, the audit log's and the request log's alike (people by
 * e-mail, agents by name, API keys by label, revoked ones too, vaults and services by name,
 * sessions by label), who stands behind a vault session, and what one came to (its span and how
 * many calls it made). The logs keep ids, which never change; names are read for the page at hand,
 * in one query per kind, under the caller's company only, so another company's id never finds a name.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { agents, apiKeys, requestLog, users, vaultSessions, vaults } from "./schema.ts";
import { services } from "./services.schema.ts";

/** The id prefixes whose rows carry a name, and the table and column that hold it. */
const NAMED = {
  usr: { table: users, id: users.id, name: users.email, company: users.companyId },
  agt: { table: agents, id: agents.id, name: agents.name, company: agents.companyId },
  key: { table: apiKeys, id: apiKeys.id, name: apiKeys.label, company: apiKeys.companyId },
  vlt: { table: vaults, id: vaults.id, name: vaults.name, company: vaults.companyId },
  svc: { table: services, id: services.id, name: services.name, company: services.companyId },
  ses: { table: vaultSessions, id: vaultSessions.id, name: vaultSessions.label, company: vaultSessions.companyId },
} as const;

type Prefix = keyof typeof NAMED;
const isPrefix = (text: string): text is Prefix => text in NAMED;

/** id → name for each of `ids` the company holds a named row for (an empty session label is no name). */
export async function namesOf(db: Database, companyId: string, ids: Iterable<string>): Promise<Map<string, string>> {
  const byPrefix = new Map<Prefix, string[]>();
  for (const id of new Set(ids)) {
    const prefix = id.slice(0, id.indexOf("_"));
    if (isPrefix(prefix)) byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), id]);
  }
  const found = await Promise.all(
    [...byPrefix].map(([prefix, wanted]) => {
      const { table, id, name, company } = NAMED[prefix];
      return db
        .select({ id, name })
        .from(table)
        .where(and(eq(company, companyId), inArray(id, wanted)))
        .all();
    }),
  );
  return new Map(found.flat().flatMap((row): [string, string][] => (row.name ? [[row.id, row.name]] : [])));
}

/** What a vault session came to: who minted it, its label, its span, and the calls it made. */
export type SessionSpan = {
  id: string;
  label: string;
  mintedBy: string;
  startedAt: number;
  /** When it was revoked, or when it expired if that is past; null while it is live. */
  endedAt: number | null;
  requests: number;
};

/** The spans of `ids` in the company (unknown ids are left out), counting their proxied calls. */
export async function sessionSpans(db: Database, companyId: string, ids: readonly string[], now: number): Promise<Map<string, SessionSpan>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select()
    .from(vaultSessions)
    .where(and(eq(vaultSessions.companyId, companyId), inArray(vaultSessions.id, [...new Set(ids)])))
    .all();
  if (rows.length === 0) return new Map();
  // Read by the log's (vault, time) index: the sessions' vaults, from the first one's start.
  const counts = await db
    .select({ id: requestLog.actorId, n: sql<number>`sum(${requestLog.count})` })
    .from(requestLog)
    .where(
      and(
        inArray(requestLog.vaultId, [...new Set(rows.map((r) => r.vaultId))]),
        sql`${requestLog.createdAt} >= ${Math.min(...rows.map((r) => r.createdAt))}`,
        eq(requestLog.companyId, companyId),
        eq(requestLog.actorType, "vault_session"),
        inArray(
          requestLog.actorId,
          rows.map((r) => r.id),
        ),
      ),
    )
    .groupBy(requestLog.actorId)
    .all();
  const requests = new Map(counts.map((c) => [c.id, Number(c.n)]));
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        label: r.label,
        mintedBy: r.principalId,
        startedAt: r.createdAt,
        endedAt: r.revokedAt ?? (r.expiresAt <= now ? r.expiresAt : null),
        requests: requests.get(r.id) ?? 0,
      },
    ]),
  );
}

/** Who stands behind each of `ids` (vault sessions of the company): its label and its minter. */
export async function sessionMinters(
  db: Database,
  companyId: string,
  ids: readonly string[],
): Promise<Map<string, { label: string; mintedByType: string; mintedBy: string }>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: vaultSessions.id, label: vaultSessions.label, type: vaultSessions.principalType, by: vaultSessions.principalId })
    .from(vaultSessions)
    .where(and(eq(vaultSessions.companyId, companyId), inArray(vaultSessions.id, [...new Set(ids)])))
    .all();
  return new Map(rows.map((r) => [r.id, { label: r.label, mintedByType: r.type, mintedBy: r.by }]));
}
