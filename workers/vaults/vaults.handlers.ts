/** Vaults and per-vault user grants. */
import { authorizeVault } from "../auth/gate.ts";
import { and, eq } from "drizzle-orm";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { requireGrantChange, type GrantChange } from "../auth/grants.ts";
import { findVault, type VaultRow } from "../auth/permissions.ts";
import { invalidateRoots, userRoot } from "../auth/revocation.ts";
import { applyGrantChange, currentGrant, rootsTouchingVault } from "./grants.queries.ts";
import { forgetVaultConfig } from "../proxy/vault-config.ts";
import { auditStatement } from "../db/audit.ts";
import type { Database } from "../db/client.ts";
import { users, vaultMembers, vaults, type VaultRole } from "../db/schema.ts";
import { conflict, notFound } from "../lib/app-error.ts";
import { iso, rateLimitFromInput, rateLimitView } from "../lib/openapi.ts";
import type { Principal } from "../auth/principal.ts";
import { createRouter } from "../lib/router.ts";
import { newId } from "../lib/tokens.ts";
import * as routes from "./vaults.routes.ts";

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
    const db = c.var.db;
    if (await findVault(db, principal.companyId, body.name)) throw conflict("vault_exists", `Vault "${body.name}" already exists`);
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
    const audit = auditStatement(db, principal, { action: "vault.create", targetType: "vault", targetId: vault.id, detail: { name: vault.name } });
    // Owners are admins of every vault already; a member who creates a vault is granted admin on it.
    const grant =
      principal.kind === "user" && principal.companyRole === "member"
        ? [db.insert(vaultMembers).values({ vaultId: vault.id, companyId: principal.companyId, principalType: "user", principalId: principal.id, role: "admin", createdAt: now })]
        : [];
    await db.batch([db.insert(vaults).values(vault), audit, ...grant]);
    return c.json({ vault: vaultView(vault, "admin") }, 201);
  })
  .openapi(routes.listVaults, async (c) => {
    const principal = c.var.principal;
    const db = c.var.db;
    return c.json({ vaults: await accessibleVaults(db, principal) }, 200);
  })
  .openapi(routes.getVault, async (c) => {
    const { vault, role } = await authorizeVault(c, c.req.valid("param").vault);
    return c.json({ vault: vaultView(vault, role) }, 200);
  })
  .openapi(routes.updateVault, async (c) => {
    const principal = c.var.principal;
    const db = c.var.db;
    const { vault, role } = await authorizeVault(c, c.req.valid("param").vault);
    const body = c.req.valid("json");
    const changes = {
      ...(body.unmatched_host_policy ? { unmatchedHostPolicy: body.unmatched_host_policy } : {}),
      ...(body.rate_limit !== undefined ? { rateLimit: rateLimitFromInput(body.rate_limit) } : {}),
      updatedAt: Date.now(),
    };
    const [updated] = await db.batch([
      db.update(vaults).set(changes).where(and(eq(vaults.id, vault.id), eq(vaults.companyId, principal.companyId))).returning(),
      auditStatement(db, principal, { action: "vault.update", targetType: "vault", targetId: vault.id, detail: { ...body } }),
    ]);
    return c.json({ vault: vaultView(updated[0] ?? vault, role) }, 200);
  })
  .openapi(routes.deleteVault, async (c) => {
    const principal = c.var.principal;
    const db = c.var.db;
    const { vault } = await authorizeVault(c, c.req.valid("param").vault);
    const touched = await rootsTouchingVault(db, vault.companyId, vault.id);
    // Services, credentials, grants, sessions and proposals go with it (ON DELETE CASCADE).
    await db.batch([
      db.delete(vaults).where(and(eq(vaults.id, vault.id), eq(vaults.companyId, principal.companyId))),
      auditStatement(db, principal, { action: "vault.delete", targetType: "vault", targetId: vault.id, detail: { name: vault.name } }),
    ]);
    // Whoever could reach it, directly or through a session, is refused on their next request.
    await invalidateRoots(c.env, touched);
    forgetVaultConfig(vault.companyId, vault.id);
    return c.json({ deleted: vault.name }, 200);
  })
  .openapi(routes.listVaultUsers, async (c) => {
    const db = c.var.db;
    const { vault } = await authorizeVault(c, c.req.valid("param").vault);
    const rows = await db
      .select({ user_id: users.id, email: users.email, role: vaultMembers.role })
      .from(vaultMembers)
      .innerJoin(users, eq(users.id, vaultMembers.principalId))
      .where(and(eq(vaultMembers.vaultId, vault.id), eq(vaultMembers.principalType, "user")))
      .orderBy(users.email)
      .all();
    return c.json({ users: rows }, 200);
  })
  .openapi(routes.grantVaultUser, async (c) => {
    const db = c.var.db;
    const { vault } = await authorizeVault(c, c.req.valid("param").vault);
    const { email, role } = c.req.valid("json");
    const user = await db.select().from(users).where(and(eq(users.email, email.toLowerCase()), eq(users.companyId, vault.companyId))).get();
    if (!user) throw notFound("User");
    // Adding an existing grant changes its role only if the caller could have changed it.
    const current = await currentGrant(db, vault.id, { type: "user", id: user.id });
    await moveUserRole(c, vault, user.id, { current, next: role, granteeIsOwner: user.role === "owner" });
    return c.json({ user: { user_id: user.id, email: user.email, role } }, 200);
  })
  .openapi(routes.updateVaultUser, async (c) => {
    const params = c.req.valid("param");
    const { vault } = await authorizeVault(c, params.vault);
    const user = await grantedUser(c.var.db, vault, params.userId);
    const { role } = c.req.valid("json");
    await moveUserRole(c, vault, user.id, { current: user.role, next: role, granteeIsOwner: user.companyRole === "owner" });
    return c.json({ user: { user_id: user.id, email: user.email, role } }, 200);
  })
  .openapi(routes.removeVaultUser, async (c) => {
    const params = c.req.valid("param");
    const { vault } = await authorizeVault(c, params.vault);
    const user = await grantedUser(c.var.db, vault, params.userId);
    await moveUserRole(c, vault, user.id, { current: user.role, next: undefined });
    return c.json({ removed: user.id }, 200);
  });

