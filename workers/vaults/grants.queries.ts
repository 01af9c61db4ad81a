/**
 * Vault grants (agents' and people's roles in a vault). A change is written only if the grant is
 * still what the caller's permission check saw: the audit row guards on it, so a concurrent change
 * makes this one fail whole (409) instead of overwriting a role the caller could not have moved.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { RootKey } from "../auth/actor-gate-client.ts";
import type { GrantChange } from "../auth/grants.ts";
import type { Principal } from "../auth/principal.ts";
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

/** Applies `change` (already permitted) with its audit entry, if the grant is still `change.current`. */
export async function applyGrantChange(db: Database, principal: Principal, vault: { id: string; companyId: string }, grantee: Grantee, change: GrantChange, audit: AuditEntry): Promise<void> {
  if (change.current === change.next) return;
  const still = change.current
    ? sql`EXISTS (SELECT 1 FROM ${vaultMembers} WHERE ${grantWhere(vault.id, grantee)} AND ${vaultMembers.role} = ${change.current})`
    : sql`NOT EXISTS (SELECT 1 FROM ${vaultMembers} WHERE ${grantWhere(vault.id, grantee)})`;
  const write = change.next
    ? change.current
      ? db.update(vaultMembers).set({ role: change.next }).where(grantWhere(vault.id, grantee))
      : db.insert(vaultMembers).values({ vaultId: vault.id, companyId: vault.companyId, principalType: grantee.type, principalId: grantee.id, role: change.next, createdAt: Date.now() })
    : db.delete(vaultMembers).where(grantWhere(vault.id, grantee));
  try {
    await db.batch([auditStatement(db, principal, audit, still), write]);
  } catch (error) {
    if (isGuardFailure(error)) throw new AppError(409, "grant_changed", "This grant changed a moment ago; read it again and retry");
    throw error;
  }
}

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
    db.select({ id: agents.id }).from(agents).where(and(eq(agents.companyId, companyId), eq(agents.role, "owner"))).all(),
  ]);
  return [...grantees, ...minters, ...ownerAgents.map((a) => ({ type: "agent" as const, id: a.id }))];
}
