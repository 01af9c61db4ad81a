/**
 * A proposal as a reviewer must see it: marked against the vault as it stands *now* (the marks
 * stored at raise time may be stale by the time a person looks), so the approval page never
 * says "Allow" for what is really a replacement or a credential sent somewhere new, and names
 * where each value goes. The view carries the digest of those destinations, which an approval
 * sends back (proposals/actions/decide.actions.ts refuses it once they changed).
 */
import type { Database } from "../db/client.ts";
import { destinationsDigest } from "./destinations-digest.ts";
import { type CurrentService, withImpact } from "./impact.ts";
import { proposalView, raisedByOf, type ProposalRow } from "./proposal-rows.ts";
import type { ProposalServiceView, ProposalSlotView, ProposalView } from "./proposal-view.ts";
import { vaultAsItIs } from "./proposals.queries.ts";

type VaultNow = { current: CurrentService[]; stored: Set<string> };

/** The row's services and slots marked against `vault` as it is now. */
function markedNow(row: ProposalRow, vault: VaultNow) {
  const asked = { services: row.services as ProposalServiceView[], slots: row.credentials as ProposalSlotView[], raisedBy: raisedByOf(row) };
  return withImpact(asked, vault.current, vault.stored);
}

async function viewNow(row: ProposalRow, vaultName: string, vault: VaultNow): Promise<ProposalView> {
  const view = proposalView(row, vaultName);
  if (row.status !== "pending") return view;
  const marked = markedNow(row, vault);
  const now = { ...view, services: marked.services, credentials: marked.slots };
  return { ...now, destinations_digest: await destinationsDigest(now) };
}

/** One proposal for its reviewer; a decided one as it was decided. */
export async function reviewView(db: Database, row: ProposalRow, vaultName: string): Promise<ProposalView> {
  if (row.status !== "pending") return proposalView(row, vaultName);
  return viewNow(row, vaultName, await vaultAsItIs(db, row.companyId, row.vaultId));
}

/** Several proposals for a reviewer (the inbox): each vault read once. */
export async function reviewViews(db: Database, rows: readonly ProposalRow[], vaultNames: ReadonlyMap<string, string>): Promise<ProposalView[]> {
  const vaults = new Map<string, Promise<VaultNow>>();
  const vaultOf = (row: ProposalRow) => {
    const known = vaults.get(row.vaultId) ?? vaultAsItIs(db, row.companyId, row.vaultId);
    vaults.set(row.vaultId, known);
    return known;
  };
  return Promise.all(rows.map(async (row) => viewNow(row, vaultNames.get(row.vaultId) ?? "", await vaultOf(row))));
}
