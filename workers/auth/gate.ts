/**
 * The authorization gate: the one place a request's caller is authenticated and held to its row
 * of the permission table (auth/permission-table.ts). It runs before the route reads any input,
 * so a refused caller learns nothing from validation errors; the actions then hold the caller to
 * the vault they address or the subject they touch (auth/vault-access.ts, with the row's cell in
 * their context), and the minimum they are held to is the table's, never a literal of their own.
 *
 * Every entry comes through here: API routes (`gate`, attached by secured-route.ts), console pages
 * (`holdPageTo`), and the proxy (proxy/admission.ts, which holds the token to the row before its
 * ActorGate round trip). Each reads its row at run time from the request's table (`tableOf`: the
 * app's, which a test build may replace) and applies it with `holdToRow` (hold-to-row.ts).
 */
import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";
import { AppError, unauthorized, wrongTokenType } from "../lib/app-error.ts";
import { notAnEdgeToken } from "../lib/crypto/passport.ts";
import type { Principal } from "../lib/principal.ts";
import { presentedToken } from "./bearer.ts";
import { verifyCsrf } from "./csrf.ts";
import { type Cell, PERMISSIONS, ruleFor, type Rule } from "./permission-table.ts";
import { columnOf, holdToRow, type PermissionTable, rowOf } from "./hold-to-row.ts";
import { requirePlatformOperator } from "./platform.ts";
import { resolvePrincipal } from "./resolve-principal.ts";

export { columnOf } from "./hold-to-row.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The rule of an operation (`"POST /v1/vaults"`) in the real table; declaring an unclassified route fails at start. */
export function ruleOf(operation: string): Rule {
  const rule = ruleFor(operation);
  if (!rule) throw new Error(`${operation} is not classified in the permission table (workers/auth/permission-table.ts)`);
  return rule;
}

/** The table this request is held to: the one `buildApp` was given (the real one unless a test build says otherwise). */
export function tableOf(c: Context<AppEnv>): PermissionTable {
  return c.get("permissions") ?? PERMISSIONS;
}

/** `operation`'s row in this request's table, read now; a row the table lacks refuses everyone. */
export function ruleAt(c: Context<AppEnv>, operation: string): Rule {
  return rowOf(tableOf(c), operation);
}

/** Route middleware holding every request of `operation` to its row of the table. */
export function gate(operation: string): MiddlewareHandler<AppEnv> {
  ruleOf(operation); // an unclassified route fails when the app is built; its row is read per request below
  return createMiddleware<AppEnv>(async (c, next) => {
    const rule = ruleAt(c, operation);
    if (rule.access === "public") {
      // A token is optional here; one that is presented anyway must be good, and is held to its cell.
      if (rule.withToken && presentsCredentials(c)) admitTo(c, operation, await authenticateRequest(c));
      return next();
    }
    if (rule.access === "platform") {
      await requirePlatformOperator(c);
      return next();
    }
    admitTo(c, operation, await authenticateRequest(c));
    await next();
  });
}

/**
 * The one door for a resolved caller: holds `principal` to `operation`'s row of this request's
 * table (`holdToRow`; 403 with the row's refusal), and leaves the principal and its cell on the
 * context for the handler's vault and subject checks. `gate()` and the console pages call it.
 */
export function admitTo(c: Context<AppEnv>, operation: string, principal: Principal): Cell {
  const held = holdToRow(ruleAt(c, operation), principal);
  const cell = held[columnOf(principal)] ?? "deny";
  c.set("principal", principal);
  c.set("cell", cell);
  return cell;
}

/**
 * Whether the caller presented credentials at all: a token the gate can read, or an
 * `Authorization` header of another scheme, which must fail rather than pass as anonymous.
 */
export function presentsCredentials(c: Context<AppEnv>): boolean {
  return presentedToken(c) !== undefined || c.req.header("Authorization") !== undefined;
}

/** The web pages' counterpart of `gate` (they sign in with a cookie and answer in HTML): the page's row, through the same door. */
export function holdPageTo(c: Context<AppEnv>, operation: string, principal: Principal): void {
  admitTo(c, operation, principal);
}

/** Reads and checks the caller's token; cookie sessions that change state must carry the CSRF token. */
export async function authenticateRequest(c: Context<AppEnv>): Promise<Principal> {
  const presented = presentedToken(c);
  if (!presented) throw unauthorized();
  // A passport or an SVID is nobody's edge token: say so before any lookup.
  const foreign = notAnEdgeToken(presented.token);
  if (foreign) throw wrongTokenType(foreign);
  const principal = await resolvePrincipal(c.get("db"), c.env, presented.token, presented.viaCookie);
  if (!principal) throw unauthorized("Invalid, expired or revoked token");
  if (principal.kind === "user" && principal.viaCookie && !SAFE_METHODS.has(c.req.method)) {
    if (!(await verifyCsrf(presented.token, c.req.header("X-CSRF-Token")))) {
      throw new AppError(403, "csrf_failed", "Missing or invalid CSRF token");
    }
  }
  return principal;
}
