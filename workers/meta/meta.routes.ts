/** Health, the OpenAPI document and its human-readable rendering. */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { jsonResponse } from "../lib/openapi.ts";

export const health = createRoute({
  method: "get",
  path: "/health",
  tags: ["meta"],
  summary: "Liveness check",
  responses: { 200: jsonResponse(z.object({ status: z.literal("ok"), environment: z.string() }), "The edge is up") },
});
