/** Proposals: raise, read (with long-poll), list, approve, reject. */
import { authorizeSelectedVault, authorizeVault } from "../auth/gate.ts";
import { requireVaultRole, vaultRoleOf } from "../auth/permissions.ts";
import { minterFor } from "../auth/token-signer.ts";
import { and, desc, eq } from "drizzle-orm";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { auditStatement } from "../db/audit.ts";
import { proposals, vaults } from "../db/schema.ts";
import { AppError, notFound } from "../lib/app-error.ts";
import { rootOf, type Principal } from "../auth/principal.ts";
import type { ProposalRecord } from "./proposal-view.ts";
import { createRouter } from "../lib/router.ts";
import { digestsEqual, newId, sha256Hex } from "../lib/tokens.ts";
import { forgetVaultConfig } from "../proxy/vault-config.ts";
import { approve, reject, requireDecider, type Decider } from "./decide.ts";
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
    const checked = await checkProposal(db, c.env, vault, rootOf(principal), body);
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
      approvalTokenHash: approval.hash,
      createdAt: now,
      expiresAt: now + routes.PROPOSAL_TTL_MS,
      reviewedAt: null,
      reviewedBy: null,
    };
    await db.batch([
      db.insert(proposals).values(row),
      auditStatement(db, principal, { action: "proposal.raise", targetType: "proposal", targetId: id, detail: { vault: vault.name, services: checked.services.map((s) => s.name), credentials: checked.slots.map((s) => s.key) } }),
    ]);
    const approvalUrl = `${new URL(c.req.url).origin}/approve/${id}?token=${approval.token}`;
    await proposalWatch(c.env, id).open(proposalRecord(row, vault.name), approvalUrl);
    return c.json({ id, status: "pending" as const, vault: vault.name, approval_url: approvalUrl, message: "Proposal raised. Show the user the approval_url; poll GET /v1/proposals/{id} (or add ?wait=30) until it leaves pending." }, 201);
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
    if (!isRaiser(record, principal)) await requireReader(c, record);
    else if (!(await vaultRoleOf(c.var.db, principal, { id: record.vaultId }))) throw notFound("Proposal");
    if (wait && record.view.status === "pending") {
      const view = await watch.wait(wait * 1000);
      return c.json(view ?? record.view, 200);
    }
    return c.json(record.view, 200);
  })
  .openapi(routes.listProposals, async (c) => {
    const principal = c.var.principal;
    const query = c.req.valid("query");
    const { vault, role } = await authorizeSelectedVault(c, query.vault);
    const rows = await c.var.db
      .select()
      .from(proposals)
      .where(
        and(
          eq(proposals.vaultId, vault.id),
          eq(proposals.companyId, principal.companyId),
          query.status ? eq(proposals.status, query.status) : undefined,
          // Proxy-role callers (agents, sessions) see only what they raised themselves.
          role === "proxy" ? and(eq(proposals.raisedByType, principal.kind), eq(proposals.raisedById, principal.id)) : undefined,
        ),
      )
      .orderBy(desc(proposals.createdAt))
      .limit(query.limit)
      .all();
    return c.json({ proposals: rows.map((r) => proposalView(r, vault.name)) }, 200);
  })
  .openapi(routes.approveProposal, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const { row, vaultName, decider } = await decidable(c, id, body.token);
    const updated = await approve(c.var.db, c.env, decider, row, body.credentials, body.note);
    return c.json(await settled(c, updated, vaultName), 200);
  })
  .openapi(routes.rejectProposal, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const { row, vaultName, decider } = await decidable(c, id, body.token);
    const updated = await reject(c.var.db, decider, row, body.reason);
    return c.json(await settled(c, updated, vaultName), 200);
  });

/** Someone other than the raiser reads a proposal: member or higher in its vault. */
async function requireReader(c: Context<AppEnv>, record: ProposalRecord): Promise<void> {
  const vault = await c.var.db.select({ name: vaults.name }).from(vaults).where(and(eq(vaults.id, record.vaultId), eq(vaults.companyId, record.companyId))).get();
  if (!vault) throw notFound("Proposal");
  try {
    await requireVaultRole(c.var.db, c.var.principal, vault.name, "member");
  } catch {
    throw notFound("Proposal"); // a proxy-role actor does not learn that someone else's proposal exists
  }
}

/**
 * The proposal, if the caller may decide it: the permission table has already admitted only
 * signed-in people; here the vault role (the table's cell) and the decision rules of
 * proposals/decide.ts. A token, when sent, must be this proposal's own approval token.
 */
export async function decidable(c: Context<AppEnv>, id: string, token: string | undefined): Promise<{ row: ProposalRow; vaultName: string; decider: Decider }> {
  const principal = c.var.principal;
  if (principal.kind !== "user") throw new AppError(403, "human_required", "Proposals are decided by a signed-in human, not by agents, sessions or API keys");
  const found = await c.var.db
    .select({ row: proposals, vaultName: vaults.name })
    .from(proposals)
    .innerJoin(vaults, eq(vaults.id, proposals.vaultId))
    .where(and(eq(proposals.id, id), eq(proposals.companyId, principal.companyId)))
    .get();
  if (!found) throw notFound("Proposal");
  const { role } = await authorizeVault(c, found.vaultName);
  const decider = { principal, role };
  requireDecider(decider, found.row);
  if (token !== undefined && !digestsEqual(found.row.approvalTokenHash, await sha256Hex(token))) {
    throw new AppError(403, "approval_token_mismatch", "This approval link belongs to another proposal");
  }
  return { ...found, decider };
}

/** After D1 holds the decision: wake waiters, notify webhooks, refresh this isolate's config. */
export async function settled(c: Context<AppEnv>, row: ProposalRow, vaultName: string) {
  const view = proposalView(row, vaultName);
  await proposalWatch(c.env, row.id).settle(view);
  forgetVaultConfig(row.companyId, row.vaultId);
  return view;
}

