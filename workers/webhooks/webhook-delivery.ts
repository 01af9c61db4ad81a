/**
 * Delivers one proposal event to one webhook. Called from the proposal's Durable Object, which
 * keeps the retry schedule. The payload names the proposal, who really raised it (a session's
 * minter, its label only in `via`), what it asks for and where each value would go as raised; it
 * never carries a credential value or the webhook secret.
 */
import { createDatabase } from "../db/client.ts";
import { companyDataKey } from "../db/data-keys.ts";
import type { Env } from "../env.ts";
import { associatedData, openText } from "../lib/crypto/crypto-envelope.ts";
import type { ProposalEvent, ProposalView } from "../proposals/proposal-view.ts";
import { destinationText } from "../proposals/proposals.contract.ts";
import { signWebhook, WEBHOOK_TIMEOUT_MS } from "../lib/crypto/webhook-signature.ts";
import { webhookToDeliver } from "./webhook-delivery.queries.ts";

export type WebhookDelivery = {
  id: string;
  webhookId: string;
  event: ProposalEvent;
  /** Attempts made so far. */
  attempts: number;
  nextAt: number;
  /** Only on `proposal.created`: where a human approves. */
  approvalUrl?: string;
};

export function webhookPayload(event: ProposalEvent, view: ProposalView, deliveryId: string, approvalUrl?: string) {
  return {
    id: deliveryId,
    event,
    sent_at: new Date().toISOString(),
    proposal: {
      id: view.id,
      vault: view.vault,
      status: view.status,
      message: view.message,
      user_message: view.user_message,
      review_note: view.review_note,
      raised_by: view.raised_by,
      services: view.services.map((s) => ({ action: s.action, name: s.name, host: s.host ?? null, auth_type: s.auth?.type ?? null })),
      credentials: view.credentials.map((c) => ({
        action: c.action,
        key: c.key,
        description: c.description ?? null,
        ...(c.sent_to
          ? {
              sent_to: c.sent_to.map((d) => ({
                service: d.service,
                destination: destinationText(d),
                chosen_by_agent: d.chosen_by_agent,
                chosen_by_admin: d.chosen_by_admin ?? false,
              })),
            }
          : {}),
      })),
      created_at: view.created_at,
      reviewed_at: view.reviewed_at,
      ...(approvalUrl ? { approval_url: approvalUrl } : {}),
    },
  };
}

/** True when delivered (2xx) or the webhook no longer exists; false to retry later. */
export async function deliver(env: Env, companyId: string, delivery: WebhookDelivery, view: ProposalView): Promise<boolean> {
  return sendWebhook(env, companyId, delivery.webhookId, delivery.event, delivery.id, webhookPayload(delivery.event, view, delivery.id, delivery.approvalUrl));
}

/**
 * Posts one event's payload to one webhook, signed with its secret: true when delivered (2xx) or
 * the webhook no longer exists, false to retry later. Proposals' and held requests' events alike.
 */
export async function sendWebhook(env: Env, companyId: string, webhookId: string, event: string, deliveryId: string, payload: unknown): Promise<boolean> {
  const db = createDatabase(env.DB);
  const hook = await webhookToDeliver(db, companyId, webhookId);
  if (!hook) return true;
  const secret = await openText(await companyDataKey(db, env, companyId), hook.sealedSecret, associatedData.webhookSecret(companyId, hook.id));
  const body = JSON.stringify(payload);
  const signature = await signWebhook(secret, body, Math.floor(Date.now() / 1000));
  try {
    const response = await fetch(hook.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "User-Agent": "Edgevault-Webhooks/1",
        "X-Edgevault-Event": event,
        "X-Edgevault-Delivery": deliveryId,
        "X-Edgevault-Signature": signature,
      },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return response.status >= 200 && response.status < 300;
  } catch {
    return false;
  }
}
