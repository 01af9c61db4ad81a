/**
 * Webhook signatures: `X-Edgevault-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
 * `<t>.<raw body>`, with the webhook's own secret (shown once when the webhook is created).
 * Receivers recompute it and reject stale timestamps to stop replays.
 */
export async function signWebhook(secret: string, body: string, timestamp: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${timestamp}.${body}`));
  const hex = [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `t=${timestamp},v1=${hex}`;
}

/** Delivery attempts after the first, in seconds: about 2.5 hours of retries in all. */
export const WEBHOOK_RETRY_DELAYS_S = [10, 60, 300, 1800, 7200];
export const WEBHOOK_TIMEOUT_MS = 10_000;
