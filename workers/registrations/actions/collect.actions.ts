/**
 * What a registered agent learns about its registration, and the one place its agent token is
 * minted: by `POST /v1/registrations/claim` (proved by the claim token), or pushed down the
 * registration channel the agent registered on (proved by being that socket). Either way the
 * token is minted at most once: the claim is a guarded batch, and the loser answers
 * registration_claimed.
 */
import type { z } from "zod";
import type { PublicActionContext } from "../../action-context.ts";
import { findAgentByName, realmView } from "../../agents/agents.queries.ts";
import { agentTokenBody } from "../../auth/actor-gate-client.ts";
import { isGuardFailure } from "../../db/audit.ts";
import { AppError } from "../../lib/app-error.ts";
import { spiffeIdFor } from "../../lib/crypto/spiffe.ts";
import { digestsEqual, sha256Hex } from "../../lib/crypto/tokens.ts";
import type { RegistrationClaimed, RegistrationStillPending } from "../registrations.contract.ts";
import { claimRegistrationChange, findRegistrationForClaim, type RegistrationRow, registrationIdFor } from "../registrations.queries.ts";

type Pending = z.output<typeof RegistrationStillPending>;
type Claimed = z.output<typeof RegistrationClaimed>;
export type Decision = Pending | { status: "rejected"; reason: string } | Claimed;

export const registrationNotFound = () => new AppError(404, "registration_not_found", "Registration not found");
const alreadyClaimed = () => new AppError(410, "registration_claimed", "The agent token for this registration was already collected");
const agentRemoved = () => new AppError(410, "agent_removed", "The approved agent was removed before its token was collected");

/**
 * The registration's decision; when approved, mints and records the agent token (once: a second
 * collection is 410 registration_claimed, as is an agent removed since, 410 agent_removed).
 */
async function collectDecision(ctx: PublicActionContext, registration: RegistrationRow): Promise<Decision> {
  if (registration.status === "pending") return { status: "pending", registrationId: registration.id };
  if (registration.status === "rejected") return { status: "rejected", reason: registration.reason ?? "" };
  if (registration.claimedAt != null) throw alreadyClaimed();
  const found = await findAgentByName(ctx.db, registration.companyId, registration.name);
  if (!found || found.agent.id !== registration.agentId) throw agentRemoved();
  const agent = found.agent;

  const issued = await ctx.edge.mint("agent", agentTokenBody(agent.id));
  try {
    // The agent's gate re-reads its token once the claim is committed.
    await ctx.commit(claimRegistrationChange(ctx.db, registration, agent, issued, ctx.edge.now()));
  } catch (error) {
    if (!isGuardFailure(error)) throw error;
    const again = await findRegistrationForClaim(ctx.db, registration.id);
    throw again?.claimedAt != null ? alreadyClaimed() : agentRemoved();
  }
  return {
    status: "approved",
    agentId: agent.name,
    spiffeId: spiffeIdFor(ctx.config.trustDomain, agent.companyId, agent.name),
    token: issued.token,
    capabilities: agent.capabilities,
    realm: realmView(found.realm),
  };
}

/**
 * POST /v1/registrations/claim: the decision on the registration its claim token names — still
 * pending, or approved with the agent token (once); a rejection is 403 `registration_rejected` with
 * the reason. A token that names no registration, or is not its claim token, is not found.
 */
export async function claimRegistration(ctx: PublicActionContext, claimToken: string): Promise<Pending | Claimed> {
  const parsed = await ctx.edge.readToken(claimToken);
  if (parsed?.kind !== "registration") throw registrationNotFound();
  const registration = await findRegistrationForClaim(ctx.db, registrationIdFor(parsed.body));
  if (!registration || !digestsEqual(registration.claimSecretHash, await sha256Hex(claimToken))) throw registrationNotFound();
  const decision = await collectDecision(ctx, registration);
  if (decision.status === "rejected") {
    throw new AppError(403, "registration_rejected", "An administrator rejected this registration", { extra: { reason: decision.reason } });
  }
  return decision;
}

/** The decision a registration channel pushes to its socket (the socket proves it is the registrant's). */
export async function channelDecision(ctx: PublicActionContext, registrationId: string): Promise<Decision> {
  const registration = await findRegistrationForClaim(ctx.db, registrationId);
  if (!registration) throw registrationNotFound();
  return collectDecision(ctx, registration);
}
