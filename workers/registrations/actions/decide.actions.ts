/**
 * Deciding self-registrations, for the API (`/v1` and `/api`) and the console alike: the pending
 * list, approving (granting only what was requested) and rejecting, a registration of the
 * caller's company decided once (the audit row guards it). The change carries its consequences
 * (the agent's gate, the waiting registration channel), so every door behaves the same.
 */
import { oneLine } from "../../lib/one-line.ts";
import type { z } from "zod";
import type { ActionContext } from "../../action-context.ts";
import { CAPABILITIES } from "../../agents/agents.contract.ts";
import { isAgentNameTaken } from "../../agents/agents.queries.ts";
import { AGENT_ID_PREFIX, agentTokenBody } from "../../auth/actor-gate-client.ts";
import { isGuardFailure } from "../../db/audit.ts";
import { AppError, badRequest, conflict } from "../../lib/app-error.ts";
import { didKeyFor } from "../../lib/crypto/did-key.ts";
import { newId } from "../../lib/crypto/tokens.ts";
import { requireRealm } from "../../realms/realms.queries.ts";
import type { ApproveRegistrationBody, PendingRegistrations, RegistrationApproved, RegistrationRejected, VaultysApproved } from "../registrations.contract.ts";
import {
  approveRegistrationChange,
  findRegistration,
  isForeignKeyFailure,
  listPendingRegistrations as pendingIn,
  pendingRegistrationView,
  type RegistrationRow,
  rejectRegistrationChange,
} from "../registrations.queries.ts";
import { registrationNotFound } from "./collect.actions.ts";

export type ApproveInput = z.output<typeof ApproveRegistrationBody>;

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
async function requirePending(ctx: ActionContext, id: string): Promise<RegistrationRow> {
  const registration = await findRegistration(ctx.db, ctx.principal.companyId, id);
  if (!registration || registration.companyId !== ctx.principal.companyId) throw registrationNotFound();
  if (registration.status !== "pending") throw alreadyDecided();
  return registration;
}

/** The company's pending registrations, oldest first, and the capabilities one may ask for. */
export async function listRegistrations(ctx: ActionContext): Promise<z.output<typeof PendingRegistrations>> {
  const rows = await pendingIn(ctx.db, ctx.principal.companyId);
  return { registrations: rows.map(pendingRegistrationView), availableCapabilities: [...CAPABILITIES] };
}

/** Approves a pending registration, granting a subset of what it asked for; the agent as it now is (with its id). */
async function approve(ctx: ActionContext, id: string, body: ApproveInput): Promise<RegistrationRow> {
  const { db, principal } = ctx;
  const registration = await requirePending(ctx, id);
  const granted = [...new Set(body.capabilities)];
  const notRequested = granted.filter((capability) => !registration.requestedCapabilities.includes(capability));
  if (notRequested.length > 0) {
    throw badRequest("capability_not_requested", `Not requested by this agent: ${notRequested.join(", ")}`, {
      requestedCapabilities: registration.requestedCapabilities,
    });
  }
  const realm = body.realm === undefined ? undefined : await requireRealm(db, principal.companyId, body.realm);
  const now = ctx.edge.now();
  // The agent's first token is dropped unseen and revoked in the same batch: the agent's usable
  // token is minted only by its claim.
  const agentId = newId(AGENT_ID_PREFIX);
  const issued = await ctx.edge.mint("agent", agentTokenBody(agentId));
  try {
    await decide(() => ctx.commit(approveRegistrationChange(db, principal, registration, { agentId, issued, capabilities: granted, realm }, now)));
  } catch (error) {
    if (isAgentNameTaken(error)) throw conflict("agent_exists", `An agent named "${registration.name}" already exists; reject this registration`);
    if (realm && isForeignKeyFailure(error)) throw new AppError(404, "realm_not_found", `Realm "${body.realm}" not found`);
    throw error;
  }
  return { ...registration, agentId };
}

/** POST /v1/registrations/{id}/approve, and the console's approve form: the agent named by its name. */
export async function approveRegistration(ctx: ActionContext, id: string, body: ApproveInput): Promise<z.output<typeof RegistrationApproved>> {
  const approved = await approve(ctx, id, body);
  return { success: true, agentId: approved.name };
}

/** POST /api/registrations/{id}/approve: the agent named as `/api/agents` shows it (its DID, else its `agt_…` id). */
export async function approveVaultysRegistration(ctx: ActionContext, id: string, body: ApproveInput): Promise<z.output<typeof VaultysApproved>> {
  const approved = await approve(ctx, id, body);
  return { success: true, agentId: didKeyFor(approved.publicKey) ?? approved.agentId ?? approved.name };
}

/** Rejects a pending registration with a reason the agent will see. */
export async function rejectRegistration(ctx: ActionContext, id: string, reason: string): Promise<z.output<typeof RegistrationRejected>> {
  const registration = await requirePending(ctx, id);
  await decide(() => ctx.commit(rejectRegistrationChange(ctx.db, ctx.principal, registration, oneLine(reason), ctx.edge.now())));
  return { success: true };
}
