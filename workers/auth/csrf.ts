/**
 * CSRF tokens for cookie sessions, derived from the session token itself:
 * base64url(SHA-256("edgevault:csrf:" + session token)). Only someone holding the HttpOnly
 * cookie can compute it, it needs no storage, and the web pages can render it into forms.
 * Checked in constant time; SameSite=Strict on the cookie is the first line of defence.
 */
import { base64url, digestsEqual } from "../lib/crypto/tokens.ts";

export async function csrfTokenFor(sessionToken: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`edgevault:csrf:${sessionToken}`));
  return base64url(new Uint8Array(digest));
}

export async function verifyCsrf(sessionToken: string, presented: string | undefined): Promise<boolean> {
  if (!presented) return false;
  return digestsEqual(await csrfTokenFor(sessionToken), presented);
}
