/**
 * Per-vault webhooks for proposal events (Agent Vault users asked for these, issue #328).
 * Deliveries are signed with the webhook's own secret, shown once at creation and stored sealed.
 */
import { configOf } from "../config.ts";
import { authorizeVault } from "../auth/gate.ts";
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { companyDataKey } from "../db/data-keys.ts";
import { commitChange } from "../effects.ts";
import { badRequest, notFound } from "../lib/app-error.ts";
import { associatedData, sealText } from "../lib/crypto-envelope.ts";
import { parseUpstreamOrigin } from "../lib/host-pattern.ts";
import { errors, iso, jsonBody, jsonResponse, ResourceName, Timestamp } from "../lib/openapi.ts";
import { PROPOSAL_EVENTS } from "../proposals/proposal-view.ts";
import { createRouter } from "../lib/router.ts";
import { base64url, newId, randomBytes } from "../lib/tokens.ts";
import { countVaultWebhooks, createWebhookChange, deleteWebhookChange, listVaultWebhooks, webhookExists } from "./webhooks.queries.ts";

const MAX_WEBHOOKS_PER_VAULT = 10;
const Webhook = z.object({ id: z.string(), url: z.string(), events: z.array(z.enum(PROPOSAL_EVENTS)), created_at: Timestamp }).openapi("Webhook");
const Params = z.object({ vault: ResourceName });

export const createWebhook = createRoute({
  method: "post",
  path: "/v1/vaults/{vault}/webhooks",
  tags: ["proposals"],
  summary: "Add a webhook for proposal events (admin); its signing secret is shown once",
  description: "Deliveries are POSTed as JSON with X-Edgevault-Event, X-Edgevault-Delivery and X-Edgevault-Signature: t=<unix>,v1=<hex HMAC-SHA256 of `<t>.<body>`>; retried with backoff for about 2.5 hours. Payloads never carry credential values.",
  request: {
    params: Params,
    ...jsonBody(z.object({ url: z.string().min(1).max(2000), events: z.array(z.enum(PROPOSAL_EVENTS)).min(1).default([...PROPOSAL_EVENTS]) }).strict()),
  },
  responses: { 201: jsonResponse(Webhook.extend({ secret: z.string() }), "Created"), ...errors(400, 401, 403, 404, 409) },
});

export const listWebhooks = createRoute({
  method: "get",
  path: "/v1/vaults/{vault}/webhooks",
  tags: ["proposals"],
  summary: "The vault's webhooks (admin); secrets are never shown again",
  request: { params: Params },
  responses: { 200: jsonResponse(z.object({ webhooks: z.array(Webhook) }), "Webhooks"), ...errors(401, 403, 404) },
});

export const deleteWebhook = createRoute({
  method: "delete",
  path: "/v1/vaults/{vault}/webhooks/{id}",
  tags: ["proposals"],
  summary: "Remove a webhook (admin)",
  request: { params: z.object({ vault: ResourceName, id: z.string().max(64) }) },
  responses: { 200: jsonResponse(z.object({ deleted: z.string() }), "Deleted"), ...errors(401, 403, 404) },
});

/** A webhook URL: an https origin that passes the same rules as service upstreams, plus a path. */
function checkWebhookUrl(raw: string, allowPrivate: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badRequest("invalid_webhook_url", "The webhook URL is not a URL");
  }
  if (url.username || url.password || url.hash) throw badRequest("invalid_webhook_url", "The webhook URL may not carry userinfo or a fragment");
  try {
    parseUpstreamOrigin(url.origin, { allowPrivate });
  } catch (error) {
    throw badRequest("invalid_webhook_url", error instanceof Error ? error.message.replace(/^Invalid upstream/, "Invalid webhook URL") : "Invalid webhook URL");
  }
  return url.toString();
}

export const webhooksRouter = createRouter()
  .openapi(createWebhook, async (c) => {
    const principal = c.var.principal;
    const db = c.var.db;
    const { vault } = await authorizeVault(c, c.req.valid("param").vault);
    const body = c.req.valid("json");
    const url = checkWebhookUrl(body.url, configOf(c.env).allowPrivateUpstreams);
    if ((await countVaultWebhooks(db, vault.id)) >= MAX_WEBHOOKS_PER_VAULT) throw badRequest("too_many_webhooks", `At most ${MAX_WEBHOOKS_PER_VAULT} webhooks per vault`);
    const id = newId("whk");
    const secret = `whsec_${base64url(randomBytes(32))}`;
    const sealedSecret = await sealText(await companyDataKey(db, c.env, principal.companyId), secret, associatedData.webhookSecret(principal.companyId, id));
    const now = Date.now();
    const events = [...new Set(body.events)];
    await commitChange(c, createWebhookChange(db, principal, { id, companyId: principal.companyId, vaultId: vault.id, url, events, sealedSecret, createdAt: now }));
    return c.json({ id, url, events, created_at: iso(now) ?? "", secret }, 201);
  })
  .openapi(listWebhooks, async (c) => {
    const db = c.var.db;
    const { vault } = await authorizeVault(c, c.req.valid("param").vault);
    const rows = await listVaultWebhooks(db, vault.companyId, vault.id);
    return c.json({ webhooks: rows.map((w) => ({ id: w.id, url: w.url, events: w.events as (typeof PROPOSAL_EVENTS)[number][], created_at: iso(w.createdAt) ?? "" })) }, 200);
  })
  .openapi(deleteWebhook, async (c) => {
    const principal = c.var.principal;
    const db = c.var.db;
    const params = c.req.valid("param");
    const { vault } = await authorizeVault(c, params.vault);
    if (!(await webhookExists(db, principal.companyId, vault.id, params.id))) throw notFound("Webhook");
    await commitChange(c, deleteWebhookChange(db, principal, vault.id, params.id));
    return c.json({ deleted: params.id }, 200);
  });
