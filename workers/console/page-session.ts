/**
 * Who is looking at a page: a person signed in with the web cookie, or nobody. Pages take no
 * other credential: a bearer token, an API key or an agent token never opens one, so the pages
 * hold only the people's columns of the permission table.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { presentedToken } from "../auth/bearer.ts";
import { csrfTokenFor } from "../auth/csrf.ts";
import { columnOf, tableOf } from "../auth/gate.ts";
import type { PermissionTable } from "../auth/hold-to-row.ts";
import { resolvePrincipal } from "../auth/resolve-principal.ts";
import type { Column } from "../auth/permission-table.ts";
import type { Principal } from "../lib/principal.ts";

export type UserPrincipal = Extract<Principal, { kind: "user" }>;
/**
 * A signed-in person, the CSRF token their forms carry, their column of the permission table, and
 * the table this request is held to (what the page offers is read from the same rows that refuse).
 */
export type PageSession = { principal: UserPrincipal; csrf: string; column: Column; table: PermissionTable };

export async function pageSession(c: Context<AppEnv>): Promise<PageSession | undefined> {
  const presented = presentedToken(c);
  if (!presented?.viaCookie) return undefined;
  const principal = await resolvePrincipal(c.get("db"), c.env, presented.token, true);
  if (principal?.kind !== "user") return undefined;
  return { principal, csrf: await csrfTokenFor(presented.token), column: columnOf(principal), table: tableOf(c) };
}

/**
 * Sends a signed-out visitor to sign in, and back here afterwards. A form post cannot be replayed
 * after sign-in: its page names where to come back to (`back`), else the inbox.
 */
export function signInRedirect(c: Context<AppEnv>, back?: string): Response {
  const here = new URL(c.req.url);
  const next = c.req.method === "GET" || c.req.method === "HEAD" ? here.pathname + here.search : (back ?? "/inbox");
  return c.redirect(`/sign-in?next=${encodeURIComponent(next)}`, 303);
}
