/**
 * What POST /v1/agents/invites checks before an agent invite is issued, for the API and the
 * console alike: only an owner invites an owner agent, the name is free (no agent, no pending
 * invite), and every vault grant is one the inviter may give (never above its own role).
 */
import { findAgentByName } from "../agents/agents.queries.ts";
import { requireGrantable } from "../auth/grants.ts";
import type { Database } from "../db/client.ts";
import type { VaultRole } from "../db/schema.ts";
import { conflict, forbidden } from "../lib/app-error.ts";
import type { Principal } from "../lib/principal.ts";
import { pendingAgentInviteExists } from "./invites.queries.ts";

export type AgentInviteRequest = { name: string; role: "owner" | "member"; vaults: { vault: string; role: VaultRole }[] };
export type CheckedGrant = { vaultId: string; vault: string; role: VaultRole };

/** The grants the invite will carry; throws the API's refusal otherwise. */
export async function checkAgentInvite(db: Database, principal: Principal, request: AgentInviteRequest): Promise<CheckedGrant[]> {
  if (request.role === "owner" && principal.companyRole !== "owner") throw forbidden("Only company owners can invite owner agents");
  if (await findAgentByName(db, principal.companyId, request.name)) throw conflict("agent_exists", `An agent named "${request.name}" already exists`);
  if (await pendingAgentInviteExists(db, principal.companyId, request.name, Date.now()))
    throw conflict("invite_pending", `An invite for "${request.name}" is already pending; revoke it first`);
  const grants: CheckedGrant[] = [];
  for (const grant of request.vaults) {
    const vault = await requireGrantable(db, principal, grant.vault, grant.role);
    grants.push({ vaultId: vault.id, vault: vault.name, role: grant.role });
  }
  return grants;
}
