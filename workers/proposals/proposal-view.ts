import type { ServiceAuth } from "../db/schema.ts";

/** A proposal as agents and reviewers see it (Agent Vault's shape). Never holds a credential value. */
export type ProposalStatus = "pending" | "applied" | "rejected" | "expired";

export type ProposalServiceView = {
  action: "set" | "delete";
  name: string;
  host?: string;
  upstream?: string;
  description?: string;
  auth?: ServiceAuth;
  /** The service of this name as it is now, which approving replaces (or removes). */
  replaces?: { host: string; upstream?: string; auth_type: string };
  /** Stored credentials this service would send somewhere they are not sent today, and where they go now. */
  exposes?: { key: string; sent_to: string[] }[];
};

export type ProposalSlotView = {
  action: "set" | "delete";
  key: string;
  description?: string;
  obtain?: string;
  obtain_instructions?: string;
  /** True when the agent supplied the value itself (it is stored sealed, never shown). */
  has_value: boolean;
  /** True when the vault already holds a value under this key, which approving overwrites. */
  replaces_existing?: boolean;
};

export type ProposalView = {
  id: string;
  status: ProposalStatus;
  vault: string;
  services: ProposalServiceView[];
  credentials: ProposalSlotView[];
  message: string;
  user_message: string | null;
  review_note: string | null;
  reviewed_at: string | null;
  created_at: string;
  expires_at: string;
};

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

export const PROPOSAL_EVENTS = ["proposal.created", "proposal.applied", "proposal.rejected", "proposal.expired"] as const;
export type ProposalEvent = (typeof PROPOSAL_EVENTS)[number];

export const eventForStatus = (status: ProposalStatus): ProposalEvent =>
  status === "pending" ? "proposal.created" : (`proposal.${status}` as ProposalEvent);
