/**
 * Which vault a vault-scoped request addresses (seed 000): vault-scoped session tokens carry
 * it; every other caller names it, in the body/query or in the `X-Vault` header.
 */
import { and, eq } from "drizzle-orm";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { vaults, type VaultRole } from "../db/schema.ts";
import { AppError, badRequest, notFound } from "../lib/app-error.ts";
import { roleAtLeast } from "../lib/principal.ts";
import { requireVaultRole, type VaultAccess } from "./permissions.ts";

export async function requireSelectedVault(c: Context<AppEnv>, explicit: string | undefined, minimum: VaultRole): Promise<VaultAccess> {
  const principal = c.var.principal;
  const named = explicit ?? c.req.header("X-Vault");
  if (principal.kind === "vault_session") {
    const vault = await c.var.db.select().from(vaults).where(and(eq(vaults.id, principal.vaultId), eq(vaults.companyId, principal.companyId))).get();
    if (!vault) throw notFound("Vault");
    if (named && named !== vault.name) throw new AppError(403, "forbidden", `This session is scoped to vault "${vault.name}"`);
    if (!roleAtLeast(principal.role, minimum)) throw new AppError(403, "forbidden", `This needs the ${minimum} role; sessions act as ${principal.role}`);
    return { vault, role: principal.role };
  }
  if (!named) throw badRequest("vault_required", "Name the vault: send the X-Vault header (or a vault field)");
  return requireVaultRole(c.var.db, principal, named, minimum);
}
