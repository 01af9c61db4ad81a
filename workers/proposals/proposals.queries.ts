/** Proposal rows: reads, and the changes that raise one and decide it. */
import { and, desc, eq, inArray, type SQL, sql } from "drizzle-orm";
import { auditStatement } from "../db/audit.ts";
import { change, type Change, type Invalidates } from "../db/change.ts";
import type { Database } from "../db/client.ts";
import { credentials, proposals, vaults } from "../db/schema.ts";
import { services } from "../db/services.schema.ts";
import { AppError } from "../lib/app-error.ts";
import type { Principal, RootKey } from "../lib/principal.ts";
import { MAX_PENDING_PER_RAISER, MAX_PENDING_PER_VAULT } from "./proposals.contract.ts";
import type { CurrentService } from "./impact.ts";
import type { ProposalRow } from "./proposal-rows.ts";
import type { ProposalServiceView, ProposalStatus } from "./proposal-view.ts";

/** A new pending proposal, refused whole (`isGuardFailure`) when its vault or raiser has no room (`roomForProposal`). */
export function raiseChange(db: Database, principal: Principal, row: ProposalRow, vaultName: string) {
  const detail = {
    vault: vaultName,
    services: (row.services as { name: string }[]).map((s) => s.name),
    credentials: (row.credentials as { key: string }[]).map((s) => s.key),
  };
  return change([
    db.insert(proposals).values(row),
    auditStatement(db, principal, { action: "proposal.raise", targetType: "proposal", targetId: row.id, detail }, roomForProposal(row)),
  ] as const);
}

/** A proposal of the company with its vault's name. */
export async function findProposal(db: Database, companyId: string, id: string): Promise<{ row: ProposalRow; vaultName: string } | undefined> {
  return db
    .select({ row: proposals, vaultName: vaults.name })
    .from(proposals)
    .innerJoin(vaults, eq(vaults.id, proposals.vaultId))
    .where(and(eq(proposals.id, id), eq(proposals.companyId, companyId)))
    .get();
}

/** A vault's proposals, newest first; `raisedBy` narrows to what one caller raised. */
export async function listProposals(
  db: Database,
  vault: { id: string; companyId: string },
  options: { status?: ProposalStatus; limit: number; raisedBy?: { type: string; id: string } },
): Promise<ProposalRow[]> {
  return db
    .select()
    .from(proposals)
    .where(
      and(
        eq(proposals.vaultId, vault.id),
        eq(proposals.companyId, vault.companyId),
        options.status ? eq(proposals.status, options.status) : undefined,
        options.raisedBy ? and(eq(proposals.raisedByType, options.raisedBy.type), eq(proposals.raisedById, options.raisedBy.id)) : undefined,
      ),
    )
    .orderBy(desc(proposals.createdAt))
    .limit(options.limit)
    .all();
}

/** Pending proposals of some vaults, newest first (the reviewer's inbox). */
export async function pendingProposals(db: Database, companyId: string, vaultIds: readonly string[], limit: number): Promise<ProposalRow[]> {
  if (vaultIds.length === 0) return [];
  return db
    .select()
    .from(proposals)
    .where(and(eq(proposals.companyId, companyId), eq(proposals.status, "pending"), inArray(proposals.vaultId, [...vaultIds])))
    .orderBy(desc(proposals.createdAt))
    .limit(limit)
    .all();
}

/** A vault as a proposal's marks read it: its services with who chose their destinations, and the keys it stores. */
export async function vaultAsItIs(db: Database, companyId: string, vaultId: string): Promise<{ current: CurrentService[]; stored: Set<string> }> {
  const [current, keys] = await Promise.all([
    db
      .select({
        name: services.name,
        hostPattern: services.host,
        upstream: services.upstream,
        auth: services.auth,
        substitutions: services.substitutions,
        methods: services.methods,
        redactResponse: services.redactResponse,
        destinationChosenBy: services.destinationChosenBy,
        destinationChosenAt: services.destinationChosenAt,
        destinationChosenByRole: services.destinationChosenByRole,
        requireApproval: services.requireApproval,
        approvalTimeoutSeconds: services.approvalTimeoutSeconds,
      })
      .from(services)
      .where(and(eq(services.vaultId, vaultId), eq(services.companyId, companyId)))
      .all(),
    db
      .select({ key: credentials.key })
      .from(credentials)
      .where(and(eq(credentials.vaultId, vaultId), eq(credentials.companyId, companyId)))
      .all(),
  ]);
  return { current, stored: new Set(keys.map((k) => k.key)) };
}

/**
 * Room for a new pending proposal, counted inside the batch that raises it (the audit row's guard):
 * the vault's other pending proposals stay under MAX_PENDING_PER_VAULT, and those of its raiser's
 * root (an agent or person with the sessions it minted) under MAX_PENDING_PER_RAISER, so one raiser
 * cannot fill the vault's queue and parallel raises cannot all pass one count.
 */
