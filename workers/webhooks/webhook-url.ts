/** The one check of a webhook's URL, for the API and the console alike. */
import { badRequest } from "../lib/app-error.ts";
import { parseUpstreamOrigin } from "../lib/http/host-pattern.ts";

/** A webhook URL: an https origin that passes the same rules as service upstreams, plus a path. */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): string {
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
