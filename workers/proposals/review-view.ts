/**
 * A proposal as a reviewer must see it: marked against the vault as it stands *now* (the marks
 * stored at raise time may be stale by the time a person looks), so the approval page never
 * says "Allow" for what is really a replacement or a credential sent somewhere new, and names
 * where each value goes and who chose it — for what the proposal itself sets, its raiser with
 * the role it holds in the vault now, which approving now would record. The view carries the
 * digest of those destinations, which an approval sends back (proposals/actions/decide.actions.ts
 * refuses it once they changed).
 */
import { vaultRoleOf } from "../auth/permissions.ts";
import type { Database } from "../db/client.ts";
import { currentPrincipal } from "../db/principals.queries.ts";
import type { VaultRole } from "../db/schema.ts";
import { destinationsDigest } from "./destinations-digest.ts";
import { type CurrentService, withImpact } from "./impact.ts";
import { proposalView, raisedByOf, type ProposalRow } from "./proposal-rows.ts";
import type { ProposalServiceView, ProposalSlotView, ProposalView } from "./proposal-view.ts";
import { vaultAsItIs } from "./proposals.queries.ts";

type VaultNow = { current: CurrentService[]; stored: Set<string> };

/**
 * The raiser's role in the proposal's vault now: the standing approving now records for the
 * destinations the proposal sets (their chooser is the raiser). A session acts as proxy; a raiser
 * that is gone (deleted, disabled, revoked) or holds no role has none.
 */
export async function raiserRoleNow(db: Database, row: ProposalRow): Promise<VaultRole | null> {
  if (row.raisedByType === "vault_session") return "proxy";
  const raiser = await currentPrincipal(db, row.companyId, row.raisedById);
  return (raiser && (await vaultRoleOf(db, raiser, { id: row.vaultId }))) ?? null;
}

/** The row's services and slots marked against `vault` as it is now. */
function markedNow(row: ProposalRow, vault: VaultNow, raiserRole: VaultRole | null) {
  const asked = { services: row.services as ProposalServiceView[], slots: row.credentials as ProposalSlotView[], raisedBy: raisedByOf(row), raiserRole };
  return withImpact(asked, vault.current, vault.stored);
}

async function viewNow(row: ProposalRow, vaultName: string, vault: VaultNow, raiserRole: VaultRole | null): Promise<ProposalView> {
  const view = proposalView(row, vaultName);
  if (row.status !== "pending") return view;
  const marked = markedNow(row, vault, raiserRole);
  const now = { ...view, services: marked.services, credentials: marked.slots };
  return { ...now, destinations_digest: await destinationsDigest(now) };
}

/**
 * One proposal for its reviewer; a decided one as it was decided. `raiserRole`, when the caller
 * has read it already (a decision records the same), else read here.
 */
export async function reviewView(db: Database, row: ProposalRow, vaultName: string, raiserRole?: VaultRole | null): Promise<ProposalView> {
  if (row.status !== "pending") return proposalView(row, vaultName);
  const [vault, role] = await Promise.all([vaultAsItIs(db, row.companyId, row.vaultId), raiserRole === undefined ? raiserRoleNow(db, row) : raiserRole]);
  return viewNow(row, vaultName, vault, role);
}

/** Several proposals for a reviewer (the inbox): each vault, and each raiser's role in it, read once. */
export async function reviewViews(db: Database, rows: readonly ProposalRow[], vaultNames: ReadonlyMap<string, string>): Promise<ProposalView[]> {
  const vaults = new Map<string, Promise<VaultNow>>();
  const roles = new Map<string, Promise<VaultRole | null>>();
  const once = <T>(cache: Map<string, Promise<T>>, key: string, read: () => Promise<T>) => {
    const known = cache.get(key) ?? read();
    cache.set(key, known);
    return known;
  };
  return Promise.all(
    rows.map(async (row) => {
      const vault = once(vaults, row.vaultId, () => vaultAsItIs(db, row.companyId, row.vaultId));
      const role = once(roles, `${row.vaultId}/${row.raisedByType}/${row.raisedById}`, () => raiserRoleNow(db, row));
      return viewNow(row, vaultNames.get(row.vaultId) ?? "", await vault, await role);
    }),
  );
}
