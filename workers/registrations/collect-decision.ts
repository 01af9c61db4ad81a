/**
 * What a registered agent learns about its registration, and the one place its agent token is
 * minted: by `POST /v1/registrations/claim` (proved by the claim token), or pushed down the
 * registration channel the agent registered on (proved by being that socket). Either way the
 * token is minted at most once: the claim is a guarded batch, and the loser answers
 * registration_claimed.
 */
import type { z } from "@hono/zod-openapi";
import { findAgentByName, realmView } from "../agents/agents.queries.ts";
import { agentTokenBody } from "../auth/actor-gate-client.ts";
import { minterFor } from "../auth/token-signer.ts";
import { configOf } from "../config.ts";
import { isGuardFailure } from "../db/audit.ts";
import { commit } from "../db/change.ts";
import type { Database } from "../db/client.ts";
import { effectsOf } from "../effects.ts";
import type { Env } from "../env.ts";
import { AppError } from "../lib/app-error.ts";
import { spiffeIdFor } from "../lib/spiffe.ts";
import type { RegistrationClaimed } from "./registrations.contract.ts";
import { claimRegistrationChange, findRegistrationForClaim, type RegistrationRow } from "./registrations.queries.ts";

export type Decision = { status: "pending"; registrationId: string } | { status: "rejected"; reason: string } | z.infer<typeof RegistrationClaimed>;

export const registrationNotFound = () => new AppError(404, "registration_not_found", "Registration not found");
const alreadyClaimed = () => new AppError(410, "registration_claimed", "The agent token for this registration was already collected");
const agentRemoved = () => new AppError(410, "agent_removed", "The approved agent was removed before its token was collected");

/**
 * The registration's decision; when approved, mints and records the agent token (once: a second
 * collection is 410 registration_claimed, as is an agent removed since, 410 agent_removed).
 */
export async function collectDecision(env: Env, db: Database, registration: RegistrationRow): Promise<Decision> {
  if (registration.status === "pending") return { status: "pending", registrationId: registration.id };
  if (registration.status === "rejected") return { status: "rejected", reason: registration.reason ?? "" };
  if (registration.claimedAt != null) throw alreadyClaimed();
  const found = await findAgentByName(db, registration.companyId, registration.name);
  if (!found || found.agent.id !== registration.agentId) throw agentRemoved();
  const agent = found.agent;

  const issued = await minterFor(env)("agent", agentTokenBody(agent.id));
  try {
    // The agent's gate re-reads its token once the claim is committed.
    await commit(db, effectsOf(env), claimRegistrationChange(db, registration, agent, issued, Date.now()));
  } catch (error) {
    if (!isGuardFailure(error)) throw error;
    const again = await findRegistrationForClaim(db, registration.id);
    throw again?.claimedAt != null ? alreadyClaimed() : agentRemoved();
  }
  return {
    status: "approved",
    agentId: agent.name,
    spiffeId: spiffeIdFor(configOf(env).trustDomain, agent.companyId, agent.name),
    token: issued.token,
    capabilities: agent.capabilities,
    realm: realmView(found.realm),
  };
}
