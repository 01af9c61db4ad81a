/**
 * Vaults and the people granted a role in them, for the API and the console alike: create, list,
 * read, change and delete a vault; give, change and remove a person's role. Role moves are held
 * to auth/grants.ts (a role moves only by someone above it; nobody grants above their own) and
 * written guarded on the grant the check saw (grants.queries.ts); the person's sessions see it on
 * their next request.
 */
import type { z } from "zod";
import type { ActionContext } from "../action-context.ts";
import { requireGrantChange } from "../auth/grants.ts";
import { authorizeVault } from "../auth/vault-access.ts";
import type { VaultRole } from "../db/schema.ts";
import { conflict, forbidden, notFound } from "../lib/app-error.ts";
import { iso, rateLimitFromInput, rateLimitView } from "../lib/openapi.ts";
import { newId } from "../lib/crypto/tokens.ts";
import { findUserByEmail } from "../users/users.queries.ts";
import { currentGrant, type GrantChange, grantChange, grantChanged, rootsTouchingVault } from "./grants.queries.ts";
import type { CreateVaultBody, UpdateVaultBody, VaultUser, VaultView as VaultViewSchema } from "./vaults.contract.ts";
import {
  accessibleVaults,
  createVaultChange,
  deleteVaultChange,
  findGrantedUser,
  findVault,
  listVaultUsers as usersOf,
  updateVaultChange,
  type VaultRow,
} from "./vaults.queries.ts";

export type VaultInput = z.output<typeof CreateVaultBody>;
export type VaultSettings = z.output<typeof UpdateVaultBody>;
export type VaultUserGrant = z.output<typeof VaultUser>;
export type VaultView = z.output<typeof VaultViewSchema>;

const vaultView = (v: VaultRow, role: VaultRole): VaultView => ({
  id: v.id,
  name: v.name,
  unmatched_host_policy: v.unmatchedHostPolicy,
  rate_limit: rateLimitView(v.rateLimit),
  role,
  created_at: iso(v.createdAt) ?? "",
});

/** A new vault of the caller's company; a member who creates one becomes its admin (createVaultChange). */
export async function createVault(ctx: ActionContext, input: VaultInput): Promise<{ vault: VaultView }> {
  const principal = ctx.principal;
  if (await findVault(ctx.db, principal.companyId, input.name)) throw conflict("vault_exists", `Vault "${input.name}" already exists`);
  const now = ctx.edge.now();
  const vault: VaultRow = {
    id: newId("vlt"),
    companyId: principal.companyId,
    name: input.name,
    unmatchedHostPolicy: input.unmatched_host_policy,
    rateLimit: null,
    createdBy: principal.id,
    createdAt: now,
    updatedAt: now,
  };
  await ctx.commit(createVaultChange(ctx.db, principal, vault));
  return { vault: vaultView(vault, "admin") };
}

/** The vaults the caller holds a role in, with that role. */
export async function listVaults(ctx: ActionContext): Promise<{ vaults: VaultView[] }> {
  const listed = await accessibleVaults(ctx.db, ctx.principal);
  return { vaults: listed.map((v) => vaultView(v.vault, v.role)) };
}

export async function getVault(ctx: ActionContext, vaultName: string): Promise<{ vault: VaultView }> {
  const { vault, role } = await authorizeVault(ctx, vaultName);
  return { vault: vaultView(vault, role) };
}

/**
 * Agents never lift their own limits, and a vault's rate-limit override is the budget of every
 * agent in it without one of its own: an agent (or a session) may not set it at all — not lower
 * either, since "lower" across rate, burst and concurrency is a comparison a mistake would turn
 * into a lift; a person sets it (403 `self_change`, as for its own limits: agents/agent-update.ts).
 */
function requireLimitsByAPerson(ctx: ActionContext, settings: VaultSettings): void {
  const kind = ctx.principal.kind;
  if (settings.rate_limit !== undefined && (kind === "agent" || kind === "vault_session")) {
    throw forbidden(
      "An agent cannot set a vault's rate limit (it is the budget of the agents in the vault, its own included): ask a person who administers the vault",
      "self_change",
    );
  }
}

