/**
 * `GET /discover`'s contract (seeds 000/001): what an agent, or the CLI's local proxy, can reach
 * through a vault. Zod schemas only, imported by the CLI.
 */
import { z } from "@hono/zod-openapi";

export const Discovery = z.object({
  vault: z.string(),
  proxy_url: z.string(),
  services: z.array(z.object({ host: z.string(), description: z.string() })),
  available_credentials: z.array(z.string()),
});