/** Moves a person's role in the vault, if the caller may (auth/grants.ts); their sessions see it next request. */
async function moveUserRole(c: Context<AppEnv>, vault: VaultRow, userId: string, change: GrantChange) {
  const { db, principal } = c.var;
  await requireGrantChange(db, principal, vault, change);
  const audit = change.next
    ? { action: "vault.user.grant", targetType: "vault", targetId: vault.id, detail: { user_id: userId, role: change.next } }
    : { action: "vault.user.remove", targetType: "vault", targetId: vault.id, detail: { user_id: userId } };
  await applyGrantChange(db, principal, vault, { type: "user", id: userId }, change, audit);
  await invalidateRoots(c.env, [userRoot(userId)]);
}

async function accessibleVaults(db: Database, principal: Principal) {
  if (principal.kind === "vault_session") {
    const row = await db.select().from(vaults).where(and(eq(vaults.id, principal.vaultId), eq(vaults.companyId, principal.companyId))).get();
    return row ? [vaultView(row, principal.role)] : [];
  }
  if (principal.companyRole === "owner") {
    const rows = await db.select().from(vaults).where(eq(vaults.companyId, principal.companyId)).orderBy(vaults.name).all();
    return rows.map((v) => vaultView(v, "admin"));
  }
  const rows = await db
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
  return rows.map((r) => vaultView(r.vault, r.role));
}

async function grantedUser(db: Database, vault: VaultRow, userId: string) {
  const row = await db
    .select({ id: users.id, email: users.email, role: vaultMembers.role, companyRole: users.role })
    .from(vaultMembers)
    .innerJoin(users, eq(users.id, vaultMembers.principalId))
    .where(and(eq(vaultMembers.vaultId, vault.id), eq(vaultMembers.principalType, "user"), eq(vaultMembers.principalId, userId)))
    .get();
  if (!row) throw notFound("User grant");
  return row;
}
