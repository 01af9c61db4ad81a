/** Granting vault roles to agents: the granter needs at least the role it grants (and member). */
import type { Database } from "../db/client.ts";
import type { VaultRole } from "../db/schema.ts";
import { AppError, notFound } from "../lib/app-error.ts";
import { roleAtLeast, type Principal } from "../lib/principal.ts";
import { findVault, vaultRoleOf, type VaultRow } from "./permissions.ts";

export async function requireGrantable(db: Database, principal: Principal, vaultName: string, role: VaultRole): Promise<VaultRow> {
  const vault = await findVault(db, principal.companyId, vaultName);
  if (!vault) throw notFound(`Vault "${vaultName}"`);
  const own = await vaultRoleOf(db, principal, vault);
  if (!own || !roleAtLeast(own, "member")) throw new AppError(403, "forbidden", `Granting access to vault "${vaultName}" needs the member role or higher there`);
  if (!roleAtLeast(own, role)) {
    throw new AppError(403, "grant_exceeds_own_role", `You are ${own} in vault "${vaultName}" and cannot grant ${role}`);
  }
  return vault;
}
