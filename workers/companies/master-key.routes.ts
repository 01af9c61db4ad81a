/** `POST /v1/platform/master-key/rotate`: the platform operator re-wraps data keys. */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonResponse } from "../lib/openapi.ts";

export const rotateMasterKey = createRoute({
  method: "post",
  path: "/v1/platform/master-key/rotate",
  tags: ["platform"],
  summary: "Re-wrap company data keys under the newest master key (platform operator)",
  responses: {
    200: jsonResponse(z.object({ current_version: z.number(), rewrapped: z.number(), remaining: z.number() }), "Progress"),
    ...errors(401),
  },
});
