/**
 * Moving vault roles (agents' and people's grants): one rule for every route that does it.
 * A role moves only by someone above it, and nobody grants above their own role:
 * - granting at all needs the member role or higher in the vault;
 * - the role granted is at most the granter's own (company owners and API keys rank above admin);
 * - an existing grant is changed or removed only by an admin of the vault (or above) who ranks
 *   above its current role, so re-adding a grantee (POST, open to members) is never a way around
 *   PATCH and DELETE (admin only): a member cannot raise a proxy peer, nor demote an admin, and
 *   admins cannot demote each other.
 */
import type { Database } from "../db/client.ts";
import type { VaultRole } from "../db/schema.ts";
import { AppError, notFound } from "../lib/app-error.ts";
import type { Principal } from "../lib/principal.ts";
import { findVault, vaultRoleOf, type VaultRow } from "./permissions.ts";

const RANK: Record<VaultRole, number> = { proxy: 1, member: 2, admin: 3 };
/** Company owners (people, owner agents) and API keys are admins of every vault, and above them. */
const COMPANY_OWNER_RANK = 4;

export type { GrantChange } from "../vaults/grants.queries.ts";
import type { GrantChange } from "../vaults/grants.queries.ts";

async function granterRank(db: Database, principal: Principal, vault: VaultRow): Promise<number> {
  if (principal.kind === "vault_session") return 0;
  if (principal.companyRole === "owner") return COMPANY_OWNER_RANK;
  const own = await vaultRoleOf(db, principal, vault);
  return own ? RANK[own] : 0;
}

/** Refuses a grant change the caller may not make (403); a grant to the same role needs the right to grant it, nothing more. */
export async function requireGrantChange(db: Database, principal: Principal, vault: VaultRow, change: GrantChange): Promise<void> {
  const rank = await granterRank(db, principal, vault);
  if (rank < RANK.member) throw new AppError(403, "forbidden", `Granting access to vault "${vault.name}" needs the member role or higher there`);
  if (change.next && RANK[change.next] > rank) {
    throw new AppError(403, "grant_exceeds_own_role", `You cannot grant ${change.next} in vault "${vault.name}": it is above your own role`);
  }
  // A company owner ranks above every vault role: no grant can lower them.
  if (change.granteeIsOwner && change.next)
    throw new AppError(409, "grantee_is_owner", `A company owner is admin of every vault already; change their company role instead`);
  if (change.current === change.next) return;
  if (change.current && rank <= RANK[change.current]) {
    throw new AppError(
      403,
      "role_above_granter",
      `Only someone above ${change.current} in vault "${vault.name}" can change or remove a ${change.current} grant`,
    );
  }
  if (change.current && rank < RANK.admin) {
    throw new AppError(403, "forbidden", `Changing an existing ${change.current} grant needs the admin role in vault "${vault.name}"`);
  }
}

/** A new grant in a vault named by the caller (invites' vault pre-assignments). */
export async function requireGrantable(db: Database, principal: Principal, vaultName: string, role: VaultRole): Promise<VaultRow> {
  const vault = await findVault(db, principal.companyId, vaultName);
  if (!vault) throw notFound(`Vault "${vaultName}"`);
  await requireGrantChange(db, principal, vault, { current: undefined, next: role });
  return vault;
}
