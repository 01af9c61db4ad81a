/**
 * Webhooks' contract: per-vault webhooks for proposal events (Agent Vault issue #328) and for calls
 * waiting for a person (`request.pending`), signed with their own secret, shown once. Zod schemas
 * and constants only, imported by the CLI.
 */
import { z } from "@hono/zod-openapi";
import { ResourceName, Timestamp } from "../lib/openapi.ts";
import { PROPOSAL_EVENTS } from "../proposals/proposals.contract.ts";
import { REQUEST_EVENTS } from "../requests/requests.contract.ts";

/** Every event a webhook may subscribe to: a proposal's, and a held request's. */
export const WEBHOOK_EVENTS = [...PROPOSAL_EVENTS, ...REQUEST_EVENTS] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const MAX_WEBHOOKS_PER_VAULT = 10;
export const MAX_WEBHOOK_URL_LENGTH = 2000;
export const MAX_WEBHOOK_ID_LENGTH = 64;

export const Webhook = z.object({ id: z.string(), url: z.string(), events: z.array(z.enum(WEBHOOK_EVENTS)), created_at: Timestamp }).openapi("Webhook");
export const WebhookParams = z.object({ vault: ResourceName });
export const OneWebhookParams = z.object({ vault: ResourceName, id: z.string().max(MAX_WEBHOOK_ID_LENGTH) });

export const CreateWebhookBody = z
  .object({
    url: z.string().min(1).max(MAX_WEBHOOK_URL_LENGTH),
    events: z
      .array(z.enum(WEBHOOK_EVENTS))
      .min(1)
      .default([...WEBHOOK_EVENTS]),
  })
  .strict();
/** The secret is in this answer only. */
export const CreatedWebhook = Webhook.extend({ secret: z.string() });
export const WebhookList = z.object({ webhooks: z.array(Webhook) });
export const WebhookDeleted = z.object({ deleted: z.string() });
