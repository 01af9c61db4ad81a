/**
 * Adding and removing a vault's webhook, for the API and the console alike: the URL's checks, the
 * per-vault cap, a fresh signing secret (returned once, stored sealed) and the change committed
 * with its audit entry. The handlers and the pages call these, never a copy of a check.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { configOf } from "../config.ts";
import { companyDataKey } from "../db/data-keys.ts";
import { commitChange } from "../effects.ts";
import { isGuardFailure } from "../db/audit.ts";
import { badRequest, notFound } from "../lib/app-error.ts";
import { associatedData, sealText } from "../lib/crypto-envelope.ts";
import type { Principal } from "../lib/principal.ts";
import { base64url, newId, randomBytes } from "../lib/tokens.ts";
import type { ProposalEvent } from "../proposals/proposals.contract.ts";
import { checkWebhookUrl } from "./webhook-url.ts";
import { MAX_WEBHOOKS_PER_VAULT } from "./webhooks.contract.ts";
import { createWebhookChange, deleteWebhookChange, webhookExists } from "./webhooks.queries.ts";

type Vault = { id: string };

/** The new webhook, with its signing secret: the only time the secret leaves the edge. */
export async function addWebhook(c: Context<AppEnv>, principal: Principal, vault: Vault, input: { url: string; events: readonly ProposalEvent[] }) {
  const db = c.var.db;
  const url = checkWebhookUrl(input.url, configOf(c.env).allowPrivateUpstreams);
  const id = newId("whk");
  const secret = `whsec_${base64url(randomBytes(32))}`;
  const sealedSecret = await sealText(await companyDataKey(db, c.env, principal.companyId), secret, associatedData.webhookSecret(principal.companyId, id));
  const createdAt = Date.now();
  const events = [...new Set(input.events)];
  const webhook = { id, companyId: principal.companyId, vaultId: vault.id, url, events, sealedSecret, createdAt };
  // The cap is checked by the write itself (the audit row's guard), so parallel additions cannot overshoot it.
  await commitChange(c, createWebhookChange(db, principal, webhook)).catch((error: unknown) => {
    throw isGuardFailure(error) ? badRequest("too_many_webhooks", `At most ${MAX_WEBHOOKS_PER_VAULT} webhooks per vault`) : error;
  });
  return { id, url, events, createdAt, secret };
}

/** Removes webhook `id` of `vault` (in the caller's company); 404 when there is none. */
export async function removeWebhook(c: Context<AppEnv>, principal: Principal, vault: Vault, id: string): Promise<void> {
  const db = c.var.db;
  if (!(await webhookExists(db, principal.companyId, vault.id, id))) throw notFound("Webhook");
  await commitChange(c, deleteWebhookChange(db, principal, vault.id, id));
}
