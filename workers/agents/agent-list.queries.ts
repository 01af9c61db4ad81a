/**
 * The filtered, paged agent listing (seed 004). Every filter is SQL, including the capability
 * filter over the JSON array column (via `json_each`), so `total`, `online` and the page agree.
 */
import { and, asc, desc, eq, gt, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { agents, realms } from "../db/schema.ts";

import type { AGENT_SORT_KEYS, AGENT_STATUSES } from "./agents.contract.ts";

export type AgentListFilter = {
  companyId: string;
  /** Lower-cased substring of the name, the id or the DID. */
  q?: string;
  online?: boolean;
  realmId?: string;
  /** The agent must have every one of these. */
  capabilities?: readonly string[];
  status?: (typeof AGENT_STATUSES)[number];
};

export type AgentListPage = {
  page: number;
  pageSize: number;
  sortBy: (typeof AGENT_SORT_KEYS)[number];
  sortDir: "asc" | "desc";
};

const SORT_COLUMNS = { name: agents.name, registeredAt: agents.registeredAt, lastSeen: agents.lastSeenAt } as const;

/** SQL conditions for the filter; the company is always the first. */
function conditions(filter: AgentListFilter, now: number): SQL | undefined {
  return and(
    eq(agents.companyId, filter.companyId),
    // instr, not LIKE: `%` and `_` in the search text are matched literally.
    filter.q
      ? or(
          sql`instr(lower(${agents.name}), ${filter.q}) > 0`,
          sql`instr(lower(${agents.id}), ${filter.q}) > 0`,
          // The DID is `did:key:` + the key; a key that is not Ed25519 multibase has none, and
          // matching its text is harmless (it is shown as `publicKey` anyway).
          sql`instr(lower('did:key:' || ${agents.publicKey}), ${filter.q}) > 0`,
        )
      : undefined,
    // Online: the lease of an open channel has not run out (agents.queries.ts `isOnline`).
    filter.online === true ? gt(agents.onlineUntil, now) : undefined,
    filter.online === false ? or(isNull(agents.onlineUntil), lte(agents.onlineUntil, now)) : undefined,
    filter.realmId ? eq(agents.realmId, filter.realmId) : undefined,
    filter.status ? eq(agents.status, filter.status) : undefined,
    ...(filter.capabilities ?? []).map((capability) => sql`exists (select 1 from json_each(${agents.capabilities}) where value = ${capability})`),
  );
}

/** One page of agents (with their realms), the filtered total, and how many of those are online. */
export async function listAgentsPage(db: Database, filter: AgentListFilter, paging: AgentListPage, now = Date.now()) {
  const where = conditions(filter, now);
  const direction = paging.sortDir === "desc" ? desc : asc;
  // Not db.batch: D1 batches return rows as objects, which collapse the columns agents and realms
  // share (id, name, …) before drizzle maps the join. Two concurrent reads instead.
  const [summary, rows] = await Promise.all([
    db
      .select({
        total: sql<number>`count(*)`,
        online: sql<number>`coalesce(sum(case when ${agents.onlineUntil} > ${now} then 1 else 0 end), 0)`,
      })
      .from(agents)
      .where(where)
      .get(),
    db
      .select({ agent: agents, realm: realms })
      .from(agents)
      .leftJoin(realms, eq(realms.id, agents.realmId))
      .where(where)
      // Never-seen agents sort as the oldest; ties fall back to the name so pages are stable.
      .orderBy(direction(SORT_COLUMNS[paging.sortBy]), asc(agents.name), asc(agents.id))
      .limit(paging.pageSize)
      .offset((paging.page - 1) * paging.pageSize)
      .all(),
  ]);
  return { rows, total: Number(summary?.total ?? 0), online: Number(summary?.online ?? 0) };
}
