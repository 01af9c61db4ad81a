/**
 * What a committed change does beyond D1 (workers/db/change.ts `commit`): the root principals it
 * touches re-read their state in their ActorGate (every isolate, next request), this isolate
 * forgets the vaults whose config it caches for the proxy, an agent waiting on a registration
 * channel hears its registration's decision, and the attestation chains it added to are sealed. An action's context commits with these
 * (request-context.ts), so no write can leave them out.
 */
import { announceDecisions } from "./agent-channel/registration-channel-client.ts";
import { invalidateRoots } from "./auth/revocation.ts";
import { sealChains } from "./chain/chain-sealer-client.ts";
import type { Effects } from "./db/change.ts";
import type { Env } from "./env.ts";
import { forgetVaultConfig } from "./proxy/vault-config.ts";

export function effectsOf(env: Env): Effects {
  return {
    invalidateRoots: (roots) => invalidateRoots(env, roots),
    forgetVaults: (vaults) => {
      for (const vault of vaults) forgetVaultConfig(vault.companyId, vault.vaultId);
    },
    announceDecisions: (registrationIds) => announceDecisions(env, registrationIds),
    sealChains: (companyIds) => sealChains(env, companyIds),
  };
}
