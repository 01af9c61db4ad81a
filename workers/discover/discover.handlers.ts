/** `GET /discover` (seeds 000/001): the hosts a vault can reach and its credential names. */
import { authorizeSelectedVault } from "../auth/gate.ts";
import { credentialNames } from "../credentials/credentials.queries.ts";
import { listVaultServices } from "../services/services.queries.ts";
import { publicOriginOf } from "../config.ts";
import { formatServiceHost } from "../lib/host-pattern.ts";
import * as routes from "./discover.routes.ts";
import { createRouter } from "../router.ts";

export const discoverRouter = createRouter();

discoverRouter.openapi(routes.discover, async (c) => {
  const { vault } = await authorizeSelectedVault(c, undefined);
  const db = c.var.db;
  const [services, keys] = await Promise.all([listVaultServices(db, vault.companyId, vault.id), credentialNames(db, vault)]);
  return c.json(
    {
      vault: vault.name,
      proxy_url: `${publicOriginOf(c.env)}/proxy`,
      // Disabled services are listed as such: seed 000 tells agents not to propose them again.
      services: services.map((s) => ({ host: formatServiceHost(s.host), description: s.description ?? s.name, enabled: s.enabled })),
      available_credentials: keys,
    },
    200,
  );
});