export function roomForProposal(row: { id: string; vaultId: string; raisedByRootType: string | null; raisedByRootId: string | null }): SQL {
  const pendingOthers = sql`${proposals.vaultId} = ${row.vaultId} AND ${proposals.status} = 'pending' AND ${proposals.id} != ${row.id}`;
  return sql`(SELECT count(*) FROM ${proposals} WHERE ${pendingOthers}) < ${MAX_PENDING_PER_VAULT}
    AND (SELECT count(*) FROM ${proposals} WHERE ${pendingOthers} AND ${proposals.raisedByRootType} = ${row.raisedByRootType}
      AND ${proposals.raisedByRootId} = ${row.raisedByRootId}) < ${MAX_PENDING_PER_RAISER}`;
}

/** Which cap refused a proposal whose `roomForProposal` guard failed. */
export async function pendingCapRefusal(db: Database, vault: { id: string; name: string }, raiser: RootKey): Promise<AppError> {
  const pending = and(eq(proposals.vaultId, vault.id), eq(proposals.status, "pending"));
  const mine = await db
    .select({ id: proposals.id })
    .from(proposals)
    .where(and(pending, eq(proposals.raisedByRootType, raiser.type), eq(proposals.raisedByRootId, raiser.id)))
    .limit(MAX_PENDING_PER_RAISER)
    .all();
  const message =
    mine.length >= MAX_PENDING_PER_RAISER
      ? `You already have ${MAX_PENDING_PER_RAISER} pending proposals in vault "${vault.name}"; wait for them to be reviewed`
      : `Vault "${vault.name}" already has ${MAX_PENDING_PER_VAULT} pending proposals; wait for them to be reviewed`;
  return new AppError(429, "too_many_pending_proposals", message, { headers: { "Retry-After": "60" } });
}

/** A decision's audit row guards on this: of two decisions racing, the one whose batch runs second fails whole. */
const stillPending = (id: string) => sql`EXISTS (SELECT 1 FROM ${proposals} WHERE ${proposals.id} = ${id} AND ${proposals.status} = 'pending')`;

function decideStatement(db: Database, principal: Principal, id: string, status: "applied" | "rejected", note: string | null, now: number) {
  // Agent-supplied values are dropped once decided: applied ones now live in `credentials`.
  return db
    .update(proposals)
    .set({ status, reviewNote: note, reviewedAt: now, reviewedBy: principal.id, sealedValues: null })
    .where(and(eq(proposals.id, id), eq(proposals.status, "pending")))
    .returning();
}

/** Everything several changes invalidate (each known up front), and their vault's proxy config. */
function invalidatesOf(applied: readonly Change[], vault: { companyId: string; vaultId: string }): Invalidates {
  const each = applied.map((part) => {
    if (typeof part.invalidates === "function") throw new Error("an approval applies only changes whose invalidations are known up front");
    return part.invalidates;
  });
  return {
    roots: each.flatMap((i) => i.roots ?? []),
    // The retry after `applied` must find the new services in this isolate at once.
    vaults: [vault, ...each.flatMap((i) => i.vaults ?? [])],
    registrations: each.flatMap((i) => i.registrations ?? []),
  };
}

/**
 * Approves a pending proposal and applies it in one batch: the approval's audit row (guarded on
 * the proposal still pending), the decision (its second result holds the row), then `applied`, the
 * services' and credentials' own changes with their audit rows. Any guard failing rolls back all.
 */
export function approveChange(db: Database, principal: Principal, row: ProposalRow, note: string | null, now: number, applied: readonly Change[]) {
  const detail = {
    services: (row.services as ProposalServiceView[]).map((s) => `${s.action}:${s.name}`),
    credentials: (row.credentials as { action: string; key: string }[]).filter((s) => s.action === "set").map((s) => s.key),
  };
  return change(
    [
      auditStatement(db, principal, { action: "proposal.approve", targetType: "proposal", targetId: row.id, detail }, stillPending(row.id)),
      decideStatement(db, principal, row.id, "applied", note, now),
      ...applied.flatMap((part) => part.statements),
    ] as const,
    invalidatesOf(applied, { companyId: row.companyId, vaultId: row.vaultId }),
  );
}

/** Rejects a pending proposal; the second result holds the row. */
export function rejectChange(db: Database, principal: Principal, row: ProposalRow, reason: string, now: number) {
  return change([
    auditStatement(db, principal, { action: "proposal.reject", targetType: "proposal", targetId: row.id }, stillPending(row.id)),
    decideStatement(db, principal, row.id, "rejected", reason, now),
  ] as const);
}
