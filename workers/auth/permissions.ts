/**
 * Vault roles: what role a principal holds in a vault. Who needs which role for what is the
 * permission table's business (auth/permission-table.ts, enforced by auth/gate.ts).
 */
import type { Database } from "../db/client.ts";
import type { VaultRole } from "../db/schema.ts";
import { findVault, type VaultRow } from "../vaults/vaults.queries.ts";
import { grantedVaultRole } from "./permissions.queries.ts";

export { findVault, findVaultById, type VaultRow } from "../vaults/vaults.queries.ts";
import { AppError, forbidden, notFound } from "../lib/app-error.ts";
import { roleAtLeast, type Principal } from "../lib/principal.ts";

export type VaultAccess = { vault: VaultRow; role: VaultRole };

/**
 * The caller's role in a vault: company owners are admins everywhere; others need a grant. An
 * agent's grants come with it from its gate (no D1 read); a person's are read from D1.
 */
export async function vaultRoleOf(db: Database, principal: Principal, vault: Pick<VaultRow, "id">): Promise<VaultRole | undefined> {
  if (principal.kind === "vault_session") return principal.vaultId === vault.id ? principal.role : undefined;
  if (principal.companyRole === "owner") return "admin";
  if (principal.kind === "agent" && principal.grants) return principal.grants[vault.id];
  return grantedVaultRole(db, vault.id, principal.kind === "agent" ? "agent" : "user", principal.id);
}

/**
 * A second role check inside an operation (reading someone else's proposal, granting a role):
 * the vault must exist (404) and the caller hold at least `minimum` there (403).
 */
export async function requireVaultRole(db: Database, principal: Principal, vaultName: string, minimum: VaultRole): Promise<VaultAccess> {
  const vault = await findVault(db, principal.companyId, vaultName);
  if (!vault) throw notFound(`Vault "${vaultName}"`);
  const role = await vaultRoleOf(db, principal, vault);
  if (!role) throw new AppError(403, "forbidden", `No access to vault "${vaultName}"`);
  if (!roleAtLeast(role, minimum)) throw forbidden(`This needs the ${minimum} role in vault "${vaultName}"; you have ${role}`);
  return { vault, role };
}
