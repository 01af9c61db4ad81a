/**
 * Requires a valid caller and stores it as `c.var.principal`. Cookie-authenticated requests
 * that change state must also carry the session's CSRF token (`X-CSRF-Token` header).
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";
import { presentedToken } from "../auth/bearer.ts";
import { verifyCsrf } from "../auth/csrf.ts";
import { resolvePrincipal } from "../auth/resolve-principal.ts";
import { AppError, unauthorized } from "../lib/app-error.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const presented = presentedToken(c);
  if (!presented) throw unauthorized();
  const principal = await resolvePrincipal(c.var.db, c.env, presented.token, presented.viaCookie);
  if (!principal) throw unauthorized("Invalid, expired or revoked token");
  if (principal.kind === "user" && principal.viaCookie && !SAFE_METHODS.has(c.req.method)) {
    if (!(await verifyCsrf(presented.token, c.req.header("X-CSRF-Token")))) {
      throw new AppError(403, "csrf_failed", "Missing or invalid CSRF token");
    }
  }
  c.set("principal", principal);
  await next();
});
