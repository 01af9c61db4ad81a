/**
 * Per-vault webhooks for proposal events (Agent Vault users asked for these, issue #328).
 * Deliveries are signed with the webhook's own secret, shown once at creation and stored sealed.
 */
import { configOf } from "../config.ts";
import { authorizeVault } from "../auth/gate.ts";
import { companyDataKey } from "../db/data-keys.ts";
import { commitChange } from "../effects.ts";
import { badRequest, notFound } from "../lib/app-error.ts";
import { associatedData, sealText } from "../lib/crypto-envelope.ts";
import { iso } from "../lib/openapi.ts";
import type { ProposalEvent } from "../proposals/proposals.contract.ts";
import { createRouter } from "../lib/router.ts";
import { base64url, newId, randomBytes } from "../lib/tokens.ts";
import { MAX_WEBHOOKS_PER_VAULT } from "./webhooks.contract.ts";
import * as routes from "./webhooks.routes.ts";
import { checkWebhookUrl } from "./webhook-url.ts";
import { countVaultWebhooks, createWebhookChange, deleteWebhookChange, listVaultWebhooks, webhookExists } from "./webhooks.queries.ts";

export const webhooksRouter = createRouter()
  .openapi(routes.createWebhook, async (c) => {
    const principal = c.var.principal;
    const db = c.var.db;
    const { vault } = await authorizeVault(c, c.req.valid("param").vault);
    const body = c.req.valid("json");
    const url = checkWebhookUrl(body.url, configOf(c.env).allowPrivateUpstreams);
    if ((await countVaultWebhooks(db, vault.id)) >= MAX_WEBHOOKS_PER_VAULT)
      throw badRequest("too_many_webhooks", `At most ${MAX_WEBHOOKS_PER_VAULT} webhooks per vault`);
    const id = newId("whk");
    const secret = `whsec_${base64url(randomBytes(32))}`;
    const sealedSecret = await sealText(await companyDataKey(db, c.env, principal.companyId), secret, associatedData.webhookSecret(principal.companyId, id));
    const now = Date.now();
    const events = [...new Set(body.events)];
    await commitChange(
      c,
      createWebhookChange(db, principal, { id, companyId: principal.companyId, vaultId: vault.id, url, events, sealedSecret, createdAt: now }),
    );
    return c.json({ id, url, events, created_at: iso(now) ?? "", secret }, 201);
  })
  .openapi(routes.listWebhooks, async (c) => {
    const db = c.var.db;
    const { vault } = await authorizeVault(c, c.req.valid("param").vault);
    const rows = await listVaultWebhooks(db, vault.companyId, vault.id);
    return c.json({ webhooks: rows.map((w) => ({ id: w.id, url: w.url, events: w.events as ProposalEvent[], created_at: iso(w.createdAt) ?? "" })) }, 200);
  })
  .openapi(routes.deleteWebhook, async (c) => {
    const principal = c.var.principal;
    const db = c.var.db;
    const params = c.req.valid("param");
    const { vault } = await authorizeVault(c, params.vault);
    if (!(await webhookExists(db, principal.companyId, vault.id, params.id))) throw notFound("Webhook");
    await commitChange(c, deleteWebhookChange(db, principal, vault.id, params.id));
    return c.json({ deleted: params.id }, 200);
  });
