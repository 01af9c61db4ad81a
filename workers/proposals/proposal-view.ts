/**
 * A proposal as agents and reviewers see it (Agent Vault's shape). Never holds a credential value.
 * The shapes are proposals.contract.ts's schemas; these are their types.
 */
import type { z } from "zod";
import type { CredentialSlotView, ProposalDetails, ProposedServiceView } from "./proposals.contract.ts";

export { PROPOSAL_EVENTS, type ProposalEvent, type ProposalStatus } from "./proposals.contract.ts";
import type { ProposalEvent, ProposalStatus } from "./proposals.contract.ts";

export type ProposalServiceView = z.output<typeof ProposedServiceView>;
export type ProposalSlotView = z.output<typeof CredentialSlotView>;
export type ProposalView = z.output<typeof ProposalDetails>;

/** Who raised it and where: what the proposal's Durable Object keeps beside the view. */
export type ProposalRecord = {
  view: ProposalView;
  companyId: string;
  vaultId: string;
  raisedBy: { type: string; id: string };
  /** The principal behind the raiser (a session's minter): it may read, never decide. */
  raisedByRoot: { type: string; id: string };
  expiresAt: number;
};

export const eventForStatus = (status: ProposalStatus): ProposalEvent => (status === "pending" ? "proposal.created" : (`proposal.${status}` as ProposalEvent));
