/**
 * The agent channel's routes: the edge authenticates and refuses like on any route, then hands the
 * upgrade to the Durable Object that will hold the socket (the agent's ActorGate; a fresh
 * RegistrationChannel for a registration). Trust boundary: the registration channel is
 * unauthenticated, so it is counted against the registration throttle before any object is
 * woken (the route's middleware, registrations/registration-attempts.ts), exactly as one HTTP
 * registration is.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { actorGate } from "../auth/actor-gate-client.ts";
import { agentRoot } from "../auth/revocation.ts";
import { AppError, forbidden, unauthorized } from "../lib/app-error.ts";
import { createRouter } from "../router.ts";
import { newRegistrationId, requireCompany } from "../registrations/register.ts";
import { CHANNEL_SUBPROTOCOL } from "./agent-channel.contract.ts";
import * as routes from "./agent-channel.routes.ts";
import { handoffRequest } from "./channel-handoff.ts";
import { registrationChannel } from "./registration-channel-client.ts";

function requireUpgrade(c: Context<AppEnv>): void {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    throw new AppError(426, "upgrade_required", "This is a WebSocket route: send Upgrade: websocket", { headers: { Upgrade: "websocket" } });
  }
}

/**
 * The object's 101, answered with our subprotocol when the client offered any (a client that
 * offers subprotocols fails the connection unless one is chosen; a bearer entry is never echoed).
 */
function switchProtocols(c: Context<AppEnv>, accepted: Response): Response {
  const offered = (c.req.header("Sec-WebSocket-Protocol") ?? "").split(",").map((p) => p.trim());
  const headers: Record<string, string> = offered.includes(CHANNEL_SUBPROTOCOL) ? { "Sec-WebSocket-Protocol": CHANNEL_SUBPROTOCOL } : {};
  return new Response(null, { status: 101, webSocket: accepted.webSocket, headers });
}

export const agentChannelRouter = createRouter();

agentChannelRouter
  .openapi(routes.agentChannel, async (c) => {
    const principal = c.var.principal;
    // The table lets only agents through; this narrows the type.
    if (principal.kind !== "agent") throw forbidden("Only an agent holds a channel", "agent_required");
    requireUpgrade(c);
    const accepted = await actorGate(c.env, agentRoot(principal.id)).fetch(
      handoffRequest({ kind: "agent", agentId: principal.id, tokenId: principal.tokenId }),
    );
    // The gate re-checks the token at accept time: a rotation that landed since authentication refuses it.
    if (accepted.status !== 101 || !accepted.webSocket) throw unauthorized("Invalid, expired or revoked token");
    return switchProtocols(c, accepted);
  })
  .openapi(routes.registrationChannel, async (c) => {
    const { companyId } = c.req.valid("param");
    requireUpgrade(c);
    await requireCompany(c.var.db, companyId);
    const registrationId = newRegistrationId();
    const accepted = await registrationChannel(c.env, registrationId).fetch(handoffRequest({ kind: "registration", companyId, registrationId }));
    if (accepted.status !== 101 || !accepted.webSocket)
      throw new AppError(500, "internal_error", "Internal error", { cause: `registration channel answered ${accepted.status}` });
    return switchProtocols(c, accepted);
  });
