/** Role checks. Every handler calls one of these before it reads or writes anything. */
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { vaultMembers, vaults, type VaultRole } from "../db/schema.ts";
import { AppError, forbidden, notFound } from "../lib/app-error.ts";
import { roleAtLeast, type Principal } from "../lib/principal.ts";

export function requireCompanyOwner(principal: Principal): void {
  if (principal.companyRole !== "owner") throw forbidden("Only company owners can do this");
}

/** Humans and company keys only: agents and vault sessions are refused. */
export function requireHumanOrKey(principal: Principal): void {
  if (principal.kind !== "user" && principal.kind !== "company_key") {
    throw forbidden("Agents and session tokens cannot do this");
  }
}

/** Company-level management: an owner user or an API key, never an (owner) agent. */
export function requireOwnerHumanOrKey(principal: Principal): void {
  requireHumanOrKey(principal);
  requireCompanyOwner(principal);
}

export type VaultRow = typeof vaults.$inferSelect;
export type VaultAccess = { vault: VaultRow; role: VaultRole };

/** The caller's role in a vault: company owners are admins everywhere; others need a grant. */
export async function vaultRoleOf(db: Database, principal: Principal, vault: VaultRow): Promise<VaultRole | undefined> {
  if (principal.kind === "vault_session") return principal.vaultId === vault.id ? principal.role : undefined;
  if (principal.companyRole === "owner") return "admin";
  const principalType = principal.kind === "agent" ? "agent" : "user";
  const row = await db
    .select({ role: vaultMembers.role })
    .from(vaultMembers)
    .where(and(eq(vaultMembers.vaultId, vault.id), eq(vaultMembers.principalType, principalType), eq(vaultMembers.principalId, principal.id)))
    .get();
  return row?.role;
}

export async function findVault(db: Database, companyId: string, name: string): Promise<VaultRow | undefined> {
  return db.select().from(vaults).where(and(eq(vaults.companyId, companyId), eq(vaults.name, name))).get();
}

/**
 * Loads a vault of the caller's company and checks the caller's role in it. A vault the caller
 * has no grant in answers 404 for members (its existence is not disclosed) and 403 when a role
 * exists but is too low.
 */
export async function requireVaultRole(db: Database, principal: Principal, vaultName: string, minimum: VaultRole): Promise<VaultAccess> {
  const vault = await findVault(db, principal.companyId, vaultName);
  if (!vault) throw notFound(`Vault "${vaultName}"`);
  const role = await vaultRoleOf(db, principal, vault);
  if (!role) throw new AppError(403, "forbidden", `No access to vault "${vaultName}"`);
  if (!roleAtLeast(role, minimum)) throw forbidden(`This needs the ${minimum} role in vault "${vaultName}"; you have ${role}`);
  return { vault, role };
}
