/**
 * A passport ends with what backed it. An agent's passport (passports/) stays good while the agent
 * exists, is active, keeps the name it was issued under (its `sub`), holds the token it held then,
 * and, for one it obtained itself, the passport scopes a person had granted it then. A change that
 * takes any of that away (disabling, deleting, renaming or rotating the agent, changing its grant)
 * must revoke the passport in the same batch, or OCSP, `POST /v1/passport/verify` and the revoked
 * list would still call it good; and, as with vault sessions (ended-sessions.ts), restoring the agent
 * later revives nothing. `commit` (change.ts) appends this statement for every agent a change
 * invalidates, so no ending can forget it.
 */
import { and, gt, inArray, isNull, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "./client.ts";
import { agents, agentTokens } from "./schema.ts";
import { passports } from "./passports.schema.ts";
import type { RootKey } from "../lib/principal.ts";

/** D1 binds at most 100 parameters per statement; the rest of the statement binds a handful. */
const AGENTS_PER_STATEMENT = 80;

const p = passports;
/** The passport's agent, as it must still be: same company, active, same name, and (self-obtained) the same grant. */
const agentAsIssued = sql`EXISTS (SELECT 1 FROM ${agents} WHERE ${agents.id} = ${p.agentId} AND ${agents.companyId} = ${p.companyId}
  AND ${agents.status} = 'active' AND ${agents.name} = ${p.agentName} AND (${p.withinGrant} IS NULL OR ${agents.passportScopes} = ${p.withinGrant}))`;
/** The agent still holds the token it held at issue (or, having had none, still has none). */
const tokenAsIssued = sql`CASE WHEN ${p.agentTokenId} IS NULL
  THEN NOT EXISTS (SELECT 1 FROM ${agentTokens} WHERE ${agentTokens.agentId} = ${p.agentId})
  ELSE EXISTS (SELECT 1 FROM ${agentTokens} WHERE ${agentTokens.id} = ${p.agentTokenId} AND ${agentTokens.revokedAt} IS NULL) END`;

/**
 * True while the passport's agent still backs it: the rule in SQL, over `passports`' own columns,
 * so it reads the row at hand in an UPDATE or a sub-select. Issuing one is guarded by it too
 * (passports.queries.ts), so a passport issued while its agent is being disabled never lands.
 */
export function passportStillBacked(): SQL {
  return sql`(${agentAsIssued} AND ${tokenAsIssued})`;
}

/** Why a passport stopped being backed, in the words Vane's `reason` carries. */
const endingReason = sql`CASE
  WHEN NOT EXISTS (SELECT 1 FROM ${agents} WHERE ${agents.id} = ${p.agentId} AND ${agents.companyId} = ${p.companyId}) THEN 'agent deleted'
  WHEN EXISTS (SELECT 1 FROM ${agents} WHERE ${agents.id} = ${p.agentId} AND ${agents.status} != 'active') THEN 'agent disabled'
  WHEN EXISTS (SELECT 1 FROM ${agents} WHERE ${agents.id} = ${p.agentId} AND ${agents.name} != ${p.agentName}) THEN 'agent renamed'
  WHEN NOT ${tokenAsIssued} THEN 'agent token rotated'
  ELSE 'passport scopes changed' END`;

/**
 * Statements that revoke the live passports of the agents among `roots` that their agent no longer
 * backs, as the database stands after the statements before them in the batch. Passports still
 * backed are left alone: a change of capabilities or vault grants touches none.
 */
export function endPassportsNoLongerBacked(db: Database, roots: readonly RootKey[], now: number): BatchItem<"sqlite">[] {
  const ids = [...new Set(roots.filter((root) => root.type === "agent").map((root) => root.id))];
  const statements: BatchItem<"sqlite">[] = [];
  for (let i = 0; i < ids.length; i += AGENTS_PER_STATEMENT) {
    const chunk = ids.slice(i, i + AGENTS_PER_STATEMENT);
    statements.push(
      db
        .update(passports)
        .set({ revokedAt: now, reason: endingReason })
        .where(and(inArray(p.agentId, chunk), isNull(p.revokedAt), gt(p.expiresAt, now), sql`NOT ${passportStillBacked()}`)),
    );
  }
  return statements;
}
