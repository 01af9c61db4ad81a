/** Proposal rows ↔ views, and the record a proposal's Durable Object keeps. */
import type { proposals } from "../db/schema.ts";
import { iso } from "../lib/openapi.ts";
import type { PrincipalRef } from "./proposals.contract.ts";
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
    raised_by: raisedByOf(row),
    ...(row.destinationsDigest ? { destinations_digest: row.destinationsDigest } : {}),
  };
}

const ROOT_KINDS: readonly string[] = ["agent", "user", "company_key"] satisfies PrincipalRef["kind"][];

/**
 * Who raised it, as named when it was raised. A row older than that record shows the ids it kept;
 * one without a known root is shown as an agent's, the stricter reading.
 */
export function raisedByOf(row: ProposalRow): PrincipalRef {
  if (row.raisedBy) return row.raisedBy;
  const root = raisedByRootOf(row);
  const kind = ROOT_KINDS.includes(root.type) ? (root.type as PrincipalRef["kind"]) : "agent";
  const via = row.raisedByType === "vault_session" ? { via: { kind: "vault_session" as const, id: row.raisedById, label: "" } } : {};
  return { kind, id: root.id, name: root.id, ...via };
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
