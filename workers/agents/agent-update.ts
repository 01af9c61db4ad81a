/**
 * Changing an agent (PATCH /v1/agents/{agentId}), for the API and the console alike: who may move
 * what, the realm looked up in the caller's company, and one change committed with its audit
 * detail and the agent gate's invalidation. The console's edit and status forms call this, never
 * a copy of a check.
 */
import type { Context } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { commitChange } from "../effects.ts";
import { conflict, forbidden, notFound } from "../lib/app-error.ts";
import { rateLimitFromInput } from "../lib/openapi.ts";
import type { Principal } from "../lib/principal.ts";
import { findRealm, requireRealm } from "../realms/realms.queries.ts";
import { requireAboveAgent } from "./agent-authority.ts";
import type { UpdateAgentBody } from "./agents.contract.ts";
import { type AgentRow, isAgentNameTaken, type RealmRow, updateAgentChange } from "./agents.queries.ts";

export type AgentUpdate = z.output<typeof UpdateAgentBody>;

/** What an agent must never change about itself: a person (or a key) set them. */
const LIMITS = ["role", "status", "capabilities", "realm", "rate_limit"] as const;

/**
 * Refuses a change the caller may not make, beyond its row of the permission table (which lets
 * only company owners, API keys and owner agents in):
 * - an agent never lifts its own limits (403 `self_change`);
 * - a company role moves only by a company owner;
 * - a fellow owner agent is changed only by someone above it (agent-authority.ts).
 */
export function requireAgentUpdate(principal: Principal, agent: AgentRow, body: AgentUpdate): void {
  if (principal.kind === "agent" && principal.id === agent.id && LIMITS.some((field) => body[field] !== undefined)) {
    throw forbidden("An agent cannot change its own role, status, capabilities, realm or rate limit", "self_change");
  }
  requireAboveAgent(principal, agent, "change");
  if (body.role === undefined || body.role === agent.role) return;
  if (principal.companyRole !== "owner") throw forbidden("Only a company owner changes an agent's company role");
}

/**
 * Applies `body` to `agent` (of the caller's company) after `requireAgentUpdate`; the agent as it
 * now is, with its realm. A realm not in the company is a 404 `realm_not_found`; a name taken is a
 * 409 `agent_exists`.
 *
 * @example
 * const { agent, realm } = await updateAgent(c, c.var.principal, found.agent, { capabilities: ["api_call"] });
 */
export async function updateAgent(c: Context<AppEnv>, principal: Principal, agent: AgentRow, body: AgentUpdate) {
  requireAgentUpdate(principal, agent, body);
  const db = c.var.db;
  let realmId: string | null | undefined;
  if (body.realm !== undefined) realmId = body.realm === null ? null : (await requireRealm(db, principal.companyId, body.realm)).id;
  const now = Date.now();
  const changes = {
    ...(body.role ? { role: body.role } : {}),
    // SVIDs name agents by name: taking a name is registering under it, so SVIDs issued for that
    // name before (a deleted agent's, still unexpired) never speak for this agent (token exchange's `activeAgent`).
    ...(body.name && body.name !== agent.name ? { name: body.name, registeredAt: now } : {}),
    ...(body.status ? { status: body.status } : {}),
    ...(body.capabilities ? { capabilities: [...new Set(body.capabilities)] } : {}),
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
    const [rows] = await commitChange(c, updateAgentChange(db, principal, agent, changes, detail));
    updated = rows[0];
  } catch (error) {
    if (isAgentNameTaken(error)) throw conflict("agent_exists", `An agent named "${body.name ?? ""}" already exists`);
    throw error;
  }
  // Deleted between the read and the write.
  if (!updated) throw notFound(`Agent "${agent.name}"`);
  const realm: RealmRow | null = updated.realmId ? ((await findRealm(db, principal.companyId, updated.realmId)) ?? null) : null;
  return { agent: updated, realm };
}
