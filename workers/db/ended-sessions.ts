/**
 * Ending a delegation is final. A vault session lives while its minter could still mint it
 * (durable-objects/actor-gate.ts): the minter active, holding `SESSION_MINTING_ROLE` in the
 * session's vault (company owners and API keys hold admin everywhere), and the credential that
 * minted it (agent token, sign-in, API key) unrevoked. A change that takes any of that away must
 * also mark the session revoked in D1, in the same batch, or restoring the minter (re-enabling it,
 * re-adding the grant) would revive a session that was meant to be over. `commit` (change.ts)
 * appends this statement for every root principal a change invalidates, so no ending can forget it.
 */
import { and, gt, inArray, isNull, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "./client.ts";
import { agents, agentTokens, apiKeys, users, userSessions, VAULT_ROLES, vaultMembers, vaultSessions } from "./schema.ts";
import { SESSION_MINTING_ROLE } from "../auth/permission-table.ts";
import { roleAtLeast, type RootKey } from "../lib/principal.ts";

/** D1 binds at most 100 parameters per statement; the rest of the statement binds about a dozen. */
const ROOTS_PER_STATEMENT = 80;

const s = vaultSessions;
const MINTING_ROLES = VAULT_ROLES.filter((role) => roleAtLeast(role, SESSION_MINTING_ROLE));

/** The session's minter (an agents or users row, by `table`) is active and holds a minting role in the session's vault. */
function minterHoldsVault(table: typeof agents | typeof users, type: "agent" | "user"): SQL {
  const grant = sql`EXISTS (SELECT 1 FROM ${vaultMembers} WHERE ${vaultMembers.vaultId} = ${s.vaultId} AND ${vaultMembers.principalType} = ${type}
    AND ${vaultMembers.principalId} = ${s.principalId} AND ${vaultMembers.companyId} = ${s.companyId} AND ${inArray(vaultMembers.role, MINTING_ROLES)})`;
  return sql`EXISTS (SELECT 1 FROM ${table} WHERE ${table.id} = ${s.principalId} AND ${table.companyId} = ${s.companyId}
    AND ${table.status} = 'active' AND (${table.role} = 'owner' OR ${grant}))`;
}

/**
 * True while the session's minter could still mint it: the gate's rule (actor-gate.ts `#resolve`), in SQL.
 * Columns are `vault_sessions`' own, so it reads the row at hand in an UPDATE or a sub-select; minting a
 * session is guarded by it too (sessions.queries.ts), so one minted while its minter loses access never lands.
 */
export function sessionStillBacked(now: number): SQL {
  const agentToken = sql`EXISTS (SELECT 1 FROM ${agentTokens} WHERE ${agentTokens.id} = ${s.mintedWith} AND ${agentTokens.agentId} = ${s.principalId} AND ${agentTokens.revokedAt} IS NULL)`;
  const signIn = sql`EXISTS (SELECT 1 FROM ${userSessions} WHERE ${userSessions.id} = ${s.mintedWith} AND ${userSessions.userId} = ${s.principalId}
    AND ${userSessions.revokedAt} IS NULL AND ${userSessions.expiresAt} > ${now})`;
  const apiKey = sql`${s.mintedWith} = ${s.principalId} AND EXISTS (SELECT 1 FROM ${apiKeys} WHERE ${apiKeys.id} = ${s.principalId}
    AND ${apiKeys.companyId} = ${s.companyId} AND ${apiKeys.revokedAt} IS NULL)`;
  // NULL (a session without `minted_with`) counts as not backed, as the gate refuses it too.
  return sql`coalesce(CASE ${s.principalType}
    WHEN 'agent' THEN ${minterHoldsVault(agents, "agent")} AND ${agentToken}
    WHEN 'user' THEN ${minterHoldsVault(users, "user")} AND ${signIn}
    WHEN 'company_key' THEN ${apiKey}
    ELSE 0 END, 0)`;
}

/**
 * Statements that revoke the live sessions of `roots` whose minter could no longer mint them, as the
 * database stands after the statements before them in the batch. Sessions still backed are left
 * alone: raising a grant, renaming an agent or revoking one session touches no other.
 */
export function endSessionsNoLongerBacked(db: Database, roots: readonly RootKey[], now: number): BatchItem<"sqlite">[] {
  const ids = [...new Set(roots.map((root) => root.id))];
  const types = [...new Set(roots.map((root) => root.type))];
  const statements: BatchItem<"sqlite">[] = [];
  for (let i = 0; i < ids.length; i += ROOTS_PER_STATEMENT) {
    const chunk = ids.slice(i, i + ROOTS_PER_STATEMENT);
    statements.push(
      db
        .update(vaultSessions)
        .set({ revokedAt: now })
        .where(
          and(inArray(s.principalType, types), inArray(s.principalId, chunk), isNull(s.revokedAt), gt(s.expiresAt, now), sql`NOT ${sessionStillBacked(now)}`),
        ),
    );
  }
  return statements;
}
