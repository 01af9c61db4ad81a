/**
 * Deciding a self-registration, for the API (`/v1` and `/api`) and the console alike: a pending
 * registration of the caller's company, decided once (the audit row guards it), approval granting
 * only what was requested. The change carries its consequences (the agent's gate, the waiting
 * registration channel), so every door behaves the same.
 */
import type { Context } from "hono";
import type { z } from "zod";
import { isAgentNameTaken } from "../agents/agents.queries.ts";
import type { AppEnv } from "../app-env.ts";
import { AGENT_ID_PREFIX, agentTokenBody } from "../auth/actor-gate-client.ts";
import { minterFor } from "../auth/token-signer.ts";
import { isGuardFailure } from "../db/audit.ts";
import { commitChange } from "../effects.ts";
import { AppError, badRequest, conflict } from "../lib/app-error.ts";
import type { Principal } from "../lib/principal.ts";
import { newId } from "../lib/tokens.ts";
import { requireRealm } from "../realms/realms.queries.ts";
import { registrationNotFound } from "./collect-decision.ts";
import type { ApproveRegistrationBody } from "./registrations.contract.ts";
import { approveRegistrationChange, findRegistration, isForeignKeyFailure, type RegistrationRow, rejectRegistrationChange } from "./registrations.queries.ts";

type ApproveInput = z.output<typeof ApproveRegistrationBody>;

const alreadyDecided = () => conflict("registration_decided", "This registration was already approved or rejected");

/** Commits a decision, whose first statement is an audit entry guarded on the registration still being pending. */
async function decide<T>(commit: () => Promise<T>): Promise<T> {
  try {
    return await commit();
  } catch (error) {
    if (isGuardFailure(error)) throw alreadyDecided();
    throw error;
  }
}

/** A pending registration of the caller's company; a decided one is a 409. */
function requirePending(principal: Principal, registration: RegistrationRow | undefined): RegistrationRow {
  if (!registration || registration.companyId !== principal.companyId) throw registrationNotFound();
  if (registration.status !== "pending") throw alreadyDecided();
  return registration;
}

/** Approves a pending registration of the caller's company, granting a subset of what it asked for. */
export async function approveRegistration(c: Context<AppEnv>, principal: Principal, id: string, body: ApproveInput): Promise<RegistrationRow> {
  const db = c.var.db;
  const registration = requirePending(principal, await findRegistration(db, principal.companyId, id));
  const granted = [...new Set(body.capabilities)];
  const notRequested = granted.filter((capability) => !registration.requestedCapabilities.includes(capability));
  if (notRequested.length > 0) {
    throw badRequest("capability_not_requested", `Not requested by this agent: ${notRequested.join(", ")}`, {
      requestedCapabilities: registration.requestedCapabilities,
    });
  }
  const realm = body.realm === undefined ? undefined : await requireRealm(db, principal.companyId, body.realm);
  const now = Date.now();
  // The agent's first token is dropped unseen and revoked in the same batch: the agent's usable
  // token is minted only by its claim.
  const agentId = newId(AGENT_ID_PREFIX);
  const issued = await minterFor(c.env)("agent", agentTokenBody(agentId));
  try {
    await decide(() => commitChange(c, approveRegistrationChange(db, principal, registration, { agentId, issued, capabilities: granted, realm }, now)));
  } catch (error) {
    if (isAgentNameTaken(error)) throw conflict("agent_exists", `An agent named "${registration.name}" already exists; reject this registration`);
    if (realm && isForeignKeyFailure(error)) throw new AppError(404, "realm_not_found", `Realm "${body.realm}" not found`);
    throw error;
  }
  return { ...registration, agentId };
}

/** Rejects a pending registration of the caller's company with a reason the agent will see. */
export async function rejectRegistration(c: Context<AppEnv>, principal: Principal, id: string, reason: string): Promise<void> {
  const db = c.var.db;
  const registration = requirePending(principal, await findRegistration(db, principal.companyId, id));
  await decide(() => commitChange(c, rejectRegistrationChange(db, principal, registration, reason, Date.now())));
}
