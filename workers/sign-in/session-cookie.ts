/**
 * The web pages' session cookie: HttpOnly, Secure, SameSite=Strict, for the whole site, as long as
 * a cookie sign-in lasts. Set by the API's cookie-mode sign-in and the sign-in page alike, cleared
 * by signing out.
 */
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { SESSION_COOKIE } from "../auth/bearer.ts";
import { COOKIE_SESSION_TTL_MS } from "./sign-in.contract.ts";

export function setSessionCookie(c: Context, token: string): void {
  setCookie(c, SESSION_COOKIE, token, { httpOnly: true, secure: true, sameSite: "Strict", path: "/", maxAge: COOKIE_SESSION_TTL_MS / 1000 });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
}
