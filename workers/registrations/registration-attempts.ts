/**
 * The registration throttle, for every caller of every way to register (POST
 * /v1/companies/{companyId}/agents/register, POST /api/agents/register, the registration
 * channel). It runs as route middleware after the gate and before the request's input is read:
 * an attempt is counted even when its body turns out huge or malformed, so a client cannot make
 * the edge parse bodies faster than it may register. Who is counted, and how many attempts pass,
 * is the action's (`admitRegistrationAttempt`).
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";
import { publicContextOf } from "../request-context.ts";
import { admitRegistrationAttempt } from "./registrations.actions.ts";

/**
 * Route middleware: counts this request's attempt. The gate has already authenticated a caller
 * who presented a token; the company is the path's, or (Vaultys' `/api` route) the caller's own.
 */
export const countRegistrationAttempt = createMiddleware<AppEnv>(async (c, next) => {
  const ctx = publicContextOf(c);
  await admitRegistrationAttempt(ctx, c.req.param("companyId") ?? ctx.principal?.companyId, c.req.header("CF-Connecting-IP"));
  await next();
});
