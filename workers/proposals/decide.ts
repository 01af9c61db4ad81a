/**
 * Deciding a proposal, for the API and the approval page alike. Who may decide is checked here,
 * in one place (`requireDecider`): never the raiser or whoever minted the raising session, and an
 * admin of the vault when the proposal touches services. Approval applies every service and
 * credential and marks it applied in one D1 batch whose audit row guards on `status = 'pending'`:
 * of two decisions racing, exactly one lands and the other gets 409, and nothing is half-applied.
 */
import { change, type Change } from "../db/change.ts";
import { and, eq, sql } from "drizzle-orm";
import { auditStatement, isGuardFailure } from "../db/audit.ts";
import type { Database } from "../db/client.ts";
import { companyDataKey } from "../db/data-keys.ts";
import { credentials, proposals, services } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { AppError, badRequest, conflict } from "../lib/app-error.ts";
import { associatedData, openText, sealText } from "../lib/crypto-envelope.ts";
import { roleAtLeast, rootOf, type Principal } from "../lib/principal.ts";
import type { VaultRole } from "../db/schema.ts";
import type { ProposalServiceView, ProposalSlotView, ProposalStatus } from "./proposal-view.ts";
import { newId } from "../lib/tokens.ts";
import { raisedByRootOf, type ProposalRow } from "./proposal-rows.ts";

const pendingGuard = (id: string) => sql`EXISTS (SELECT 1 FROM ${proposals} WHERE ${proposals.id} = ${id} AND ${proposals.status} = 'pending')`;

/** A decider: the person deciding and their role in the proposal's vault. */
export type Decider = { principal: Principal; role: VaultRole };

/**
 * Nobody decides what they raised, or what a session they minted raised (delegation never
 * separates the two), and a proposal that adds, changes or deletes a service needs the power the
 * change needs: an admin of the vault. Credential-only proposals need a member.
 */
export function requireDecider(decider: Decider, row: ProposalRow): void {
  const raisedBy = raisedByRootOf(row);
  const me = rootOf(decider.principal);
  const ownRaise = row.raisedByType === decider.principal.kind && row.raisedById === decider.principal.id;
  if (ownRaise || (raisedBy.type === me.type && raisedBy.id === me.id)) {
    throw new AppError(
      403,
      "own_proposal",
      "Nobody decides a proposal they raised, or one raised by a session they minted: ask another member or admin of the vault",
    );
  }
  const touchesServices = (row.services as ProposalServiceView[]).length > 0;
  if (touchesServices && !roleAtLeast(decider.role, "admin")) {
    throw new AppError(403, "admin_required", "This proposal adds, changes or removes a service: only an admin of the vault can decide it");
  }
  if (!roleAtLeast(decider.role, "member")) throw new AppError(403, "forbidden", "Deciding proposals needs the member role in the vault");
}

export function requirePending(row: ProposalRow): void {
  if (row.status !== "pending") throw conflict("proposal_not_pending", `This proposal is already ${row.status}`);
}

async function runDecision<T>(batch: () => Promise<T>): Promise<T> {
  try {
    return await batch();
  } catch (error) {
    if (isGuardFailure(error)) throw conflict("proposal_not_pending", "This proposal was decided a moment ago");
    throw error;
  }
}

/** Values for every `set` slot: the agent's own (sealed) or the approver's; nothing missing, nothing extra. */
async function slotValues(db: Database, env: Env, row: ProposalRow, given: Record<string, string>): Promise<Map<string, string>> {
  const slots = row.credentials as ProposalSlotView[];
  const setKeys = new Set(slots.filter((s) => s.action === "set").map((s) => s.key));
  const extra = Object.keys(given).find((k) => !setKeys.has(k));
  if (extra) throw badRequest("unknown_credential_key", `"${extra}" is not a credential slot of this proposal`);
  const values = new Map<string, string>();
  const sealed = row.sealedValues ?? {};
  const dataKey = Object.keys(sealed).length ? await companyDataKey(db, env, row.companyId) : undefined;
  for (const key of setKeys) {
    const value =
      given[key] ?? (sealed[key] && dataKey ? await openText(dataKey, sealed[key], associatedData.proposalValue(row.companyId, row.id, key)) : undefined);
    if (value === undefined) throw badRequest("missing_credential_value", `Enter a value for "${key}"`);
    values.set(key, value);
  }
  return values;
}

/** Runs a change with its invalidations (workers/effects.ts `commitChange` bound to the request). */
export type Commit = <T extends Change["statements"]>(done: Change<T>) => Promise<{ [K in keyof T]: Awaited<T[K]> }>;

