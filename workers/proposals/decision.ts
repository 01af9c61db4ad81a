/**
 * Reaching a decision, shared by the API and the approval page: who may decide this proposal
 * (the table's cell for the vault, then decide.ts's rules), and what happens once D1 holds the
 * decision (waiters woken, webhooks sent, this isolate's vault config refreshed).
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { authorizeVault } from "../auth/gate.ts";
import { AppError, notFound } from "../lib/app-error.ts";
import { digestsEqual, sha256Hex } from "../lib/tokens.ts";
import { commitChange } from "../effects.ts";
import { requireDecider, type Commit, type Decision } from "./decide.ts";
import { proposalView, proposalWatch, type ProposalRow } from "./proposal-rows.ts";
import type { ProposalView } from "./proposal-view.ts";
import { findProposal } from "./proposals.queries.ts";
import { reviewView } from "./review-view.ts";

/**
 * The proposal, if the caller may decide it: the permission table has already admitted only
 * signed-in people; here the vault role (the table's cell) and the decision rules of
 * proposals/decide.ts, judged on the proposal as the vault stands now (`review`, which the
 * approval page renders). A token, when sent, must be this proposal's own approval token.
 */
export async function decidable(c: Context<AppEnv>, id: string, token: string | undefined): Promise<Decision & { vaultName: string; review: ProposalView }> {
  const principal = c.var.principal;
  if (principal.kind !== "user") throw new AppError(403, "human_required", "Proposals are decided by a signed-in human, not by agents, sessions or API keys");
  const found = await findProposal(c.var.db, principal.companyId, id);
  if (!found) throw notFound("Proposal");
  const { role } = await authorizeVault(c, found.vaultName);
  const decider = { principal, role };
  const review = await reviewView(c.var.db, found.row, found.vaultName);
  requireDecider(decider, found.row, review);
  if (token !== undefined && !digestsEqual(found.row.approvalTokenHash, await sha256Hex(token))) {
    throw new AppError(403, "approval_token_mismatch", "This approval link belongs to another proposal");
  }
  return { ...found, decider, review };
}

/** Commits a decision's change for this request (its invalidations included). */
export const commitFor =
  (c: Context<AppEnv>): Commit =>
  (done) =>
    commitChange(c, done);

/** After D1 holds the decision: wake waiters and notify webhooks. */
export async function settled(c: Context<AppEnv>, row: ProposalRow, vaultName: string) {
  const view = proposalView(row, vaultName);
  await proposalWatch(c.env, row.id).settle(view);
  return view;
}
