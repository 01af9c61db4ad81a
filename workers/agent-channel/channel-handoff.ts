/**
 * How the edge hands an accepted upgrade to the Durable Object that will hold the socket. A socket
 * can only travel in a fetch (not an RPC call), so what the object needs to know rides in one
 * header of a request the edge builds itself: no header of the client's reaches the object, and the
 * object parses this one with zod like any other input.
 */
import { z } from "@hono/zod-openapi";

const HANDOFF_HEADER = "Edgevault-Channel";

/** An agent's channel: the agent, and the token it authenticated with (the socket lives while that token does). */
export const AgentHandoff = z.object({ kind: z.literal("agent"), agentId: z.string().min(1), tokenId: z.string().min(1) }).strict();
/** A registration channel: the company, and the id the registration will be created under. */
export const RegistrationHandoff = z.object({ kind: z.literal("registration"), companyId: z.string().min(1), registrationId: z.string().min(1) }).strict();
export type AgentHandoff = z.infer<typeof AgentHandoff>;
export type RegistrationHandoff = z.infer<typeof RegistrationHandoff>;

export function handoffRequest(handoff: AgentHandoff | RegistrationHandoff): Request {
  return new Request("https://channel.internal/", { headers: { Upgrade: "websocket", [HANDOFF_HEADER]: JSON.stringify(handoff) } });
}

/** The handoff a request carries, or undefined when it is not one of ours. */
export function readHandoff<T extends z.ZodType>(request: Request, schema: T): z.infer<T> | undefined {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(request.headers.get(HANDOFF_HEADER) ?? ""));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
