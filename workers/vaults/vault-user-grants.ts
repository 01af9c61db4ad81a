/**
 * People's roles in a vault: granting, changing and removing one, for the API
 * (POST/PATCH/DELETE /v1/vaults/{vault}/users) and the console's vault page alike. Every move is
 * held to auth/grants.ts (a role moves only by someone above it; nobody grants above their own)
 * and written guarded on the grant the check saw (grants.queries.ts); the person's sessions see
 * it on their next request.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { requireGrantChange } from "../auth/grants.ts";
import type { VaultRole } from "../db/schema.ts";
import { commitChange } from "../effects.ts";
import { notFound } from "../lib/app-error.ts";
import { findUserByEmail } from "../users/users.queries.ts";
import { currentGrant, type GrantChange, grantChange, grantChanged } from "./grants.queries.ts";
import { findGrantedUser, type VaultRow } from "./vaults.queries.ts";

export type VaultUserGrant = { user_id: string; email: string; role: VaultRole };

/** A person granted a role in the vault; anyone else (another company's, or no grant) is not found. */
export async function grantedUser(c: Context<AppEnv>, vault: VaultRow, userId: string) {
  const user = await findGrantedUser(c.var.db, vault.id, userId);
  if (!user) throw notFound("User grant");
  return user;
}

async function moveUserRole(c: Context<AppEnv>, vault: VaultRow, userId: string, move: GrantChange): Promise<void> {
  const { db, principal } = c.var;
  await requireGrantChange(db, principal, vault, move);
  const audit = move.next
    ? { action: "vault.user.grant", targetType: "vault", targetId: vault.id, detail: { user_id: userId, role: move.next } }
    : { action: "vault.user.remove", targetType: "vault", targetId: vault.id, detail: { user_id: userId } };
  const write = grantChange(db, principal, vault, { type: "user", id: userId }, move, audit);
  if (write) await commitChange(c, write).catch((error: unknown) => Promise.reject(grantChanged(error)));
}

/** Gives a person of the company (by e-mail) a role; re-adding changes their role only if the caller could have. */
export async function grantVaultUser(c: Context<AppEnv>, vault: VaultRow, email: string, role: VaultRole): Promise<VaultUserGrant> {
  const user = await findUserByEmail(c.var.db, vault.companyId, email.toLowerCase());
  if (!user) throw notFound("User");
  const current = await currentGrant(c.var.db, vault.id, { type: "user", id: user.id });
  await moveUserRole(c, vault, user.id, { current, next: role, granteeIsOwner: user.role === "owner" });
  return { user_id: user.id, email: user.email, role };
}

export async function setVaultUserRole(c: Context<AppEnv>, vault: VaultRow, userId: string, role: VaultRole): Promise<VaultUserGrant> {
  const user = await grantedUser(c, vault, userId);
  await moveUserRole(c, vault, user.id, { current: user.role, next: role, granteeIsOwner: user.companyRole === "owner" });
  return { user_id: user.id, email: user.email, role };
}

export async function removeVaultUser(c: Context<AppEnv>, vault: VaultRow, userId: string): Promise<void> {
  const user = await grantedUser(c, vault, userId);
  await moveUserRole(c, vault, user.id, { current: user.role, next: undefined });
}
