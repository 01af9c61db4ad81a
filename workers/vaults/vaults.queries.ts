/** Vaults of a company and the people granted a role in them: reads, and the changes that write them. */
import { and, eq } from "drizzle-orm";
import { auditStatement } from "../db/audit.ts";
import { change, type Change, type RootKey } from "../db/change.ts";
import type { Database } from "../db/client.ts";
import { users, vaultMembers, vaults, type VaultRole } from "../db/schema.ts";
import type { Principal } from "../lib/principal.ts";

export type VaultRow = typeof vaults.$inferSelect;

export async function findVault(db: Database, companyId: string, name: string): Promise<VaultRow | undefined> {
  return db
    .select()
    .from(vaults)
    .where(and(eq(vaults.companyId, companyId), eq(vaults.name, name)))
    .get();
}

export async function findVaultById(db: Database, companyId: string, id: string): Promise<VaultRow | undefined> {
  return db
    .select()
    .from(vaults)
    .where(and(eq(vaults.companyId, companyId), eq(vaults.id, id)))
    .get();
}

export async function listCompanyVaults(db: Database, companyId: string): Promise<VaultRow[]> {
  return db.select().from(vaults).where(eq(vaults.companyId, companyId)).orderBy(vaults.name).all();
}

/** The vaults a principal holds a role in, with that role. */
export async function accessibleVaults(db: Database, principal: Principal): Promise<{ vault: VaultRow; role: VaultRole }[]> {
  if (principal.kind === "vault_session") {
    const vault = await findVaultById(db, principal.companyId, principal.vaultId);
    return vault ? [{ vault, role: principal.role }] : [];
  }
  if (principal.companyRole === "owner") return (await listCompanyVaults(db, principal.companyId)).map((vault) => ({ vault, role: "admin" as const }));
  return db
    .select({ vault: vaults, role: vaultMembers.role })
    .from(vaultMembers)
    .innerJoin(vaults, eq(vaults.id, vaultMembers.vaultId))
    .where(
      and(
        eq(vaultMembers.companyId, principal.companyId),
        eq(vaultMembers.principalType, principal.kind === "agent" ? "agent" : "user"),
        eq(vaultMembers.principalId, principal.id),
      ),
    )
    .orderBy(vaults.name)
    .all();
}

/** A new vault; a member who creates one is granted admin on it (owners are admins of every vault). */
export function createVaultChange(db: Database, principal: Principal, vault: VaultRow): Change {
  const audit = auditStatement(db, principal, { action: "vault.create", targetType: "vault", targetId: vault.id, detail: { name: vault.name } });
  const creatorGrant = principal.kind === "user" && principal.companyRole === "member";
  if (!creatorGrant) return change([db.insert(vaults).values(vault), audit] as const);
  return change(
    [
      db.insert(vaults).values(vault),
      audit,
      db
        .insert(vaultMembers)
        .values({ vaultId: vault.id, companyId: vault.companyId, principalType: "user", principalId: principal.id, role: "admin", createdAt: vault.createdAt }),
    ] as const,
    { roots: [{ type: "user", id: principal.id }] },
  );
}

export function updateVaultChange(
  db: Database,
  principal: Principal,
  vault: VaultRow,
  changes: Partial<Pick<VaultRow, "unmatchedHostPolicy" | "rateLimit">>,
  detail: Record<string, unknown>,
  now: number,
) {
  return change(
    [
      db
        .update(vaults)
        .set({ ...changes, updatedAt: now })
        .where(and(eq(vaults.id, vault.id), eq(vaults.companyId, vault.companyId)))
        .returning(),
      auditStatement(db, principal, { action: "vault.update", targetType: "vault", targetId: vault.id, detail }),
    ] as const,
    { vaults: [{ companyId: vault.companyId, vaultId: vault.id }] },
  );
}

/**
 * Deletes a vault; its services, credentials, grants, sessions and proposals go with it (ON DELETE
 * CASCADE). `touched` (rootsTouchingVault, read first) are refused on their next request.
 */
export function deleteVaultChange(db: Database, principal: Principal, vault: VaultRow, touched: readonly RootKey[]) {
  return change(
    [
      db.delete(vaults).where(and(eq(vaults.id, vault.id), eq(vaults.companyId, vault.companyId))),
      auditStatement(db, principal, { action: "vault.delete", targetType: "vault", targetId: vault.id, detail: { name: vault.name } }),
    ] as const,
    { roots: touched, vaults: [{ companyId: vault.companyId, vaultId: vault.id }] },
  );
}

/** The people granted a role in a vault. */
export async function listVaultUsers(db: Database, vaultId: string) {
  return db
    .select({ user_id: users.id, email: users.email, role: vaultMembers.role })
    .from(vaultMembers)
    .innerJoin(users, eq(users.id, vaultMembers.principalId))
    .where(and(eq(vaultMembers.vaultId, vaultId), eq(vaultMembers.principalType, "user")))
    .orderBy(users.email)
    .all();
}

/** A person granted a role in the vault, with that role and their company role. */
export async function findGrantedUser(db: Database, vaultId: string, userId: string) {
  return db
    .select({ id: users.id, email: users.email, role: vaultMembers.role, companyRole: users.role })
    .from(vaultMembers)
    .innerJoin(users, eq(users.id, vaultMembers.principalId))
    .where(and(eq(vaultMembers.vaultId, vaultId), eq(vaultMembers.principalType, "user"), eq(vaultMembers.principalId, userId)))
    .get();
}
