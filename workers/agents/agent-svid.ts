/**
 * Which agents get a JWT-SVID, for GET /v1/agents/{agentId}/svid and the console's agent page
 * alike: only an active one. What the SVID says is identity's (identity/svid.ts `agentSvidClaims`).
 */
import type { IssueSvidOptions } from "../identity/svid.ts";
import { AppError } from "../lib/app-error.ts";
import type { AgentRow } from "./agents.queries.ts";

/** The SVID request for `agent`; a disabled, pending or rejected agent is a 403 `agent_not_active`. */
export function svidRequestFor(agent: Pick<AgentRow, "companyId" | "name" | "status">, audience?: string[]): IssueSvidOptions {
  if (agent.status !== "active") throw new AppError(403, "agent_not_active", `Agent "${agent.name}" is ${agent.status}`);
  return { companyId: agent.companyId, agentName: agent.name, ...(audience ? { audience } : {}) };
}
