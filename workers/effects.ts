/**
 * What a committed change does beyond D1 (workers/db/change.ts `commit`): the root principals it
 * touches re-read their state in their ActorGate (every isolate, next request), and this isolate
 * forgets the vaults whose config it caches for the proxy.
 */
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";
import { invalidateRoots } from "./auth/revocation.ts";
import { commit, type Change, type Effects } from "./db/change.ts";
import type { Env } from "./env.ts";
import { forgetVaultConfig } from "./proxy/vault-config.ts";

export function effectsOf(env: Env): Effects {
  return {
    invalidateRoots: (roots) => invalidateRoots(env, roots),
    forgetVaults: (vaults) => {
      for (const vault of vaults) forgetVaultConfig(vault.companyId, vault.vaultId);
    },
  };
}

/** Commits a change for a request: its statements in one batch, then what it invalidates. */
export function commitChange<T extends Change["statements"]>(c: Context<AppEnv>, done: Change<T>) {
  return commit(c.var.db, effectsOf(c.env), done);
}
