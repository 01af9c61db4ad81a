/** Proposals: raise, read (with long-poll), list, approve, reject. */
import { PROPOSAL_TTL_MS } from "./proposals.contract.ts";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { authorizeSelectedVault } from "../auth/gate.ts";
import { findVaultById, requireVaultRole, vaultRoleOf } from "../auth/permissions.ts";
import { minterFor } from "../auth/token-signer.ts";
import { isGuardFailure } from "../db/audit.ts";
import { commitChange } from "../effects.ts";
import { publicOriginOf } from "../config.ts";
import { notFound } from "../lib/app-error.ts";
import { rootOf, type Principal } from "../lib/principal.ts";
import type { ProposalRecord } from "./proposal-view.ts";
import { createRouter } from "../router.ts";
import { newId } from "../lib/tokens.ts";
import { approve, reject } from "./decide.ts";
import { commitFor, decidable, settled } from "./decision.ts";
import { findProposal, listProposals, pendingCapRefusal, raiseChange } from "./proposals.queries.ts";
import { principalRefOf } from "../db/principals.queries.ts";
import { destinationsDigest } from "./destinations-digest.ts";
import { reviewView } from "./review-view.ts";
import { proposalRecord, proposalView, proposalWatch, type ProposalRow } from "./proposal-rows.ts";
import { checkProposal, sealProposalValues } from "./raise.ts";
import * as routes from "./proposals.routes.ts";

export const proposalsRouter = createRouter();

const isRaiser = (record: Pick<ProposalRecord, "raisedBy">, principal: Principal) =>
  record.raisedBy.type === principal.kind && record.raisedBy.id === principal.id;

proposalsRouter
  .openapi(routes.raiseProposal, async (c) => {
    const principal = c.var.principal;
    const body = c.req.valid("json");
    const db = c.var.db;
    const { vault } = await authorizeSelectedVault(c, body.vault);
    // Named by the edge, never by the caller: a session is its minter, its label only quoted beside.
    const raisedBy = await principalRefOf(db, principal);
    const checked = await checkProposal(db, c.env, vault, body, raisedBy);
    const id = newId("prp");
    const approval = await minterFor(c.env)("approval");
    const root = rootOf(principal);
    const now = Date.now();
    const row: ProposalRow = {
      id,
      companyId: principal.companyId,
      vaultId: vault.id,
      status: "pending",
      services: checked.services,
      credentials: checked.slots,
      sealedValues: await sealProposalValues(db, c.env, principal.companyId, id, checked.values),
      message: body.message,
      userMessage: body.user_message ?? null,
      reviewNote: null,
      raisedByType: principal.kind,
      raisedById: principal.id,
      raisedByRootType: root.type,
      raisedByRootId: root.id,
      raisedBy,
      // Where values go as raised: what the raiser, the list and the webhooks show, and what an approval without a digest binds to.
      destinationsDigest: await destinationsDigest({ services: checked.services, credentials: checked.slots }),
      approvalTokenHash: approval.hash,
      createdAt: now,
      expiresAt: now + PROPOSAL_TTL_MS,
      reviewedAt: null,
      reviewedBy: null,
    };
    await commitChange(c, raiseChange(db, principal, row, vault.name)).catch(async (error: unknown) => {
      throw isGuardFailure(error) ? await pendingCapRefusal(db, vault, root) : error;
    });
    const approvalUrl = `${publicOriginOf(c.env)}/approve/${id}?token=${approval.token}`;
    await proposalWatch(c.env, id).open(proposalRecord(row, vault.name), approvalUrl);
    return c.json(
      {
        id,
        status: "pending" as const,
        vault: vault.name,
        approval_url: approvalUrl,
        message: "Proposal raised. Show the user the approval_url; poll GET /v1/proposals/{id} (or add ?wait=30) until it leaves pending.",
      },
      201,
    );
  })
  .openapi(routes.getProposal, async (c) => {
    const principal = c.var.principal;
    const { id } = c.req.valid("param");
    const { wait } = c.req.valid("query");
    const watch = proposalWatch(c.env, id);
    // The Durable Object keeps the record: a poll by the raiser costs no D1 read.
    const record = await watch.read();
    if (!record || record.companyId !== principal.companyId) throw notFound("Proposal");
    // The raiser reads its own while it keeps a role in the vault (for an agent or a session, known without D1).
    const raiser = isRaiser(record, principal);
    if (!raiser) await requireReader(c, record);
    else if (!(await vaultRoleOf(c.var.db, principal, { id: record.vaultId }))) throw notFound("Proposal");
    const view = wait && record.view.status === "pending" ? ((await watch.wait(wait * 1000)) ?? record.view) : record.view;
    // A reviewer reads a pending one as the vault stands now, with the digest an approval sends back.
    if (!raiser && view.status === "pending") return c.json(await reviewOf(c, id), 200);
    return c.json(view, 200);
  })
  .openapi(routes.listProposals, async (c) => {
    const principal = c.var.principal;
    const query = c.req.valid("query");
    const { vault, role } = await authorizeSelectedVault(c, query.vault);
    // Proxy-role callers (agents, sessions) see only what they raised themselves.
    const raisedBy = role === "proxy" ? { type: principal.kind, id: principal.id } : undefined;
    const rows = await listProposals(c.var.db, vault, { status: query.status, limit: query.limit, raisedBy });
    return c.json({ proposals: rows.map((r) => proposalView(r, vault.name)) }, 200);
  })
  .openapi(routes.approveProposal, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const decision = await decidable(c, id, body.token);
    const updated = await approve(c.var.db, c.env, commitFor(c), decision, body.credentials, { note: body.note, shownDigest: body.destinations_digest });
    return c.json(await settled(c, updated, decision.vaultName), 200);
  })
  .openapi(routes.rejectProposal, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const decision = await decidable(c, id, body.token);
    const updated = await reject(c.var.db, commitFor(c), decision, body.reason);
    return c.json(await settled(c, updated, decision.vaultName), 200);
  });

/** A pending proposal marked against its vault as it is now (review-view.ts). */
async function reviewOf(c: Context<AppEnv>, id: string) {
  const found = await findProposal(c.var.db, c.var.principal.companyId, id);
  if (!found) throw notFound("Proposal");
  return reviewView(c.var.db, found.row, found.vaultName);
}

/** Someone other than the raiser reads a proposal: member or higher in its vault. */
async function requireReader(c: Context<AppEnv>, record: ProposalRecord): Promise<void> {
  const vault = await findVaultById(c.var.db, record.companyId, record.vaultId);
  if (!vault) throw notFound("Proposal");
  try {
    await requireVaultRole(c.var.db, c.var.principal, vault.name, "member");
  } catch {
    throw notFound("Proposal"); // a proxy-role actor does not learn that someone else's proposal exists
  }
}
