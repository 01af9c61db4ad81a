/**
 * A proposal as a reviewer must see it: marked against the vault as it stands *now* (the marks
 * stored at raise time may be stale by the time a person looks), so the approval page never
 * says "Allow" for what is really a replacement or a credential sent somewhere new.
 */
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { credentials } from "../db/schema.ts";
import { listVaultServices } from "../services/services.queries.ts";
import type { ProposalServiceView, ProposalSlotView, ProposalView } from "./proposal-view.ts";
import { withImpact } from "./impact.ts";
import { proposalView, type ProposalRow } from "./proposal-rows.ts";

export async function reviewView(db: Database, row: ProposalRow, vaultName: string): Promise<ProposalView> {
  const view = proposalView(row, vaultName);
  if (row.status !== "pending") return view;
  const [current, keys] = await Promise.all([
    listVaultServices(db, row.companyId, row.vaultId),
    db
      .select({ key: credentials.key })
      .from(credentials)
      .where(and(eq(credentials.companyId, row.companyId), eq(credentials.vaultId, row.vaultId)))
      .all(),
  ]);
  const impact = withImpact(row.services as ProposalServiceView[], row.credentials as ProposalSlotView[], current, new Set(keys.map((k) => k.key)));
  return { ...view, services: impact.services, credentials: impact.slots };
}
