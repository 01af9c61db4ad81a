/**
 * Changing agents, for the API and the console alike: Vane's registration (seed 003), changing
 * one (PATCH's fields; the console's edit and status forms send the same body), deleting one, and
 * rotating its token. Who may, beyond the permission table's row, is checked here and in
 * agent-authority.ts, never in an entry; each write is one change with its audit row and the agent
 * gate's invalidation.
 */
import type { z } from "zod";
import type { ActionContext } from "../../action-context.ts";
import { AGENT_ID_PREFIX } from "../../auth/actor-gate-client.ts";
import { issueAgentInvite } from "../../invites/invites.actions.ts";
import type { IssuedInvite } from "../../invites/invites.contract.ts";
import { AppError, badRequest, conflict, forbidden, notFound } from "../../lib/app-error.ts";
import { iso, rateLimitFromInput } from "../../lib/openapi.ts";
import { STORED_JSON_DEPTH_RULE, withinJsonDepth } from "../../lib/json-depth.ts";
import type { Principal } from "../../lib/principal.ts";
import { normalizedScopes } from "../../lib/crypto/passport-scopes.ts";
import { spiffeIdFor } from "../../lib/crypto/spiffe.ts";
import { newId } from "../../lib/crypto/tokens.ts";
import { findRealm, requireRealm } from "../../realms/realms.queries.ts";
import { requireAboveAgent, requireRotatable } from "../agent-authority.ts";
import { AGENT_ID_PATTERN, AGENT_ID_RULE, type AgentDeleted, type AgentRegistered, type RegisterAgentBody, type UpdateAgentBody } from "../agents.contract.ts";
import {
  type AgentRow,
  deleteAgentChange,
  findAgentByName,
  isAgentNameTaken,
  type RealmRow,
  registerAgentChange,
  updateAgentChange,
} from "../agents.queries.ts";
import { type AgentView, agentViewOf, requireAgent } from "./read.actions.ts";

export type AgentUpdate = z.output<typeof UpdateAgentBody>;

/** Seed 003's wording, kept so Vane clients see the message they expect. */
const MISSING_AGENT_ID = "Missing or invalid field: agentId is required";

/**
 * POST /v1/agents/register (Vane's upsert): the same agentId rewrites its metadata and answers with
 * its SVID. It never changes an agent's status: a disabled (or pending, rejected) agent has its
 * metadata rewritten as Vane does and stays so, and its answer carries `svid: null` (an identity
 * is never issued to an agent that may not act).
 */
export async function registerAgent(ctx: ActionContext, body: z.output<typeof RegisterAgentBody>): Promise<z.output<typeof AgentRegistered>> {
  const { db, principal } = ctx;
  if (typeof body.agentId !== "string" || body.agentId === "") throw badRequest("missing_field", MISSING_AGENT_ID);
  if (!AGENT_ID_PATTERN.test(body.agentId)) throw badRequest("invalid_agent_id", `agentId must be ${AGENT_ID_RULE}`);
  const metadata = body.metadata;
  if (metadata !== undefined && (typeof metadata !== "object" || metadata === null || Array.isArray(metadata))) {
    throw badRequest("invalid_request", "metadata must be a JSON object of at most 16 KiB");
  }
  // Depth before size: serializing a value nested thousands deep overflows the stack.
  if (metadata !== undefined && !withinJsonDepth(metadata)) throw badRequest("invalid_request", `Invalid metadata: ${STORED_JSON_DEPTH_RULE}`);
  if (metadata !== undefined && JSON.stringify(metadata).length > 16 * 1024) {
    throw badRequest("invalid_request", "metadata must be a JSON object of at most 16 KiB");
  }
  const existing = await findAgentByName(db, principal.companyId, body.agentId);
  // Re-registering answers with the agent's SVID (its identity) and rewrites its metadata: an owner agent never does that to a fellow owner agent.
  if (existing) requireAboveAgent(principal, existing.agent, "re-register");
  const now = ctx.edge.now();
  const values = {
    id: newId(AGENT_ID_PREFIX),
    companyId: principal.companyId,
    name: body.agentId,
    role: "member" as const,
    status: "active" as const,
    metadata: (metadata as Record<string, unknown> | undefined) ?? null,
    registeredAt: now,
    createdBy: principal.id,
    updatedAt: now,
  };
  const [rows] = await ctx.commit(registerAgentChange(db, principal, values));
  const agent = rows[0];
  if (!agent) throw new AppError(500, "internal_error", "Registration did not persist");
  const registeredAt = iso(agent.registeredAt) ?? "";
  if (agent.status !== "active") {
    const spiffeId = spiffeIdFor(ctx.config.trustDomain, principal.companyId, agent.name);
    return { agentId: agent.name, spiffeId, svid: null, registeredAt, status: agent.status };
  }
  const issued = await ctx.edge.issueSvid({ companyId: principal.companyId, agentName: agent.name });
  return { agentId: agent.name, spiffeId: issued.spiffeId, svid: issued.svid, registeredAt, status: agent.status };
}

/** What an agent must never change about itself: a person (or a key) set them. */
const LIMITS = ["role", "status", "capabilities", "realm", "rate_limit"] as const;

/**
 * Refuses a change the caller may not make, beyond its row of the permission table (which lets
 * only company owners, API keys and owner agents in):
 * - an agent never lifts its own limits (403 `self_change`);
 * - passport scopes are granted by people and keys only, never by an agent;
 * - a company role moves only by a company owner;
 * - a fellow owner agent is changed only by someone above it (agent-authority.ts).
 */
