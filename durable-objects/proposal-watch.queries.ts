/**
 * A ProposalWatch's D1 reads and its one write: the vault's webhooks an event goes to, and a
 * pending proposal's expiry.
 */
import { and, eq } from "drizzle-orm";
import type { Database } from "../workers/db/client.ts";
import { proposals, webhooks } from "../workers/db/schema.ts";

/** The vault's webhooks and the events each subscribes to. */
export async function webhooksOfVault(db: Database, companyId: string, vaultId: string) {
  return db
    .select({ id: webhooks.id, events: webhooks.events })
    .from(webhooks)
    .where(and(eq(webhooks.companyId, companyId), eq(webhooks.vaultId, vaultId)))
    .all();
}

/**
 * Marks a proposal expired if it is still pending; false when someone decided it first. Not a
 * `Change` through `commit`: nobody acts, so there is no actor to audit, and an expired proposal
 * ends no delegation (docs/architecture.md lists the writes that skip `commit`).
 */
export async function expirePendingProposal(db: Database, proposalId: string): Promise<boolean> {
  const expired = await db
    .update(proposals)
    .set({ status: "expired" })
    .where(and(eq(proposals.id, proposalId), eq(proposals.status, "pending")))
    .returning({ id: proposals.id });
  return expired.length > 0;
}
