/** Per-vault webhooks for proposal events (Agent Vault issue #328): routes, from the contract. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { CreatedWebhook, CreateWebhookBody, OneWebhookParams, WebhookDeleted, WebhookList, WebhookParams } from "./webhooks.contract.ts";

export const createWebhook = createRoute({
  method: "post",
  path: "/v1/vaults/{vault}/webhooks",
  tags: ["proposals"],
  summary: "Add a webhook for proposal events (admin); its signing secret is shown once",
  description:
    "Deliveries are POSTed as JSON with X-Edgevault-Event, X-Edgevault-Delivery and X-Edgevault-Signature: t=<unix>,v1=<hex HMAC-SHA256 of `<t>.<body>`>; retried with backoff for about 2.5 hours. Payloads never carry credential values.",
  request: { params: WebhookParams, ...jsonBody(CreateWebhookBody) },
  responses: { 201: jsonResponse(CreatedWebhook, "Created"), ...errors(400, 401, 403, 404, 409) },
});

export const listWebhooks = createRoute({
  method: "get",
  path: "/v1/vaults/{vault}/webhooks",
  tags: ["proposals"],
  summary: "The vault's webhooks (admin); secrets are never shown again",
  request: { params: WebhookParams },
  responses: { 200: jsonResponse(WebhookList, "Webhooks"), ...errors(401, 403, 404) },
});

export const deleteWebhook = createRoute({
  method: "delete",
  path: "/v1/vaults/{vault}/webhooks/{id}",
  tags: ["proposals"],
  summary: "Remove a webhook (admin)",
  request: { params: OneWebhookParams },
  responses: { 200: jsonResponse(WebhookDeleted, "Deleted"), ...errors(401, 403, 404) },
});
