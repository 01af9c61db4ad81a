/** Agents: Vane registration, details, SVIDs, management and rotation. */
import { AGENT_ID_PREFIX } from "../auth/actor-gate-client.ts";
import { authorizeSubject } from "../auth/gate.ts";

import {
  activeSessionCount,
  agentVaults,
  agentView,
  findAgentByName,
  findAgentByRef,
  vaultysAgentView,
  registerAgentChange,
  type AgentRow,
  type RealmRow,
} from "./agents.queries.ts";
import type { Database } from "../db/client.ts";
import { commitChange } from "../effects.ts";
import type { Env } from "../env.ts";
import { AGENT_ID_PATTERN, AGENT_ID_RULE } from "./agents.contract.ts";
import { AppError, badRequest, notFound } from "../lib/app-error.ts";
import { iso } from "../lib/openapi.ts";
import type { Principal } from "../lib/principal.ts";
import { createRouter } from "../router.ts";
import { spiffeIdFor } from "../lib/spiffe.ts";
import { issueAgentSvid, trustDomainOf } from "../identity/svid.ts";
import { actionContextOf } from "../request-context.ts";
import { newId } from "../lib/tokens.ts";
import * as routes from "./agents.routes.ts";
import { deleteAgent, requireAboveAgent } from "./agent-authority.ts";
import { rotateAgentToken } from "./agent-rotation.ts";
import { svidRequestFor } from "./agent-svid.ts";
import { updateAgent } from "./agent-update.ts";
import { INVITE_DEFAULT_TTL_SECONDS } from "../invites/invites.contract.ts";

/** Seed 003's wording, kept so Vane clients see the message they expect. */
const MISSING_AGENT_ID = "Missing or invalid field: agentId is required";

/** An agent of the caller's company by its name, `agt_…` id or DID. */
async function requireAgent(db: Database, principal: Principal, ref: string) {
  const found = await findAgentByRef(db, principal.companyId, ref);
  if (!found) throw notFound(`Agent "${ref}"`);
  return found;
}

const viewOf = (env: Env, agent: AgentRow, realm: RealmRow | null) => agentView(agent, realm, spiffeIdFor(trustDomainOf(env), agent.companyId, agent.name));

export const agentsRouter = createRouter();

agentsRouter
  .openapi(routes.registerAgent, async (c) => {
    const principal = c.var.principal;
    const body = c.req.valid("json");
    if (typeof body.agentId !== "string" || body.agentId === "") throw badRequest("missing_field", MISSING_AGENT_ID);
    if (!AGENT_ID_PATTERN.test(body.agentId)) throw badRequest("invalid_agent_id", `agentId must be ${AGENT_ID_RULE}`);
    const metadata = body.metadata;
    if (
      metadata !== undefined &&
      (typeof metadata !== "object" || metadata === null || Array.isArray(metadata) || JSON.stringify(metadata).length > 16 * 1024)
    ) {
      throw badRequest("invalid_request", "metadata must be a JSON object of at most 16 KiB");
    }
    const db = c.var.db;
    // The upsert never changes an agent's status: a disabled (or pending, rejected) agent stays so.
    const existing = await findAgentByName(db, principal.companyId, body.agentId);
    // Re-registering answers with the agent's SVID (its identity) and rewrites its metadata: an owner agent never does that to a fellow owner agent.
    if (existing) requireAboveAgent(principal, existing.agent, "re-register");
    if (existing && existing.agent.status !== "active") {
      throw new AppError(403, "agent_not_active", `Agent "${body.agentId}" is ${existing.agent.status}; re-registering does not change that`);
    }
    const now = Date.now();
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
    const [rows] = await commitChange(c, registerAgentChange(db, principal, values));
    const agent = rows[0];
    if (!agent) throw new AppError(500, "internal_error", "Registration did not persist");
    const issued = await issueAgentSvid(actionContextOf(c), { companyId: principal.companyId, agentName: agent.name });
    return c.json({ agentId: agent.name, spiffeId: issued.spiffeId, svid: issued.svid, registeredAt: iso(agent.registeredAt) ?? "" }, 201);
  })
  .openapi(routes.getAgent, async (c) => {
    const principal = c.var.principal;
    const db = c.var.db;
    const { agentId } = c.req.valid("param");
    const { agent, realm } = await requireAgent(db, principal, agentId);
    authorizeSubject(c, agent.id, `Agent "${agentId}"`);
    const vaults = await agentVaults(db, agent.id, principal.companyId);
    return c.json(
      { ...viewOf(c.env, agent, realm), llmSystemPrompt: agent.llmSystemPrompt ?? null, vaults, activeSessions: await activeSessionCount(db, agent.id) },
      200,
    );
  })
  .openapi(routes.getVaultysAgent, async (c) => {
    const principal = c.var.principal;
    const db = c.var.db;
    const { id } = c.req.valid("param");
    const { agent, realm } = await requireAgent(db, principal, id);
    authorizeSubject(c, agent.id, `Agent "${id}"`);
    const vaults = await agentVaults(db, agent.id, principal.companyId);
    const view = vaultysAgentView(agent, realm, spiffeIdFor(trustDomainOf(c.env), agent.companyId, agent.name));
    return c.json({ ...view, llmSystemPrompt: agent.llmSystemPrompt ?? null, publicKey: agent.publicKey ?? null, version: agent.version ?? null, vaults }, 200);
  })
  .openapi(routes.getAgentSvid, async (c) => {
    const principal = c.var.principal;
    const db = c.var.db;
    const { agentId } = c.req.valid("param");
    const { agent } = await requireAgent(db, principal, agentId);
    authorizeSubject(c, agent.id, `Agent "${agentId}"`);
    const audience = c.req.valid("query").audience;
    const issued = await issueAgentSvid(actionContextOf(c), svidRequestFor(agent, audience ? [audience] : undefined));
    return c.json({ agentId: agent.name, spiffeId: issued.spiffeId, svid: issued.svid }, 200);
  })
  .openapi(routes.updateAgent, async (c) => {
    const principal = c.var.principal;
    const { agentId } = c.req.valid("param");
    const { agent } = await requireAgent(c.var.db, principal, agentId);
    const updated = await updateAgent(c, principal, agent, c.req.valid("json"));
    return c.json({ agent: viewOf(c.env, updated.agent, updated.realm) }, 200);
  })
  .openapi(routes.deleteAgent, async (c) => {
    const principal = c.var.principal;
    const db = c.var.db;
    const { agentId } = c.req.valid("param");
    const { agent } = await requireAgent(db, principal, agentId);
    await deleteAgent(c, principal, agent);
    return c.json({ deleted: agent.name }, 200);
  })
  .openapi(routes.rotateAgent, async (c) => {
    const principal = c.var.principal;
    const db = c.var.db;
    const { agentId } = c.req.valid("param");
    const { agent } = await requireAgent(db, principal, agentId);
    const body = c.req.header("content-type")?.includes("json") ? c.req.valid("json") : {};
    const view = await rotateAgentToken(c, agent, body.ttl_seconds ?? INVITE_DEFAULT_TTL_SECONDS);
    return c.json(view, 201);
  });
