/**
 * Per-vault webhooks for proposal events (Agent Vault users asked for these, issue #328).
 * Deliveries are signed with the webhook's own secret, shown once at creation and stored sealed.
 */
import { authorizeVault } from "../auth/gate.ts";
import { iso } from "../lib/openapi.ts";
import type { ProposalEvent } from "../proposals/proposals.contract.ts";
import { createRouter } from "../router.ts";
import * as routes from "./webhooks.routes.ts";
import { addWebhook, removeWebhook } from "./webhook-writes.ts";
import { listVaultWebhooks } from "./webhooks.queries.ts";

export const webhooksRouter = createRouter()
  .openapi(routes.createWebhook, async (c) => {
    const { vault } = await authorizeVault(c, c.req.valid("param").vault);
    const added = await addWebhook(c, c.var.principal, vault, c.req.valid("json"));
    return c.json({ id: added.id, url: added.url, events: added.events, created_at: iso(added.createdAt) ?? "", secret: added.secret }, 201);
  })
  .openapi(routes.listWebhooks, async (c) => {
    const db = c.var.db;
    const { vault } = await authorizeVault(c, c.req.valid("param").vault);
    const rows = await listVaultWebhooks(db, vault.companyId, vault.id);
    return c.json({ webhooks: rows.map((w) => ({ id: w.id, url: w.url, events: w.events as ProposalEvent[], created_at: iso(w.createdAt) ?? "" })) }, 200);
  })
  .openapi(routes.deleteWebhook, async (c) => {
    const params = c.req.valid("param");
    const { vault } = await authorizeVault(c, params.vault);
    await removeWebhook(c, c.var.principal, vault, params.id);
    return c.json({ deleted: params.id }, 200);
  });