/** Changes the unmatched-host policy and the rate-limit override (`null` clears it; a person's to set). */
export async function updateVault(ctx: ActionContext, vaultName: string, settings: VaultSettings): Promise<{ vault: VaultView }> {
  const { vault, role } = await authorizeVault(ctx, vaultName);
  requireLimitsByAPerson(ctx, settings);
  const changes = {
    ...(settings.unmatched_host_policy ? { unmatchedHostPolicy: settings.unmatched_host_policy } : {}),
    ...(settings.rate_limit !== undefined ? { rateLimit: rateLimitFromInput(settings.rate_limit) } : {}),
  };
  const [updated] = await ctx.commit(updateVaultChange(ctx.db, ctx.principal, vault, changes, { ...settings }, ctx.edge.now()));
  return { vault: vaultView(updated[0] ?? vault, role) };
}

/** Deletes a vault with everything in it (ON DELETE CASCADE). */
export async function deleteVault(ctx: ActionContext, vaultName: string): Promise<{ deleted: string }> {
  const { vault } = await authorizeVault(ctx, vaultName);
  // Whoever could reach it, directly or through a session, is refused on their next request.
  const touched = await rootsTouchingVault(ctx.db, vault.companyId, vault.id);
  await ctx.commit(deleteVaultChange(ctx.db, ctx.principal, vault, touched));
  return { deleted: vault.name };
}

/** The people granted a role in the vault. */
export async function listVaultUsers(ctx: ActionContext, vaultName: string): Promise<{ users: VaultUserGrant[] }> {
  const { vault } = await authorizeVault(ctx, vaultName);
  return { users: await usersOf(ctx.db, vault.id) };
}

/** A person granted a role in the vault; anyone else (another company's, or no grant) is not found. */
async function grantOf(ctx: ActionContext, vault: VaultRow, userId: string) {
  const user = await findGrantedUser(ctx.db, vault.id, userId);
  if (!user) throw notFound("User grant");
  return user;
}

async function moveUserRole(ctx: ActionContext, vault: VaultRow, userId: string, move: GrantChange): Promise<void> {
  const { db, principal } = ctx;
  await requireGrantChange(db, principal, vault, move);
  const audit = move.next
    ? { action: "vault.user.grant", targetType: "vault", targetId: vault.id, detail: { user_id: userId, role: move.next } }
    : { action: "vault.user.remove", targetType: "vault", targetId: vault.id, detail: { user_id: userId } };
  const write = grantChange(db, principal, vault, { type: "user", id: userId }, move, audit);
  if (write) await ctx.commit(write).catch((error: unknown) => Promise.reject(grantChanged(error)));
}

/** Gives a person of the company (by e-mail) a role; re-adding changes their role only if the caller could have. */
export async function grantVaultUser(ctx: ActionContext, vaultName: string, email: string, role: VaultRole): Promise<{ user: VaultUserGrant }> {
  const { vault } = await authorizeVault(ctx, vaultName);
  const user = await findUserByEmail(ctx.db, vault.companyId, email.toLowerCase());
  if (!user) throw notFound("User");
  const current = await currentGrant(ctx.db, vault.id, { type: "user", id: user.id });
  await moveUserRole(ctx, vault, user.id, { current, next: role, granteeIsOwner: user.role === "owner" });
  return { user: { user_id: user.id, email: user.email, role } };
}

/** The person's grant in the vault, if they hold one (the console asks before it confirms a removal). */
export async function grantedUser(ctx: ActionContext, vaultName: string, userId: string): Promise<VaultUserGrant> {
  const { vault } = await authorizeVault(ctx, vaultName);
  const user = await grantOf(ctx, vault, userId);
  return { user_id: user.id, email: user.email, role: user.role };
}

export async function setVaultUserRole(ctx: ActionContext, vaultName: string, userId: string, role: VaultRole): Promise<{ user: VaultUserGrant }> {
  const { vault } = await authorizeVault(ctx, vaultName);
  const user = await grantOf(ctx, vault, userId);
  await moveUserRole(ctx, vault, user.id, { current: user.role, next: role, granteeIsOwner: user.companyRole === "owner" });
  return { user: { user_id: user.id, email: user.email, role } };
}

export async function removeVaultUser(ctx: ActionContext, vaultName: string, userId: string): Promise<{ removed: string }> {
  const { vault } = await authorizeVault(ctx, vaultName);
  const user = await grantOf(ctx, vault, userId);
  await moveUserRole(ctx, vault, user.id, { current: user.role, next: undefined });
  return { removed: userId };
}
