/**
 * Who may act on an owner agent. An owner agent manages member agents (seed 002) and itself, but
 * never a fellow owner agent: rotating one would hand it the other's identity (the rotation
 * invite is a new token for that agent), and disabling, deleting or re-configuring one is moving
 * a peer, which only someone above both may do — a person who owns the company, or an API key.
 * Vault roles follow the same rule (auth/grants.ts: fellow admins cannot move each other).
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { commitChange } from "../effects.ts";
import { forbidden } from "../lib/app-error.ts";
import type { Principal } from "../lib/principal.ts";
import { type AgentRow, deleteAgentChange } from "./agents.queries.ts";

/** Refuses (403 `role_above_granter`) an agent acting on another owner agent; everyone else passes to the table's own rule. */
export function requireAboveAgent(principal: Principal, agent: Pick<AgentRow, "id" | "name" | "role">, action: string): void {
  if (principal.kind !== "agent" || principal.id === agent.id || agent.role !== "owner") return;
  throw forbidden(`Only a person who owns the company, or an API key, may ${action} owner agent "${agent.name}"`, "role_above_granter");
}

/**
 * Deletes `agent` (of the caller's company) after `requireAboveAgent`, for the API and the console:
 * its tokens, grants and sessions go with it (the change's invalidation reaches its gate).
 */
export async function deleteAgent(c: Context<AppEnv>, principal: Principal, agent: AgentRow): Promise<void> {
  requireAboveAgent(principal, agent, "delete");
  await commitChange(c, deleteAgentChange(c.var.db, principal, agent, Date.now()));
}
