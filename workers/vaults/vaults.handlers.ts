/** Vaults and per-vault user grants; the writes and their checks are vault-writes.ts and vault-user-grants.ts, shared with the console. */
import { authorizeVault } from "../auth/gate.ts";
import type { VaultRole } from "../db/schema.ts";
import { commitChange } from "../effects.ts";
import { iso, rateLimitFromInput, rateLimitView } from "../lib/openapi.ts";
import { createRouter } from "../router.ts";
import { grantVaultUser, removeVaultUser, setVaultUserRole } from "./vault-user-grants.ts";
import { createVault, deleteVault } from "./vault-writes.ts";
import * as routes from "./vaults.routes.ts";
import { accessibleVaults, listVaultUsers, updateVaultChange, type VaultRow } from "./vaults.queries.ts";

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
    const vault = await createVault(c, c.req.valid("json"));
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
    await deleteVault(c, vault);
    return c.json({ deleted: vault.name }, 200);
  })
  .openapi(routes.listVaultUsers, async (c) => {
    const { vault } = await authorizeVault(c, c.req.valid("param").vault);
    return c.json({ users: await listVaultUsers(c.var.db, vault.id) }, 200);
  })
  .openapi(routes.grantVaultUser, async (c) => {
    const { vault } = await authorizeVault(c, c.req.valid("param").vault);
    const { email, role } = c.req.valid("json");
    return c.json({ user: await grantVaultUser(c, vault, email, role) }, 200);
  })
  .openapi(routes.updateVaultUser, async (c) => {
    const params = c.req.valid("param");
    const { vault } = await authorizeVault(c, params.vault);
    return c.json({ user: await setVaultUserRole(c, vault, params.userId, c.req.valid("json").role) }, 200);
  })
  .openapi(routes.removeVaultUser, async (c) => {
    const params = c.req.valid("param");
    const { vault } = await authorizeVault(c, params.vault);
    await removeVaultUser(c, vault, params.userId);
    return c.json({ removed: params.userId }, 200);
  });
