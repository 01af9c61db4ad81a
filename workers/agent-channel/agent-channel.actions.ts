/**
 * Opening the agent channel's sockets (seed 004), once the edge has authenticated and refused as
 * on any route: the calling agent's own channel is handed to its ActorGate, which accepts it only
 * while the token it authenticated with is still the agent's; a registration channel is handed to
 * a fresh RegistrationChannel named by the registration id it will create, so the decision finds
 * it without a lookup. The upgrade's HTTP (Upgrade, subprotocols) stays the entry's.
 */
import type { ActionContext, PublicActionContext } from "../action-context.ts";
import { AppError, forbidden, unauthorized } from "../lib/app-error.ts";
import { newRegistrationId, requireCompany } from "../registrations/registrations.actions.ts";

/** The object's 101, carrying the socket. */
export type AcceptedChannel = Response & { webSocket: WebSocket };

const accepted = (answer: Response): answer is AcceptedChannel => answer.status === 101 && answer.webSocket !== null;

/** GET /v1/agents/channel: the calling agent's channel, open while its token lives. */
export async function openAgentChannel(ctx: ActionContext): Promise<AcceptedChannel> {
  const principal = ctx.principal;
  // The table lets only agents through; this narrows the type.
  if (principal.kind !== "agent") throw forbidden("Only an agent holds a channel", "agent_required");
  const answer = await ctx.edge.handOffChannel({ kind: "agent", agentId: principal.id, tokenId: principal.tokenId });
  // The gate re-checks the token at accept time: a rotation that landed since authentication refuses it.
  if (!accepted(answer)) throw unauthorized("Invalid, expired or revoked token");
  return answer;
}

/** GET /v1/companies/{companyId}/agents/channel: a socket that registers in `companyId` with its first frame (the attempt was counted before). */
export async function openRegistrationChannel(ctx: PublicActionContext, companyId: string): Promise<AcceptedChannel> {
  await requireCompany(ctx, companyId);
  const answer = await ctx.edge.handOffChannel({ kind: "registration", companyId, registrationId: newRegistrationId() });
  if (!accepted(answer)) throw new AppError(500, "internal_error", "Internal error", { cause: `registration channel answered ${answer.status}` });
  return answer;
}
