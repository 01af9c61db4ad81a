/**
 * The authorization gate: the one place a request's caller is authenticated and held to its row
 * of the permission table (auth/permission-table.ts). It runs before the route reads any input,
 * so a refused caller learns nothing from validation errors; handlers then ask it for the vault
 * they address (`authorizeVault`) or the subject they touch (`authorizeSubject`), and the minimum
 * they are held to is the table's, never a literal of their own.
 */
import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";
import { AppError, forbidden, unauthorized } from "../lib/app-error.ts";
import type { Principal } from "../lib/principal.ts";
import { presentedToken } from "./bearer.ts";
import { verifyCsrf } from "./csrf.ts";
import { type Cells, type Column, type Refusal, ruleFor, type Rule } from "./permission-table.ts";
import type { VaultAccess } from "./permissions.ts";
import { requirePlatformOperator } from "./platform.ts";
import { resolvePrincipal } from "./resolve-principal.ts";
import * as vaultAccess from "./vault-access.ts";
import type { VaultCaller } from "./vault-access.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The table column a principal is held to. */
export function columnOf(principal: Principal): Column {
  switch (principal.kind) {
    case "company_key":
      return "company_key";
    case "user":
      return principal.companyRole === "owner" ? "owner" : "member";
    case "agent":
      return principal.companyRole === "owner" ? "owner_agent" : "agent";
    case "vault_session":
      return "session";
  }
}

/** The rule of an operation (`"POST /v1/vaults"`); declaring an unclassified route fails at start. */
export function ruleOf(operation: string): Rule {
  const rule = ruleFor(operation);
  if (!rule) throw new Error(`${operation} is not classified in the permission table (workers/auth/permission-table.ts)`);
  return rule;
}

/** Route middleware holding every request of `operation` to its row of the table. */
export function gate(operation: string): MiddlewareHandler<AppEnv> {
  const rule = ruleOf(operation);
  return createMiddleware<AppEnv>(async (c, next) => {
    if (rule.access === "public") {
      // A token is optional here; one that is presented anyway must be good, and is held to its cell.
      if (rule.withToken && presentsCredentials(c)) await holdToCells(c, rule.withToken.cells, rule.withToken.refusal);
      return next();
    }
    if (rule.access === "platform") {
      await requirePlatformOperator(c);
      return next();
    }
    await holdToCells(c, rule.cells, rule.refusal);
    await next();
  });
}

/** Authenticates the caller and holds it to its column of `cells`, leaving principal and cell on the context. */
async function holdToCells(c: Context<AppEnv>, cells: Cells, refusal: Refusal | undefined): Promise<void> {
  const principal = await authenticateRequest(c);
  const cell = cells[columnOf(principal)];
  if (cell === "deny") throw forbidden(refusal?.message ?? `${describe(principal)} cannot do this`, refusal?.code ?? "forbidden");
  c.set("principal", principal);
  c.set("cell", cell);
}

/**
 * Whether the caller presented credentials at all: a token the gate can read, or an
 * `Authorization` header of another scheme, which must fail rather than pass as anonymous.
 */
export function presentsCredentials(c: Context<AppEnv>): boolean {
  return presentedToken(c) !== undefined || c.req.header("Authorization") !== undefined;
}

/** The web pages' counterpart of `gate` (they sign in with a cookie and answer in HTML): the page's row. */
export function holdPageTo(c: Context<AppEnv>, operation: string, principal: Principal): void {
  const rule = ruleOf(operation);
  if (rule.access !== "principal") return;
  const cell = rule.cells[columnOf(principal)];
  if (cell === "deny") throw forbidden(`${describe(principal)} cannot do this`);
  c.set("principal", principal);
  c.set("cell", cell);
}

/** Reads and checks the caller's token; cookie sessions that change state must carry the CSRF token. */
export async function authenticateRequest(c: Context<AppEnv>): Promise<Principal> {
  const presented = presentedToken(c);
  if (!presented) throw unauthorized();
  const principal = await resolvePrincipal(c.var.db, c.env, presented.token, presented.viaCookie);
  if (!principal) throw unauthorized("Invalid, expired or revoked token");
  if (principal.kind === "user" && principal.viaCookie && !SAFE_METHODS.has(c.req.method)) {
    if (!(await verifyCsrf(presented.token, c.req.header("X-CSRF-Token")))) {
      throw new AppError(403, "csrf_failed", "Missing or invalid CSRF token");
    }
  }
  return principal;
}

/** How a refusal names the caller, by its column of the table. */
const CALLER: Record<Column, string> = {
  company_key: "An API key",
  owner: "An owner",
  member: "A member",
  owner_agent: "An owner agent",
  agent: "An agent",
  session: "A vault session",
};
const describe = (principal: Principal) => CALLER[columnOf(principal)];

/** A request's caller as the vault checks (auth/vault-access.ts) take it. */
const vaultCallerOf = (c: Context<AppEnv>): VaultCaller => ({ db: c.var.db, principal: c.var.principal, cell: c.var.cell });

/** `vault-access.ts` `authorizeVault` for a handler that has no action yet. */
export function authorizeVault(c: Context<AppEnv>, vaultName: string): Promise<VaultAccess> {
  return vaultAccess.authorizeVault(vaultCallerOf(c), vaultName);
}

/** `vault-access.ts` `authorizeSelectedVault`: `explicit`, else the `X-Vault` header. */
export function authorizeSelectedVault(c: Context<AppEnv>, explicit: string | undefined): Promise<VaultAccess> {
  return vaultAccess.authorizeSelectedVault(vaultCallerOf(c), explicit ?? c.req.header("X-Vault"));
}

/** `vault-access.ts` `authorizeSubject` for a handler that has no action yet. */
export function authorizeSubject(c: Context<AppEnv>, subjectId: string, what: string): void {
  vaultAccess.authorizeSubject(vaultCallerOf(c), subjectId, what);
}
