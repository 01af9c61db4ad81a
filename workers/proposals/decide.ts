/**
 * Deciding a proposal, for the API and the approval page alike. Who may decide is checked here,
 * in one place (`requireDecider`): never the raiser or whoever minted the raising session, and an
 * admin of the vault when the proposal touches services or asks for a value that a destination an
 * agent chose would receive. An approval binds to the destinations its approver was shown
 * (`requireUnchanged`). Approval applies every service and credential and marks it applied in one
 * D1 batch whose audit row guards on `status = 'pending'`: of two decisions racing, exactly one
 * lands and the other gets 409, and nothing is half-applied.
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
import type { ProposalServiceView, ProposalSlotView, ProposalStatus, ProposalView } from "./proposal-view.ts";
import { newId } from "../lib/tokens.ts";
import { raisedByOf, raisedByRootOf, type ProposalRow } from "./proposal-rows.ts";
import { destinationText } from "./proposals.contract.ts";

const pendingGuard = (id: string) => sql`EXISTS (SELECT 1 FROM ${proposals} WHERE ${proposals.id} = ${id} AND ${proposals.status} = 'pending')`;

/** A decider: the person deciding and their role in the proposal's vault. */
export type Decider = { principal: Principal; role: VaultRole };

/** A proposal as its decider sees it now: the row, and its view marked against the vault as it is (review-view.ts). */
export type Decision = { decider: Decider; row: ProposalRow; review: Pick<ProposalView, "credentials" | "destinations_digest"> };

/**
 * Nobody decides what they raised, or what a session they minted raised (delegation never
 * separates the two), and a proposal needs the power its change needs: an admin of the vault
 * when it adds, changes or deletes a service (a service says where a credential goes), or when a
 * value it asks for would be sent to a destination an agent chose — the agent pointed the key
 * somewhere, so typing a value under it is the same power. Other credential-only proposals need a
 * member. `review` is the proposal marked against the vault as it is now.
 */
export function requireDecider(decider: Decider, row: ProposalRow, review: Pick<ProposalView, "credentials">): void {
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
  const pointed = review.credentials.flatMap((slot) =>
    slot.action === "set" ? (slot.sent_to ?? []).filter((d) => d.chosen_by_agent).map((d) => ({ key: slot.key, d })) : [],
  )[0];
  if (pointed && !roleAtLeast(decider.role, "admin")) {
    throw new AppError(
      403,
      "admin_required",
      `"${pointed.key}" is sent to ${destinationText(pointed.d)} (service "${pointed.d.service}"), a destination an agent chose: only an admin of the vault can decide it`,
    );
  }
  if (!roleAtLeast(decider.role, "member")) throw new AppError(403, "forbidden", "Deciding proposals needs the member role in the vault");
}

export function requirePending(row: ProposalRow): void {
  if (row.status !== "pending") throw conflict("proposal_not_pending", `This proposal is already ${row.status}`);
}

/**
 * The destinations the approver was shown are still the vault's: `shown` is the digest of the view
 * they decided on; without one (a client that sends none), the view the proposal was raised with
 * (a row from before that was recorded matches nothing: its approver must send one). Changing a
 * destination in the moment between this check and the batch gains nothing: whoever can change
 * it then can change it just after the approval too.
 */
export function requireUnchanged(row: ProposalRow, review: Pick<ProposalView, "destinations_digest">, shown: string | undefined): void {
  const expected = shown ?? row.destinationsDigest;
  if (!expected || review.destinations_digest !== expected) {
    throw conflict(
      "proposal_changed",
      "Where this proposal's values would go has changed since it was shown: read it again (its destinations_digest is new) and decide on what it says now",
    );
  }
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
  { decider, row, review }: Decision,
  given: Record<string, string>,
  options: { note?: string; shownDigest: string | undefined },
): Promise<ProposalRow> {
  requireDecider(decider, row, review);
  requirePending(row);
  requireUnchanged(row, review, options.shownDigest);
  const principal = decider.principal;
  const note = options.note;
  // Whoever raised it chose the destinations it sets (an agent, even though a person approves them).
  const chooser = raisedByOf(row);
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
            destinationChosenBy: chooser,
            destinationChosenAt: now,
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
              // A replacement that keeps the destination keeps whoever chose it (SET reads the old row).
              destinationChosenBy: sql`CASE WHEN ${keepsDestination(s)} THEN ${services.destinationChosenBy} ELSE ${JSON.stringify(chooser)} END`,
              destinationChosenAt: sql`CASE WHEN ${keepsDestination(s)} THEN ${services.destinationChosenAt} ELSE ${now} END`,
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

export async function reject(db: Database, commit: Commit, { decider, row, review }: Decision, reason: string): Promise<ProposalRow> {
  requireDecider(decider, row, review);
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

const keepsDestination = (s: ProposalServiceView) => sql`${services.host} IS ${s.host ?? ""} AND ${services.upstream} IS ${s.upstream ?? null}`;

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
