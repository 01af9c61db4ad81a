/** `GET /discover` (seeds 000/001): the hosts a vault can reach and its credential names. */
import { authorizeSelectedVault } from "../auth/gate.ts";
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { credentialNames } from "../credentials/credentials.queries.ts";
import { listVaultServices } from "../services/services.queries.ts";
import { formatServiceHost } from "../lib/host-pattern.ts";
import { errors, jsonResponse } from "../lib/openapi.ts";
import { createRouter } from "../lib/router.ts";

export const discover = createRoute({
  method: "get",
  path: "/discover",
  tags: ["agent protocol"],
  summary: "Hosts this vault's services reach, and the credential key names available (never values)",
  description: "Agent tokens send X-Vault (missing 400, unknown 404, no grant 403); vault-scoped session tokens need not.",
  responses: {
    200: jsonResponse(
      z.object({
        vault: z.string(),
        proxy_url: z.string(),
        services: z.array(z.object({ host: z.string(), description: z.string() })),
        available_credentials: z.array(z.string()),
      }),
      "What the agent can reach",
    ),
    ...errors(400, 401, 403, 404),
  },
});

export const discoverRouter = createRouter();

discoverRouter.openapi(discover, async (c) => {
  const { vault } = await authorizeSelectedVault(c, undefined);
  const db = c.var.db;
  const [services, keys] = await Promise.all([
    listVaultServices(db, vault.companyId, vault.id),
    credentialNames(db, vault),
  ]);
  return c.json(
    {
      vault: vault.name,
      proxy_url: `${new URL(c.req.url).origin}/proxy`,
      // Disabled services are left out: they cannot be reached (the proxy answers service_disabled).
      services: services.filter((s) => s.enabled).map((s) => ({ host: formatServiceHost(s.host), description: s.description ?? s.name })),
      available_credentials: keys,
    },
    200,
  );
});
