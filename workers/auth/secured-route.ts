/**
 * Every API route is declared through this `createRoute`: it attaches the authorization gate of
 * the route's row in the permission table, and the OpenAPI `security` that row implies. A route
 * missing from the table cannot be declared, so a new route is classified before it can land.
 * A route's own `middleware` runs after the gate and before its input is read (e.g. a throttle
 * that counts an attempt before the body is parsed).
 */
import { createRoute as declareRoute, type RouteConfig } from "@hono/zod-openapi";
import { gate, ruleOf } from "./gate.ts";

export function createRoute<const R extends RouteConfig>(config: R) {
  const operation = `${config.method.toUpperCase()} ${config.path}`;
  const rule = ruleOf(operation);
  const security = rule.access === "public" ? undefined : [{ bearerAuth: [] }];
  const own = config.middleware === undefined ? [] : Array.isArray(config.middleware) ? config.middleware : [config.middleware];
  return declareRoute({ ...config, security, middleware: [gate(operation), ...own] as const });
}
