/**
 * Rotating an agent's token (POST /v1/agents/{agentId}/rotate), for the API and the console
 * alike: only an active agent gets a rotation invite, whose redemption ends the old token.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { issueAgentInvite } from "../invites/issue-invite.ts";
import { forbidden } from "../lib/app-error.ts";
import { requireAboveAgent } from "./agent-authority.ts";
import type { AgentRow } from "./agents.queries.ts";

/** A disabled (pending, rejected) agent gets no new token: enable it first (403). */
export function requireRotatable(agent: Pick<AgentRow, "name" | "status">): void {
  if (agent.status !== "active") throw forbidden(`Agent "${agent.name}" is ${agent.status}; activate it before rotating`);
}

/** The rotation invite for `agent`, after `requireRotatable`. */
export function rotateAgentToken(c: Context<AppEnv>, agent: AgentRow, ttlSeconds: number) {
  requireAboveAgent(c.var.principal, agent, "rotate");
  requireRotatable(agent);
  return issueAgentInvite(c, { kind: "rotation", name: agent.name, agentId: agent.id, role: agent.role, grants: null, ttlSeconds });
}
