/**
 * What may be done to an agent, beyond the permission table's row. An owner agent manages member
 * agents (seed 002) and itself, but never a fellow owner agent: rotating one would hand it the
 * other's identity (the rotation invite is a new token for that agent), and disabling, deleting or
 * re-configuring one is moving a peer, which only someone above both may do — a person who owns
 * the company, or an API key. Vault roles follow the same rule (auth/grants.ts: fellow admins
 * cannot move each other). And only an active agent gets a new token.
 *
 * Rules, not actions: the agents' actions apply them, and so does redeeming a rotation invite
 * (invites.actions.ts: an invite is honoured only while its creator could still rotate).
 */
import { forbidden } from "../lib/app-error.ts";
import type { Principal } from "../lib/principal.ts";
import type { AgentRow } from "./agents.queries.ts";

/** Refuses (403 `role_above_granter`) an agent acting on another owner agent; everyone else passes to the table's own rule. */
export function requireAboveAgent(principal: Principal, agent: Pick<AgentRow, "id" | "name" | "role">, action: string): void {
  if (principal.kind !== "agent" || principal.id === agent.id || agent.role !== "owner") return;
  throw forbidden(`Only a person who owns the company, or an API key, may ${action} owner agent "${agent.name}"`, "role_above_granter");
}

/** A disabled (pending, rejected) agent gets no new token: enable it first (403). */
export function requireRotatable(agent: Pick<AgentRow, "name" | "status">): void {
  if (agent.status !== "active") throw forbidden(`Agent "${agent.name}" is ${agent.status}; activate it before rotating`);
}
