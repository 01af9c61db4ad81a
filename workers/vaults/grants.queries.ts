/**
 * Vault grants (agents' and people's roles in a vault). A change is written only if the grant is
 * still what the caller's permission check saw: the audit row guards on it, so a concurrent change
 * makes this one fail whole (409) instead of overwriting a role the caller could not have moved.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import { change, type RootKey } from "../db/change.ts";
import type { Principal } from "../lib/principal.ts";
import { AppError } from "../lib/app-error.ts";
import { auditStatement, isGuardFailure, type AuditEntry } from "../db/audit.ts";
import type { Database } from "../db/client.ts";
import { agents, vaultMembers, vaultSessions, type PrincipalType, type VaultRole } from "../db/schema.ts";

export type Grantee = { type: PrincipalType; id: string };

const grantWhere = (vaultId: string, grantee: Grantee) =>
  and(eq(vaultMembers.vaultId, vaultId), eq(vaultMembers.principalType, grantee.type), eq(vaultMembers.principalId, grantee.id));

export async function currentGrant(db: Database, vaultId: string, grantee: Grantee): Promise<VaultRole | undefined> {
  return (await db.select({ role: vaultMembers.role }).from(vaultMembers).where(grantWhere(vaultId, grantee)).get())?.role;
}

/** A role change in a vault: `next` undefined removes the grant; `granteeIsOwner` marks a company owner. */
export type GrantChange = { current: VaultRole | undefined; next: VaultRole | undefined; granteeIsOwner?: boolean };

/**
 * The write for `move` (already permitted), guarded on the grant still being `move.current`, with
 * its audit entry; the grantee's gate re-reads it. Undefined when there is nothing to change.
 */
export function grantChange(
  db: Database,
  principal: Principal,
  vault: { id: string; companyId: string },
  grantee: Grantee,
  move: GrantChange,
  audit: AuditEntry,
) {
  if (move.current === move.next) return undefined;
  const still = move.current
    ? sql`EXISTS (SELECT 1 FROM ${vaultMembers} WHERE ${grantWhere(vault.id, grantee)} AND ${vaultMembers.role} = ${move.current})`
    : sql`NOT EXISTS (SELECT 1 FROM ${vaultMembers} WHERE ${grantWhere(vault.id, grantee)})`;
  const write = move.next
    ? move.current
      ? db.update(vaultMembers).set({ role: move.next }).where(grantWhere(vault.id, grantee))
      : db.insert(vaultMembers).values({
          vaultId: vault.id,
          companyId: vault.companyId,
          principalType: grantee.type,
          principalId: grantee.id,
          role: move.next,
          createdAt: Date.now(),
        })
    : db.delete(vaultMembers).where(grantWhere(vault.id, grantee));
  return change([auditStatement(db, principal, audit, still), write] as const, { roots: [{ type: grantee.type, id: grantee.id }] });
}

/** The grant changed between the check and the write: that write failed whole. */
export const grantChanged = (error: unknown) =>
  isGuardFailure(error) ? new AppError(409, "grant_changed", "This grant changed a moment ago; read it again and retry") : error;

/**
 * Every root principal whose gate may hold this vault: grantees, minters of its live sessions,
 * and the company's owner agents (admins of every vault without a grant).
 */
export async function rootsTouchingVault(db: Database, companyId: string, vaultId: string): Promise<RootKey[]> {
  const [grantees, minters, ownerAgents] = await Promise.all([
    db.select({ type: vaultMembers.principalType, id: vaultMembers.principalId }).from(vaultMembers).where(eq(vaultMembers.vaultId, vaultId)).all(),
    db
      .select({ type: vaultSessions.principalType, id: vaultSessions.principalId })
      .from(vaultSessions)
      .where(and(eq(vaultSessions.vaultId, vaultId), isNull(vaultSessions.revokedAt)))
      .all(),
    db
      .select({ id: agents.id })
      .from(agents)
      .where(and(eq(agents.companyId, companyId), eq(agents.role, "owner")))
      .all(),
  ]);
  return [...grantees, ...minters, ...ownerAgents.map((a) => ({ type: "agent" as const, id: a.id }))];
}
