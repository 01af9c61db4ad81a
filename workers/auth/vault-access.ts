/**
 * The vault checks of an action: the vault a request addresses, loaded within the caller's
 * company and held to the role its row of the permission table names (the context's `cell`), and
 * `self` cells held to the caller itself. Functions of the action context, not of a request, so an
 * API handler, a console page and an approval are held to the same minimum by the same code;
 * auth/gate.ts keeps Hono-taking wrappers for entries that have no action yet.
 */
import type { ActionContext } from "../action-context.ts";
import { badRequest, forbidden, notFound } from "../lib/app-error.ts";
import { holdRoleToCell, vaultRefusal } from "./hold-to-row.ts";
import { findVault, findVaultById, vaultRoleOf, type VaultAccess } from "./permissions.ts";

/** What a vault check needs of the context. */
export type VaultCaller = Pick<ActionContext, "db" | "principal" | "cell">;

/**
 * Loads a vault of the caller's company and holds the caller to the operation's role there. A
 * vault that does not exist is 404; one the caller has no role in, or too low a role, is 403.
 */
export async function authorizeVault(ctx: VaultCaller, vaultName: string): Promise<VaultAccess> {
  const vault = await findVault(ctx.db, ctx.principal.companyId, vaultName);
  if (!vault) throw notFound(`Vault "${vaultName}"`);
  return holdTo(ctx, { vault, role: await vaultRoleOf(ctx.db, ctx.principal, vault) });
}

/**
 * The vault a vault-scoped request addresses (seed 000): vault sessions carry it; everyone else
 * names it (`named`: the body's or query's `vault`, else the `X-Vault` header).
 */
export async function authorizeSelectedVault(ctx: VaultCaller, named: string | undefined): Promise<VaultAccess> {
  const principal = ctx.principal;
  if (principal.kind === "vault_session") {
    const vault = await findVaultById(ctx.db, principal.companyId, principal.vaultId);
    if (!vault) throw notFound("Vault");
    if (named && named !== vault.name) throw forbidden(`This session is scoped to vault "${vault.name}"`);
    return holdTo(ctx, { vault, role: principal.role });
  }
  if (!named) throw badRequest("vault_required", "Name the vault: send the X-Vault header (or a vault field)");
  return authorizeVault(ctx, named);
}

/** The role rule is hold-to-row.ts's, the one the proxy's ActorGate applies too. */
function holdTo(ctx: VaultCaller, found: { vault: VaultAccess["vault"]; role: VaultAccess["role"] | undefined }): VaultAccess {
  const verdict = holdRoleToCell(ctx.cell, found.role);
  if (verdict.ok) return { vault: found.vault, role: verdict.role };
  throw vaultRefusal(found.vault.name, verdict);
}

/**
 * For `self` cells: the caller may act only on itself. Anything else answers 404, so an agent
 * does not learn which other agents exist.
 */
export function authorizeSubject(ctx: Pick<VaultCaller, "principal" | "cell">, subjectId: string, what: string): void {
  if (ctx.cell === "self" && ctx.principal.id !== subjectId) throw notFound(what);
}
