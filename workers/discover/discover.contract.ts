/**
 * `GET /discover`'s contract (seeds 000/001): what an agent, or the CLI's local proxy, can reach
 * through a vault. Zod schemas only, imported by the CLI.
 */
import { z } from "@hono/zod-openapi";
import { PROXIED_METHODS, SUBSTITUTION_SURFACES } from "../services/request-rules.contract.ts";

export const Discovery = z.object({
  vault: z.string(),
  proxy_url: z.string(),
  /**
   * Every service of the vault, with the seeds' fields. `enabled: false` marks one an admin turned
   * off: an agent must not propose it again, and the local proxy intercepts it so the agent sees
   * the edge's `service_disabled` instead of reaching the host directly.
   */
  services: z.array(
    z.object({
      host: z.string(),
      description: z.string(),
      enabled: z.boolean(),
      /** Where to write a placeholder for the edge to put a credential (only when the service has substitutions); never a value. */
      substitutions: z.array(z.object({ placeholder: z.string(), key: z.string(), in: z.array(z.enum(SUBSTITUTION_SURFACES)) })).optional(),
      /** The only methods forwarded (only when the service restricts them). */
      methods: z.array(z.enum(PROXIED_METHODS)).optional(),
    }),
  ),
  available_credentials: z.array(z.string()),
});
