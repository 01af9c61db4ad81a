/** Reads the caller's credential from `Authorization: Bearer` or the web session cookie. */
import { getCookie } from "hono/cookie";
import type { Context } from "hono";

export const SESSION_COOKIE = "edgevault_session";

export type PresentedToken = { token: string; viaCookie: boolean };

export function presentedToken(c: Context): PresentedToken | undefined {
  const header = c.req.header("Authorization");
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1] ? { token: match[1], viaCookie: false } : undefined;
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  return cookie ? { token: cookie, viaCookie: true } : undefined;
}
