/**
 * Agent names (seed 002): 3–64 characters, lowercase letters, digits and hyphens, unique in the
 * company. They are also Vane's `agentId` and the last segment of the SPIFFE ID, and this
 * alphabet needs no escaping there.
 */
import { z } from "@hono/zod-openapi";
import { CAPABILITIES } from "./capabilities.ts";

export const AGENT_NAME_PATTERN = /^[a-z0-9-]{3,64}$/;

export const AgentName = z
  .string()
  .regex(AGENT_NAME_PATTERN, "3-64 characters: lowercase letters, digits and hyphens")
  .openapi({ example: "researcher-1" });

export { CAPABILITIES };

export const Capability = z.enum(CAPABILITIES);
