/**
 * Proposals' actions (one file each under actions/): raising one, reading them, deciding one.
 * The API (proposals.handlers.ts), the approval page and the inbox (console/console.handlers.ts) call
 * these and nothing else of the feature.
 */
export { approve, approveProposal, type Decision, decidable, reject, rejectProposal, requireDecider } from "./actions/decide.actions.ts";
export { raiseProposal } from "./actions/raise.actions.ts";
export { getProposal, type InboxEntry, listProposals, pendingForReview } from "./actions/read.actions.ts";