export async function approve(
  db: Database,
  env: Env,
  commit: Commit,
  decider: Decider,
  row: ProposalRow,
  given: Record<string, string>,
  note: string | undefined,
): Promise<ProposalRow> {
  requireDecider(decider, row);
  requirePending(row);
  const principal = decider.principal;
  const values = await slotValues(db, env, row, given);
  const now = Date.now();
  const dataKey = values.size ? await companyDataKey(db, env, row.companyId) : undefined;
  const sealed = new Map<string, string>();
  for (const [key, value] of values) if (dataKey) sealed.set(key, await sealText(dataKey, value, associatedData.credential(row.companyId, row.vaultId, key)));

  const serviceChanges = (row.services as ProposalServiceView[]).map((s) =>
    s.action === "delete"
      ? db.delete(services).where(and(eq(services.vaultId, row.vaultId), eq(services.companyId, row.companyId), eq(services.name, s.name)))
      : db
          .insert(services)
          .values({
            id: newId("svc"),
            companyId: row.companyId,
            vaultId: row.vaultId,
            name: s.name,
            host: s.host ?? "",
            upstream: s.upstream ?? null,
            description: s.description ?? null,
            auth: s.auth ?? { type: "passthrough" },
            enabled: true,
            position: sql`(SELECT coalesce(max(${services.position}), 0) + 1 FROM ${services} WHERE ${services.vaultId} = ${row.vaultId})`,
            createdAt: now,
            updatedAt: now,
          })
          .onConflictDoUpdate({
            target: [services.vaultId, services.name],
            set: {
              host: s.host ?? "",
              upstream: s.upstream ?? null,
              description: s.description ?? null,
              auth: s.auth ?? { type: "passthrough" },
              enabled: true,
              updatedAt: now,
            },
          }),
  );
  const credentialChanges = (row.credentials as ProposalSlotView[]).map((slot) =>
    slot.action === "delete"
      ? db.delete(credentials).where(and(eq(credentials.vaultId, row.vaultId), eq(credentials.companyId, row.companyId), eq(credentials.key, slot.key)))
      : db
          .insert(credentials)
          .values({
            companyId: row.companyId,
            vaultId: row.vaultId,
            key: slot.key,
            ciphertext: sealed.get(slot.key) ?? "",
            createdAt: now,
            updatedAt: now,
            updatedBy: principal.id,
          })
          .onConflictDoUpdate({
            target: [credentials.vaultId, credentials.key],
            set: { ciphertext: sealed.get(slot.key) ?? "", updatedAt: now, updatedBy: principal.id },
          }),
  );
  const [, updated] = await runDecision(() =>
    commit(
      change(
        [
          auditStatement(
            db,
            principal,
            {
              action: "proposal.approve",
              targetType: "proposal",
              targetId: row.id,
              detail: { services: (row.services as ProposalServiceView[]).map((s) => `${s.action}:${s.name}`), credentials: [...values.keys()] },
            },
            pendingGuard(row.id),
          ),
          decideStatement(db, principal, row.id, "applied", note ?? null, now),
          ...serviceChanges,
          ...credentialChanges,
        ] as const,
        // The retry after `applied` must find the new services in this isolate at once.
        { vaults: [{ companyId: row.companyId, vaultId: row.vaultId }] },
      ),
    ),
  );
  return firstRow(updated);
}

export async function reject(db: Database, commit: Commit, decider: Decider, row: ProposalRow, reason: string): Promise<ProposalRow> {
  requireDecider(decider, row);
  requirePending(row);
  const principal = decider.principal;
  const now = Date.now();
  const [, updated] = await runDecision(() =>
    commit(
      change([
        auditStatement(db, principal, { action: "proposal.reject", targetType: "proposal", targetId: row.id }, pendingGuard(row.id)),
        decideStatement(db, principal, row.id, "rejected", reason, now),
      ] as const),
    ),
  );
  return firstRow(updated);
}

function decideStatement(db: Database, principal: Principal, id: string, status: ProposalStatus, note: string | null, now: number) {
  // Agent-supplied values are dropped once decided: applied ones now live in `credentials`.
  return db
    .update(proposals)
    .set({ status: status as "applied" | "rejected", reviewNote: note, reviewedAt: now, reviewedBy: principal.id, sealedValues: null })
    .where(and(eq(proposals.id, id), eq(proposals.status, "pending")))
    .returning();
}

function firstRow(rows: ProposalRow[]): ProposalRow {
  const row = rows[0];
  if (!row) throw new AppError(409, "proposal_not_pending", "This proposal was decided a moment ago");
  return row;
}
