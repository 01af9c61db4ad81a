/** Vaults and per-vault user grants. */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { authorizeVault } from "../auth/gate.ts";
import { requireGrantChange } from "../auth/grants.ts";
import type { VaultRole } from "../db/schema.ts";
import { commitChange } from "../effects.ts";
import { conflict, notFound } from "../lib/app-error.ts";
import { iso, rateLimitFromInput, rateLimitView } from "../lib/openapi.ts";
import { createRouter } from "../lib/router.ts";
import { newId } from "../lib/tokens.ts";
import { findUserByEmail } from "../users/users.queries.ts";
import { currentGrant, grantChange, grantChanged, rootsTouchingVault, type GrantChange } from "./grants.queries.ts";
import * as routes from "./vaults.routes.ts";
import {
  accessibleVaults,
  createVaultChange,
  deleteVaultChange,
  findGrantedUser,
  findVault,
  listVaultUsers,
  updateVaultChange,
  type VaultRow,
} from "./vaults.queries.ts";

const vaultView = (v: VaultRow, role: VaultRole) => ({
  id: v.id,
  name: v.name,
  unmatched_host_policy: v.unmatchedHostPolicy,
  rate_limit: rateLimitView(v.rateLimit),
  role,
  created_at: iso(v.createdAt) ?? "",
});

export const vaultsRouter = createRouter();

vaultsRouter
  .openapi(routes.createVault, async (c) => {
    const principal = c.var.principal;
    const body = c.req.valid("json");
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
    return c.json({ vault: vaultView(vault, "admin") }, 201);
  })
  .openapi(routes.listVaults, async (c) => {
    const listed = await accessibleVaults(c.var.db, c.var.principal);
    return c.json({ vaults: listed.map((v) => vaultView(v.vault, v.role)) }, 200);
  })
  .openapi(routes.getVault, async (c) => {
    const { vault, role } = await authorizeVault(c, c.req.valid("param").vault);
    return c.json({ vault: vaultView(vault, role) }, 200);
  })
  .openapi(routes.updateVault, async (c) => {
    const { vault, role } = await authorizeVault(c, c.req.valid("param").vault);
    const body = c.req.valid("json");
    const changes = {
      ...(body.unmatched_host_policy ? { unmatchedHostPolicy: body.unmatched_host_policy } : {}),
      ...(body.rate_limit !== undefined ? { rateLimit: rateLimitFromInput(body.rate_limit) } : {}),
    };
    const [updated] = await commitChange(c, updateVaultChange(c.var.db, c.var.principal, vault, changes, { ...body }, Date.now()));
    return c.json({ vault: vaultView(updated[0] ?? vault, role) }, 200);
  })
  .openapi(routes.deleteVault, async (c) => {
    const { vault } = await authorizeVault(c, c.req.valid("param").vault);
    // Whoever could reach it, directly or through a session, is refused on their next request.
    const touched = await rootsTouchingVault(c.var.db, vault.companyId, vault.id);
    await commitChange(c, deleteVaultChange(c.var.db, c.var.principal, vault, touched));
    return c.json({ deleted: vault.name }, 200);
  })
  .openapi(routes.listVaultUsers, async (c) => {
    const { vault } = await authorizeVault(c, c.req.valid("param").vault);
    return c.json({ users: await listVaultUsers(c.var.db, vault.id) }, 200);
  })
  .openapi(routes.grantVaultUser, async (c) => {
    const { vault } = await authorizeVault(c, c.req.valid("param").vault);
    const { email, role } = c.req.valid("json");
    const user = await findUserByEmail(c.var.db, vault.companyId, email.toLowerCase());
    if (!user) throw notFound("User");
    // Adding an existing grant changes its role only if the caller could have changed it.
    const current = await currentGrant(c.var.db, vault.id, { type: "user", id: user.id });
    await moveUserRole(c, vault, user.id, { current, next: role, granteeIsOwner: user.role === "owner" });
    return c.json({ user: { user_id: user.id, email: user.email, role } }, 200);
  })
  .openapi(routes.updateVaultUser, async (c) => {
    const params = c.req.valid("param");
    const { vault } = await authorizeVault(c, params.vault);
    const user = await grantedUser(c, vault, params.userId);
    const { role } = c.req.valid("json");
    await moveUserRole(c, vault, user.id, { current: user.role, next: role, granteeIsOwner: user.companyRole === "owner" });
    return c.json({ user: { user_id: user.id, email: user.email, role } }, 200);
  })
  .openapi(routes.removeVaultUser, async (c) => {
    const params = c.req.valid("param");
    const { vault } = await authorizeVault(c, params.vault);
    const user = await grantedUser(c, vault, params.userId);
    await moveUserRole(c, vault, user.id, { current: user.role, next: undefined });
    return c.json({ removed: user.id }, 200);
  });

async function grantedUser(c: Context<AppEnv>, vault: VaultRow, userId: string) {
  const user = await findGrantedUser(c.var.db, vault.id, userId);
  if (!user) throw notFound("User grant");
  return user;
}

/** Moves a person's role in the vault, if the caller may (auth/grants.ts); their sessions see it next request. */
async function moveUserRole(c: Context<AppEnv>, vault: VaultRow, userId: string, move: GrantChange) {
  const { db, principal } = c.var;
  await requireGrantChange(db, principal, vault, move);
  const audit = move.next
    ? { action: "vault.user.grant", targetType: "vault", targetId: vault.id, detail: { user_id: userId, role: move.next } }
    : { action: "vault.user.remove", targetType: "vault", targetId: vault.id, detail: { user_id: userId } };
  const write = grantChange(db, principal, vault, { type: "user", id: userId }, move, audit);
  if (write) await commitChange(c, write).catch((error: unknown) => Promise.reject(grantChanged(error)));
}
