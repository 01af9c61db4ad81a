/** Vaults and per-vault user grants (vaults.actions.ts, shared with the console). */
import { createRouter } from "../router.ts";
import { actionContextOf } from "../request-context.ts";
import {
  createVault,
  deleteVault,
  getVault,
  grantVaultUser,
  listVaults,
  listVaultUsers,
  removeVaultUser,
  setVaultUserRole,
  updateVault,
} from "./vaults.actions.ts";
import * as routes from "./vaults.routes.ts";

export const vaultsRouter = createRouter();

vaultsRouter
  .openapi(routes.createVault, async (c) => c.json(await createVault(actionContextOf(c), c.req.valid("json")), 201))
  .openapi(routes.listVaults, async (c) => c.json(await listVaults(actionContextOf(c)), 200))
  .openapi(routes.getVault, async (c) => c.json(await getVault(actionContextOf(c), c.req.valid("param").vault), 200))
  .openapi(routes.updateVault, async (c) => c.json(await updateVault(actionContextOf(c), c.req.valid("param").vault, c.req.valid("json")), 200))
  .openapi(routes.deleteVault, async (c) => c.json(await deleteVault(actionContextOf(c), c.req.valid("param").vault), 200))
  .openapi(routes.listVaultUsers, async (c) => c.json(await listVaultUsers(actionContextOf(c), c.req.valid("param").vault), 200))
  .openapi(routes.grantVaultUser, async (c) => {
    const { email, role } = c.req.valid("json");
    return c.json(await grantVaultUser(actionContextOf(c), c.req.valid("param").vault, email, role), 200);
  })
  .openapi(routes.updateVaultUser, async (c) => {
    const { vault, userId } = c.req.valid("param");
    return c.json(await setVaultUserRole(actionContextOf(c), vault, userId, c.req.valid("json").role), 200);
  })
  .openapi(routes.removeVaultUser, async (c) => {
    const { vault, userId } = c.req.valid("param");
    return c.json(await removeVaultUser(actionContextOf(c), vault, userId), 200);
  });
