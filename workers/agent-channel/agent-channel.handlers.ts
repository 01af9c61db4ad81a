/**
 * The agent channel's routes: the edge authenticates and refuses like on any route, then its
 * action (agent-channel.actions.ts) hands the upgrade to the Durable Object that will hold the
 * socket (the agent's ActorGate; a fresh RegistrationChannel for a registration). Trust boundary:
 * the registration channel is unauthenticated, so it is counted against the registration throttle
 * before any object is woken (the route's middleware, registrations/registration-attempts.ts),
 * exactly as one HTTP registration is.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { AppError } from "../lib/app-error.ts";
import { actionContextOf, publicContextOf } from "../request-context.ts";
import { createRouter } from "../router.ts";
import { type AcceptedChannel, openAgentChannel, openRegistrationChannel } from "./agent-channel.actions.ts";
import { CHANNEL_SUBPROTOCOL } from "./agent-channel.contract.ts";
import * as routes from "./agent-channel.routes.ts";

function requireUpgrade(c: Context<AppEnv>): void {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    throw new AppError(426, "upgrade_required", "This is a WebSocket route: send Upgrade: websocket", { headers: { Upgrade: "websocket" } });
  }
}

/**
 * The object's 101, answered with our subprotocol when the client offered any (a client that
 * offers subprotocols fails the connection unless one is chosen; a bearer entry is never echoed).
 */
function switchProtocols(c: Context<AppEnv>, accepted: AcceptedChannel): Response {
  const offered = (c.req.header("Sec-WebSocket-Protocol") ?? "").split(",").map((p) => p.trim());
  const headers: Record<string, string> = offered.includes(CHANNEL_SUBPROTOCOL) ? { "Sec-WebSocket-Protocol": CHANNEL_SUBPROTOCOL } : {};
  return new Response(null, { status: 101, webSocket: accepted.webSocket, headers });
}

export const agentChannelRouter = createRouter();

agentChannelRouter
  .openapi(routes.agentChannel, async (c) => {
    requireUpgrade(c);
    return switchProtocols(c, await openAgentChannel(actionContextOf(c)));
  })
  .openapi(routes.registrationChannel, async (c) => {
    const { companyId } = c.req.valid("param");
    requireUpgrade(c);
    return switchProtocols(c, await openRegistrationChannel(publicContextOf(c), companyId));
  });
