/**
 * Revoking an API key, for `DELETE /v1/api-keys/{id}` and the console's `POST /api-keys/{id}/revoke`
 * alike. The company's last owner credential stays: the rule is the revocation's own SQL guard
 * (companies.queries.ts `revokeApiKeyChange`), as it is for removing or demoting the last owner.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { isGuardFailure } from "../db/audit.ts";
import { commitChange } from "../effects.ts";
import { conflict, notFound } from "../lib/app-error.ts";
import type { Principal } from "../lib/principal.ts";
import { activeApiKeyExists, revokeApiKeyChange } from "./companies.queries.ts";

/** Revokes key `id` of the caller's company: 404 when it is not an unrevoked key, 409 when it is the last owner credential. */
export async function revokeApiKey(c: Context<AppEnv>, principal: Principal, id: string): Promise<void> {
  const db = c.var.db;
  if (!(await activeApiKeyExists(db, principal.companyId, id))) throw notFound("API key");
  // Vault sessions minted with this key end with it: the change invalidates the key's gate.
  await commitChange(c, revokeApiKeyChange(db, principal, id, Date.now())).catch(async (error: unknown) => {
    if (!isGuardFailure(error)) throw error;
    // Revoked meanwhile by another request: it is gone either way.
    if (!(await activeApiKeyExists(db, principal.companyId, id))) throw notFound("API key");
    throw conflict("last_owner_credential", "This is the company's last owner credential; create an owner user or another key first");
  });
}
