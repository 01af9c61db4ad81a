/**
 * What the Worker may ask a ProposalWatch (durable-objects/proposal-watch.ts implements it): `Env`
 * types its namespace with this interface, not the class, so the Worker's modules and the
 * Durable Objects' never import each other in a circle.
 */
import type { ProposalRecord, ProposalView } from "../workers/proposals/proposal-view.ts";

/** One per proposal: its public record, its long-polls, its expiry and its webhook deliveries. */
export interface ProposalWatchRpc extends Rpc.DurableObjectBranded {
  /** Stores a new proposal's record, arms its expiry and announces it. */
  open(record: ProposalRecord, approvalUrl: string): Promise<void>;
  /** The stored record, or null when this object never heard of the proposal. */
  read(): Promise<ProposalRecord | null>;
  /** Resolves with the view as soon as it is no longer pending, or after `timeoutMs`. */
  wait(timeoutMs: number): Promise<ProposalView | null>;
  /** Records a decision already written to D1, wakes the waiters and notifies webhooks. */
  settle(view: ProposalView): Promise<void>;
}
