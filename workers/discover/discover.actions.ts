/**
 * `GET /discover` (seeds 000/001): what an agent, or the CLI's local proxy, can reach through a
 * vault — its services' hosts (with the placeholders an agent writes and the methods it may use,
 * where a service has them) and its credentials' key names, never their values.
 */
import type { z } from "zod";
import type { ActionContext } from "../action-context.ts";
import { authorizeSelectedVault } from "../auth/vault-access.ts";
import { publicOriginIn } from "../config.ts";
import { credentialNames } from "../credentials/credentials.queries.ts";
import { formatServiceHost } from "../lib/http/host-pattern.ts";
import { listVaultServices } from "../services/services.queries.ts";
import type { Discovery } from "./discover.contract.ts";

/** The vault a session carries, else the one `named` (the `X-Vault` header), held to the caller's cell. */
export async function discover(ctx: ActionContext, named: string | undefined): Promise<z.output<typeof Discovery>> {
  const { vault } = await authorizeSelectedVault(ctx, named);
  const [services, keys] = await Promise.all([listVaultServices(ctx.db, vault.companyId, vault.id), credentialNames(ctx.db, vault)]);
  return {
    vault: vault.name,
    proxy_url: `${publicOriginIn(ctx.config)}/proxy`,
    // Disabled services are listed as such: seed 000 tells agents not to propose them again.
    services: services.map((s) => ({
      host: formatServiceHost(s.host),
      description: s.description ?? s.name,
      enabled: s.enabled,
      // The seeds' fields stay as they were; rules only where a service has them. Placeholders and key names, never values.
      ...(s.substitutions.length ? { substitutions: s.substitutions.map(({ placeholder, key, in: surfaces }) => ({ placeholder, key, in: surfaces })) } : {}),
      ...(s.methods ? { methods: s.methods } : {}),
    })),
    available_credentials: keys,
  };
}