function requireAgentUpdate(principal: Principal, agent: AgentRow, body: AgentUpdate): void {
  if (principal.kind === "agent" && principal.id === agent.id && LIMITS.some((field) => body[field] !== undefined)) {
    throw forbidden("An agent cannot change its own role, status, capabilities, realm or rate limit", "self_change");
  }
  requireAboveAgent(principal, agent, "change");
  // What an agent may obtain in a passport for itself is a person's decision (passports/): no agent grants it, to itself or another.
  if (body.passportScopes !== undefined && principal.kind === "agent") {
    throw forbidden("Only a person (or an API key) grants passport scopes: an agent never does, to itself or to another agent");
  }
  if (body.role === undefined || body.role === agent.role) return;
  if (principal.companyRole !== "owner") throw forbidden("Only a company owner changes an agent's company role");
}

/**
 * PATCH /v1/agents/{agentId}, and the console's edit and status forms: applies `body` to the agent
 * after `requireAgentUpdate`; the agent as it now is. A realm not in the company is a 404
 * `realm_not_found`; a name taken is a 409 `agent_exists`.
 */
export async function updateAgent(ctx: ActionContext, ref: string, body: AgentUpdate): Promise<{ agent: AgentView }> {
  const { db, principal } = ctx;
  const { agent } = await requireAgent(ctx, ref);
  requireAgentUpdate(principal, agent, body);
  let realmId: string | null | undefined;
  if (body.realm !== undefined) realmId = body.realm === null ? null : (await requireRealm(db, principal.companyId, body.realm)).id;
  const now = ctx.edge.now();
  const changes = {
    ...(body.role ? { role: body.role } : {}),
    // SVIDs name agents by name: taking a name is registering under it, so SVIDs issued for that
    // name before (a deleted agent's, still unexpired) never speak for this agent (token exchange's `activeAgent`).
    ...(body.name && body.name !== agent.name ? { name: body.name, registeredAt: now } : {}),
    ...(body.status ? { status: body.status } : {}),
    ...(body.capabilities ? { capabilities: [...new Set(body.capabilities)] } : {}),
    // Stored sorted, once each: the passports an agent obtained under its grant compare their snapshot with this text.
    ...(body.passportScopes ? { passportScopes: normalizedScopes(body.passportScopes) } : {}),
    ...(realmId !== undefined ? { realmId } : {}),
    ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
    ...(body.rate_limit !== undefined ? { rateLimit: rateLimitFromInput(body.rate_limit) } : {}),
    ...(body.llmProvider !== undefined ? { llmProvider: body.llmProvider } : {}),
    ...(body.llmModel !== undefined ? { llmModel: body.llmModel } : {}),
    ...(body.llmSystemPrompt !== undefined ? { llmSystemPrompt: body.llmSystemPrompt } : {}),
    updatedAt: now,
  };
  // Metadata and the system prompt (up to 16 KiB each) are noted as changed, not copied into the audit.
  const changed = (value: unknown) => (value === undefined ? undefined : "changed");
  const detail = { ...body, metadata: changed(body.metadata), llmSystemPrompt: changed(body.llmSystemPrompt) };
  let updated: AgentRow | undefined;
  try {
    const [rows] = await ctx.commit(updateAgentChange(db, principal, agent, changes, detail));
    updated = rows[0];
  } catch (error) {
    if (isAgentNameTaken(error)) throw conflict("agent_exists", `An agent named "${body.name ?? ""}" already exists`);
    throw error;
  }
  // Deleted between the read and the write.
  if (!updated) throw notFound(`Agent "${agent.name}"`);
  const realm: RealmRow | null = updated.realmId ? ((await findRealm(db, principal.companyId, updated.realmId)) ?? null) : null;
  return { agent: agentViewOf(ctx, updated, realm) };
}

/**
 * DELETE /v1/agents/{agentId}, and the console's delete: its tokens, grants and sessions go with
 * it, and pending invites for it are revoked (the change's invalidation reaches its gate).
 */
export async function deleteAgent(ctx: ActionContext, ref: string): Promise<z.output<typeof AgentDeleted>> {
  const { agent } = await requireAgent(ctx, ref);
  requireAboveAgent(ctx.principal, agent, "delete");
  await ctx.commit(deleteAgentChange(ctx.db, ctx.principal, agent, ctx.edge.now()));
  return { deleted: agent.name };
}

/** The agent a rotation would be for, once the caller may rotate it and it is active (the console asks before it confirms). */
async function rotatableAgent(ctx: ActionContext, ref: string): Promise<AgentRow> {
  const { agent } = await requireAgent(ctx, ref);
  requireAboveAgent(ctx.principal, agent, "rotate");
  requireRotatable(agent);
  return agent;
}

/** Whether the agent may be rotated by the caller now: its name, or the refusal POST /v1/agents/{agentId}/rotate would give. */
export async function checkRotation(ctx: ActionContext, ref: string): Promise<{ name: string }> {
  return { name: (await rotatableAgent(ctx, ref)).name };
}

/**
 * POST /v1/agents/{agentId}/rotate, and the console's rotate: a single-use rotation invite, whose
 * redemption gives the agent a new token and ends the old one.
 */
export async function rotateAgent(ctx: ActionContext, ref: string, ttlSeconds: number): Promise<z.output<typeof IssuedInvite>> {
  const agent = await rotatableAgent(ctx, ref);
  return issueAgentInvite(ctx, { kind: "rotation", name: agent.name, agentId: agent.id, role: agent.role, grants: null, ttlSeconds });
}
