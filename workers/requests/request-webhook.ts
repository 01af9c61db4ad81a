/**
 * The `request.pending` event a vault's webhooks hear when a call waits for a person: what is
 * asked (method, host and path, never the query, headers or body), who asks (named by the edge),
 * until when, and the page where a vault admin decides. Never a credential or the webhook secret.
 */
import type { HeldRequestView, RequestEvent } from "./requests.contract.ts";

export function requestWebhookPayload(event: RequestEvent, view: HeldRequestView, deliveryId: string) {
  return { id: deliveryId, event, sent_at: new Date().toISOString(), request: view };
}
