/**
 * A vault's webhooks for proposal events, for the API and the console alike: the URL's checks
 * (webhook-url.ts), the per-vault cap (counted inside the write), a fresh signing secret (returned
 * once, stored sealed) and each change committed with its audit entry.
 */
import type { z } from "zod";
import type { ActionContext } from "../action-context.ts";
import { authorizeVault } from "../auth/vault-access.ts";
import { isGuardFailure } from "../db/audit.ts";
import { badRequest, notFound } from "../lib/app-error.ts";
import { associatedData, sealText } from "../lib/crypto/crypto-envelope.ts";
import { iso } from "../lib/openapi.ts";
import { base64url, newId, randomBytes } from "../lib/crypto/tokens.ts";
import type { ProposalEvent } from "../proposals/proposals.contract.ts";
import { checkWebhookUrl } from "./webhook-url.ts";
import { type CreatedWebhook, type CreateWebhookBody, MAX_WEBHOOKS_PER_VAULT, type Webhook } from "./webhooks.contract.ts";
import { createWebhookChange, deleteWebhookChange, listVaultWebhooks, webhookExists } from "./webhooks.queries.ts";

export type WebhookInput = z.output<typeof CreateWebhookBody>;

/** A new webhook with its signing secret: the only time the secret leaves the edge. */
export async function addWebhook(ctx: ActionContext, vaultName: string, input: WebhookInput): Promise<z.output<typeof CreatedWebhook>> {
  const { vault } = await authorizeVault(ctx, vaultName);
  const companyId = vault.companyId;
  const url = checkWebhookUrl(input.url, ctx.config.allowPrivateUpstreams);
  const id = newId("whk");
  const secret = `whsec_${base64url(randomBytes(32))}`;
  const sealedSecret = await sealText(await ctx.edge.dataKey(companyId), secret, associatedData.webhookSecret(companyId, id));
  const createdAt = ctx.edge.now();
  const events = [...new Set(input.events)];
  const webhook = { id, companyId, vaultId: vault.id, url, events, sealedSecret, createdAt };
  // The cap is checked by the write itself (the audit row's guard), so parallel additions cannot overshoot it.
  await ctx.commit(createWebhookChange(ctx.db, ctx.principal, webhook)).catch((error: unknown) => {
    throw isGuardFailure(error) ? badRequest("too_many_webhooks", `At most ${MAX_WEBHOOKS_PER_VAULT} webhooks per vault`) : error;
  });
  return { id, url, events, created_at: iso(createdAt) ?? "", secret };
}

export async function listWebhooks(ctx: ActionContext, vaultName: string): Promise<{ webhooks: z.output<typeof Webhook>[] }> {
  const { vault } = await authorizeVault(ctx, vaultName);
  const rows = await listVaultWebhooks(ctx.db, vault.companyId, vault.id);
  return { webhooks: rows.map((w) => ({ id: w.id, url: w.url, events: w.events as ProposalEvent[], created_at: iso(w.createdAt) ?? "" })) };
}

/** Webhook `id` of the vault exists (in the caller's company): else 404. The console asks before it confirms a removal. */
export async function requireWebhook(ctx: ActionContext, vaultName: string, id: string): Promise<void> {
  const { vault } = await authorizeVault(ctx, vaultName);
  if (!(await webhookExists(ctx.db, vault.companyId, vault.id, id))) throw notFound("Webhook");
}

/** Removes webhook `id` of the vault; 404 when there is none. */
export async function removeWebhook(ctx: ActionContext, vaultName: string, id: string): Promise<{ deleted: string }> {
  const { vault } = await authorizeVault(ctx, vaultName);
  if (!(await webhookExists(ctx.db, vault.companyId, vault.id, id))) throw notFound("Webhook");
  await ctx.commit(deleteWebhookChange(ctx.db, ctx.principal, vault.id, id));
  return { deleted: id };
}
