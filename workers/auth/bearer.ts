/**
 * Reads the caller's credential from `Authorization: Bearer`, the web session cookie, or (WebSocket
 * upgrades only, for clients that cannot set headers) a `Sec-WebSocket-Protocol` entry
 * `edgevault.bearer.<token>`. Never from the URL: query strings end up in logs.
 */
import { getCookie } from "hono/cookie";
import type { Context } from "hono";
import { BEARER_SUBPROTOCOL_PREFIX } from "../agent-channel/agent-channel.contract.ts";

export const SESSION_COOKIE = "edgevault_session";

export type PresentedToken = { token: string; viaCookie: boolean };

export function presentedToken(c: Context): PresentedToken | undefined {
  const header = c.req.header("Authorization");
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1] ? { token: match[1], viaCookie: false } : undefined;
  }
  if (c.req.header("Upgrade")?.toLowerCase() === "websocket") {
    const offered = (c.req.header("Sec-WebSocket-Protocol") ?? "").split(",").map((p) => p.trim());
    const bearer = offered.find((p) => p.startsWith(BEARER_SUBPROTOCOL_PREFIX))?.slice(BEARER_SUBPROTOCOL_PREFIX.length);
    // A cookie is never read for an upgrade: a page of another site can open a WebSocket with our cookie attached.
    return bearer ? { token: bearer, viaCookie: false } : undefined;
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  return cookie ? { token: cookie, viaCookie: true } : undefined;
}
