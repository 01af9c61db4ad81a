/**
 * An invite is a delegation: it grants what its creator could grant, later. It is honoured only
 * while its creator still could create it — still exists, is active, and holds the roles it
 * grants — so deleting, revoking or demoting someone also voids the invites they left behind
 * (the same rule as vault sessions: delegation never outlives its source). What else a kind of
 * invite needs of its creator is its feature's: a rotation invite's agent is checked by the
 * invites' redeem action (invites.actions.ts) with the creator this returns.
 */
import { currentPrincipal } from "../db/principals.queries.ts";
import type { Database } from "../db/client.ts";
import type { invites } from "../db/schema.ts";
import { AppError } from "../lib/app-error.ts";
import type { Principal } from "../lib/principal.ts";
import { columnOf, ruleOf } from "./gate.ts";
import { requireGrantChange } from "./grants.ts";
import { findVaultById } from "./permissions.ts";

type InviteRow = typeof invites.$inferSelect;

/** The operation that creates each kind of invite: its creator must still be allowed it. */
const CREATED_BY: Record<InviteRow["kind"], string> = {
  agent: "POST /v1/agents/invites",
  rotation: "POST /v1/agents/{agentId}/rotate",
  user: "POST /v1/users",
};

/** The refusal of an invite its creator no longer backs (410 `invite_revoked`). */
export const inviteUnbacked = () => new AppError(410, "invite_revoked", "Whoever created this invite can no longer grant what it grants; ask for a new one");

/** The invite's creator as it is now, once it is shown still to back the invite; else `inviteUnbacked`. */
export async function requireInviteBacked(db: Database, invite: InviteRow): Promise<Principal> {
  const creator = invite.createdBy ? await currentPrincipal(db, invite.companyId, invite.createdBy) : undefined;
  if (!creator) throw inviteUnbacked();
  const rule = ruleOf(CREATED_BY[invite.kind]);
  if (rule.access !== "principal" || rule.cells[columnOf(creator)] === "deny") throw inviteUnbacked();
  // An owner agent or person is made only by an owner (or an API key).
  if (invite.role === "owner" && creator.companyRole !== "owner") throw inviteUnbacked();
  for (const grant of invite.vaultGrants ?? []) {
    const vault = await findVaultById(db, invite.companyId, grant.vaultId);
    if (!vault) continue; // a deleted vault's grant is skipped when the agent is created
    try {
      await requireGrantChange(db, creator, vault, { current: undefined, next: grant.role });
    } catch {
      throw inviteUnbacked();
    }
  }
  return creator;
}
