/**
 * Reading proposals: one (by its raiser, with a long-poll that costs no D1 read, or by a reviewer
 * as the vault stands now), a vault's list, and a reviewer's inbox of pending ones.
 */
import type { ActionContext } from "../../action-context.ts";
import { findVaultById, requireVaultRole, vaultRoleOf } from "../../auth/permissions.ts";
import { authorizeSelectedVault } from "../../auth/vault-access.ts";
import type { VaultRole } from "../../db/schema.ts";
import { AppError, notFound } from "../../lib/app-error.ts";
import type { ErrorCode } from "../../lib/error-codes.ts";
import { roleAtLeast, type Principal } from "../../lib/principal.ts";
import { listCompanyVaults } from "../../vaults/vaults.queries.ts";
import { proposalView } from "../proposal-rows.ts";
import type { ProposalRecord, ProposalStatus, ProposalView } from "../proposal-view.ts";
import { findProposal, listProposals as proposalsOf, pendingProposals } from "../proposals.queries.ts";
import { reviewView, reviewViews } from "../review-view.ts";
import { requireDecider } from "./decide.actions.ts";

const isRaiser = (record: Pick<ProposalRecord, "raisedBy">, principal: Principal) =>
  record.raisedBy.type === principal.kind && record.raisedBy.id === principal.id;

/** Someone other than the raiser reads a proposal: member or higher in its vault. */
async function requireReader(ctx: ActionContext, record: ProposalRecord): Promise<void> {
  const vault = await findVaultById(ctx.db, record.companyId, record.vaultId);
  if (!vault) throw notFound("Proposal");
  try {
    await requireVaultRole(ctx.db, ctx.principal, vault.name, "member");
  } catch {
    throw notFound("Proposal"); // a proxy-role actor does not learn that someone else's proposal exists
  }
}

/** A pending proposal marked against its vault as it is now (review-view.ts). */
async function reviewOf(ctx: ActionContext, id: string): Promise<ProposalView> {
  const found = await findProposal(ctx.db, ctx.principal.companyId, id);
  if (!found) throw notFound("Proposal");
  return reviewView(ctx.db, found.row, found.vaultName);
}

/**
 * One proposal. Its raiser reads it while keeping a role in the vault, from its Durable Object
 * (no D1 read for an agent or a session), and may wait up to `waitSeconds` for a decision; anyone
 * else needs member in the vault and reads a pending one as the vault stands now, with the digest
 * an approval sends back.
 */
export async function getProposal(ctx: ActionContext, id: string, waitSeconds: number | undefined): Promise<ProposalView> {
  const principal = ctx.principal;
  const watch = ctx.edge.proposalWatch(id);
  const record = await watch.read();
  if (!record || record.companyId !== principal.companyId) throw notFound("Proposal");
  const raiser = isRaiser(record, principal);
  if (!raiser) await requireReader(ctx, record);
  else if (!(await vaultRoleOf(ctx.db, principal, { id: record.vaultId }))) throw notFound("Proposal");
  const view = waitSeconds && record.view.status === "pending" ? ((await watch.wait(waitSeconds * 1000)) ?? record.view) : record.view;
  if (!raiser && view.status === "pending") return reviewOf(ctx, id);
  return view;
}

/** A vault's proposals, newest first; proxy-role callers (agents, sessions) see only what they raised themselves. */
export async function listProposals(
  ctx: ActionContext,
  vaultName: string | undefined,
  query: { status?: ProposalStatus; limit: number },
): Promise<{ proposals: ProposalView[] }> {
  const principal = ctx.principal;
  const { vault, role } = await authorizeSelectedVault(ctx, vaultName);
  const raisedBy = role === "proxy" ? { type: principal.kind, id: principal.id } : undefined;
  const rows = await proposalsOf(ctx.db, vault, { status: query.status, limit: query.limit, raisedBy });
  return { proposals: rows.map((r) => proposalView(r, vault.name)) };
}

/**
 * A pending proposal in a reviewer's inbox, and why this reviewer may not decide it (`requireDecider`'s
 * refusal: `admin_required`, `own_proposal`); none when they may.
 */
export type InboxEntry = { view: ProposalView; refusal?: { code: ErrorCode; message: string } };

/**
 * The inbox: pending proposals of every vault where the caller is member or higher, newest first,
 * at most `limit`, each marked as its vault stands now (where every value asked for would go, and
 * who chose it), and each one the caller may not decide (it needs a vault admin, or they raised
 * it) with the reason, judged by the same `requireDecider` a decision is.
 */
export async function pendingForReview(ctx: ActionContext, limit: number): Promise<InboxEntry[]> {
  const { db, principal } = ctx;
  const names = new Map<string, string>();
  const roles = new Map<string, VaultRole>();
  for (const vault of await listCompanyVaults(db, principal.companyId)) {
    const role = await vaultRoleOf(db, principal, vault);
    if (!role || !roleAtLeast(role, "member")) continue;
    names.set(vault.id, vault.name);
    roles.set(vault.id, role);
  }
  const rows = await pendingProposals(db, principal.companyId, [...names.keys()], limit);
  const views = await reviewViews(db, rows, names);
  return rows.map((row, i) => {
    const view = views[i] as ProposalView;
    try {
      requireDecider({ principal, role: roles.get(row.vaultId) ?? "member" }, row, view);
      return { view };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return { view, refusal: { code: error.code, message: error.message } };
    }
  });
}
