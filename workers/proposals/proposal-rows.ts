/** Proposal rows ↔ views, and reaching a proposal's Durable Object. */
import type { proposals } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { iso } from "../lib/openapi.ts";
import type { ProposalRecord, ProposalServiceView, ProposalSlotView, ProposalView } from "./proposal-view.ts";

export type ProposalRow = typeof proposals.$inferSelect;

export function proposalView(row: ProposalRow, vaultName: string): ProposalView {
  return {
    id: row.id,
    status: row.status,
    vault: vaultName,
    services: row.services as ProposalServiceView[],
    credentials: row.credentials as ProposalSlotView[],
    message: row.message,
    user_message: row.userMessage ?? null,
    review_note: row.reviewNote ?? null,
    reviewed_at: iso(row.reviewedAt),
    created_at: iso(row.createdAt) ?? "",
    expires_at: iso(row.expiresAt) ?? "",
  };
}

export function proposalRecord(row: ProposalRow, vaultName: string): ProposalRecord {
  return {
    view: proposalView(row, vaultName),
    companyId: row.companyId,
    vaultId: row.vaultId,
    raisedBy: { type: row.raisedByType, id: row.raisedById },
    raisedByRoot: raisedByRootOf(row),
    expiresAt: row.expiresAt,
  };
}

/** The principal behind whoever raised it: a session's minter, else the raiser itself. */
export function raisedByRootOf(row: ProposalRow): { type: string; id: string } {
  return { type: row.raisedByRootType ?? row.raisedByType, id: row.raisedByRootId ?? row.raisedById };
}

export function proposalWatch(env: Env, proposalId: string) {
  return env.PROPOSAL_WATCH.getByName(`proposal:${proposalId}`);
}
