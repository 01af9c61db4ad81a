/**
 * Creating and deleting a vault: the one home of what POST and DELETE /v1/vaults{/vault} do, for
 * the API (vaults.handlers.ts) and the console (pages/vaults.handlers.ts) alike.
 */
import type { Context } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { commitChange } from "../effects.ts";
import { conflict } from "../lib/app-error.ts";
import { newId } from "../lib/tokens.ts";
import { rootsTouchingVault } from "./grants.queries.ts";
import type { CreateVaultBody } from "./vaults.contract.ts";
import { createVaultChange, deleteVaultChange, findVault, type VaultRow } from "./vaults.queries.ts";

export type VaultInput = z.output<typeof CreateVaultBody>;

/** A new vault of the caller's company; a member who creates one becomes its admin (createVaultChange). */
export async function createVault(c: Context<AppEnv>, body: VaultInput): Promise<VaultRow> {
  const principal = c.var.principal;
  if (await findVault(c.var.db, principal.companyId, body.name)) throw conflict("vault_exists", `Vault "${body.name}" already exists`);
  const now = Date.now();
  const vault: VaultRow = {
    id: newId("vlt"),
    companyId: principal.companyId,
    name: body.name,
    unmatchedHostPolicy: body.unmatched_host_policy,
    rateLimit: null,
    createdBy: principal.id,
    createdAt: now,
    updatedAt: now,
  };
  await commitChange(c, createVaultChange(c.var.db, principal, vault));
  return vault;
}

/** Deletes a vault with everything in it (ON DELETE CASCADE). */
export async function deleteVault(c: Context<AppEnv>, vault: VaultRow): Promise<void> {
  // Whoever could reach it, directly or through a session, is refused on their next request.
  const touched = await rootsTouchingVault(c.var.db, vault.companyId, vault.id);
  await commitChange(c, deleteVaultChange(c.var.db, c.var.principal, vault, touched));
}
