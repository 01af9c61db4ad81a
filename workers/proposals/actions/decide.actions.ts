/**
 * Deciding a proposal, for the API and the approval page alike. Who may decide is checked here, in
 * one place (`requireDecider`): a signed-in person, never the raiser or whoever minted the raising
 * session, and an admin of the vault when the proposal touches services or asks for a value that a
 * destination no vault admin chose would receive. An approval binds to the destinations its approver
 * was shown (`requireUnchanged`), and applies the proposal through the services' and credentials'
 * own changes (services.actions.ts, credentials.actions.ts: the API's very upserts), all in one
 * batch with the decision, whose audit row guards on the proposal still pending: of two decisions
 * racing exactly one lands, and nothing is half-applied.
 */
import type { ActionContext } from "../../action-context.ts";
import type { VaultRow } from "../../auth/permissions.ts";
import { authorizeVault } from "../../auth/vault-access.ts";
import type { Change } from "../../db/change.ts";
import { isGuardFailure } from "../../db/audit.ts";
import type { VaultRole } from "../../db/schema.ts";
import { credentialsDeletion, requireAdminForUnvettedKeys, sealedCredentialsChange } from "../../credentials/credentials.actions.ts";
import { AppError, badRequest, conflict, notFound } from "../../lib/app-error.ts";
import { associatedData, openText } from "../../lib/crypto/crypto-envelope.ts";
import { roleAtLeast, rootOf, type Principal } from "../../lib/principal.ts";
import { digestsEqual, sha256Hex } from "../../lib/crypto/tokens.ts";
import { serviceRemovalChange, serviceSetChange } from "../../services/services.actions.ts";
import { DEFAULT_APPROVAL_TIMEOUT_SECONDS } from "../../services/request-rules.contract.ts";
import { isServiceNameTaken } from "../../services/services.queries.ts";
import { proposalView, raisedByOf, raisedByRootOf, type ProposalRow } from "../proposal-rows.ts";
import type { ProposalServiceView, ProposalSlotView, ProposalView } from "../proposal-view.ts";
import { approveChange, findProposal, rejectChange } from "../proposals.queries.ts";
import { raiserRoleNow, reviewView } from "../review-view.ts";

/** A decider: the person deciding and their role in the proposal's vault. */
export type Decider = { principal: Principal; role: VaultRole };

/**
 * A proposal as its decider sees it now: the row, its vault, its view marked against the vault as
 * it is (review-view.ts), and the raiser's role there now, which approving records as the standing
 * of whoever chose the destinations it sets (the same the view was marked with).
 */
export type Decision = { decider: Decider; row: ProposalRow; vault: VaultRow; review: ProposalView; raiserRole: VaultRole | null };

/**
 * Nobody decides what they raised, or what a session they minted raised (delegation never
 * separates the two), and a proposal needs the power its change needs: an admin of the vault
 * when it adds, changes or deletes a service (a service says where a credential goes), or when a
 * value it asks for would be sent to a destination no vault admin chose (credentials.actions.ts
 * holds that rule for every write of a value). Other credential-only proposals need a member. `review`
 * is the proposal marked against the vault as it is now.
 */
export function requireDecider(decider: Decider, row: ProposalRow, review: Pick<ProposalView, "credentials" | "services">): void {
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
  requireAdminForLoosening(decider.role, review.services);
  const touchesServices = (row.services as ProposalServiceView[]).length > 0;
  if (touchesServices && !roleAtLeast(decider.role, "admin")) {
    throw new AppError(403, "admin_required", "This proposal adds, changes or removes a service: only an admin of the vault can decide it");
  }
  requireAdminForUnvettedKeys(
    decider.role,
    review.credentials.filter((slot) => slot.action === "set"),
    "decide it",
  );
  if (!roleAtLeast(decider.role, "member")) throw new AppError(403, "forbidden", "Deciding proposals needs the member role in the vault");
}

/**
 * Loosening a service's rules (a method added, redaction turned off, a credential placed in a new
 * surface, approval turned off: impact.ts marks each against the vault as it is) needs a vault admin, named as such so
 * the refusal says what it loosens. Any service change needs one today; this rule stays when that
 * one is relaxed.
 */
function requireAdminForLoosening(role: VaultRole, services: readonly ProposalServiceView[]): void {
  const loosened = services.find((s) => s.loosens?.length);
  if (!loosened?.loosens || roleAtLeast(role, "admin")) return;
  const what = loosened.loosens.map((l) => `${l.from} → ${l.to}`).join("; ");
  throw new AppError(403, "admin_required", `This proposal loosens service "${loosened.name}" (${what}): only an admin of the vault can decide it`);
}

function requirePending(row: ProposalRow): void {
  if (row.status !== "pending") throw conflict("proposal_not_pending", `This proposal is already ${row.status}`);
}

/**
 * The destinations the approver was shown are still the vault's: `shown` is the digest of the view
 * they decided on; without one (a client that sends none), the view the proposal was raised with
 * (a row from before that was recorded matches nothing: its approver must send one). Changing a
 * destination in the moment between this check and the batch gains nothing: whoever can change
 * it then can change it just after the approval too.
 */
function requireUnchanged(row: ProposalRow, review: Pick<ProposalView, "destinations_digest">, shown: string | undefined): void {
  const expected = shown ?? row.destinationsDigest;
  if (!expected || review.destinations_digest !== expected) {
    throw conflict(
      "proposal_changed",
      "Where this proposal's values would go has changed since it was shown: read it again (its destinations_digest is new) and decide on what it says now",
    );
  }
}

/**
 * The proposal, if the caller may decide it: the permission table has already admitted only
 * signed-in people; here the vault role (the table's cell) and `requireDecider`, judged on the
 * proposal as the vault stands now (`review`, which the approval page renders). A token, when
 * sent, must be this proposal's own approval token.
 */
export async function decidable(ctx: ActionContext, id: string, token: string | undefined): Promise<Decision> {
  const principal = ctx.principal;
  if (principal.kind !== "user") throw new AppError(403, "human_required", "Proposals are decided by a signed-in human, not by agents, sessions or API keys");
  const found = await findProposal(ctx.db, principal.companyId, id);
  if (!found) throw notFound("Proposal");
  const { vault, role } = await authorizeVault(ctx, found.vaultName);
  const decider = { principal, role };
  const raiserRole = await raiserRoleNow(ctx.db, found.row);
  const review = await reviewView(ctx.db, found.row, found.vaultName, raiserRole);
  requireDecider(decider, found.row, review);
  if (token !== undefined && !digestsEqual(found.row.approvalTokenHash, await sha256Hex(token))) {
    throw new AppError(403, "approval_token_mismatch", "This approval link belongs to another proposal");
  }
  return { decider, row: found.row, vault, review, raiserRole };
}

/** Values for every `set` slot: the agent's own (sealed) or the approver's; nothing missing, nothing extra. */
async function slotValues(ctx: ActionContext, row: ProposalRow, given: Readonly<Record<string, string>>): Promise<Record<string, string>> {
  const slots = row.credentials as ProposalSlotView[];
  const setKeys = new Set(slots.filter((s) => s.action === "set").map((s) => s.key));
  const extra = Object.keys(given).find((k) => !setKeys.has(k));
  if (extra) throw badRequest("unknown_credential_key", `"${extra}" is not a credential slot of this proposal`);
  const values: Record<string, string> = {};
  const sealed = row.sealedValues ?? {};
  const dataKey = Object.keys(sealed).length ? await ctx.edge.dataKey(row.companyId) : undefined;
  for (const key of setKeys) {
    const value =
      given[key] ?? (sealed[key] && dataKey ? await openText(dataKey, sealed[key], associatedData.proposalValue(row.companyId, row.id, key)) : undefined);
    if (value === undefined) throw badRequest("missing_credential_value", `Enter a value for "${key}"`);
    values[key] = value;
  }
  return values;
}

/**
 * What approving writes besides the decision: each service through the services' own change (a
 * `set` creates or replaces it, enabled; a destination it changes is chosen by whoever raised the
 * proposal, with the role they hold in the vault now), then the credentials through the credentials' own.
 */
async function applied(ctx: ActionContext, { row, vault, raiserRole }: Decision, values: Record<string, string>): Promise<Change[]> {
  const chooser = { ref: raisedByOf(row), role: raiserRole };
  const changes: (Change | undefined)[] = [];
  for (const s of row.services as ProposalServiceView[]) {
    if (s.action === "delete") changes.push(await serviceRemovalChange(ctx, vault, s.name));
    else if (!s.host || !s.auth) throw badRequest("invalid_request", `Service "${s.name}" of this proposal has no host or auth`);
    else {
      // A `set` replaces every field: a rule the proposal leaves out is applied as its default (shown as such when it loosens).
      const input = {
        name: s.name,
        host: s.host,
        upstream: s.upstream ?? null,
        description: s.description ?? null,
        auth: s.auth,
        enabled: true,
        substitutions: s.substitutions ?? [],
        methods: s.methods ?? null,
        redact_response: s.redact_response ?? true,
        require_approval: s.require_approval ?? false,
        approval_timeout_seconds: s.approval_timeout_seconds ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS,
      };
      changes.push(await serviceSetChange(ctx, vault, input, chooser));
    }
  }
  if (Object.keys(values).length) changes.push(await sealedCredentialsChange(ctx, vault, values));
  const deleted = (row.credentials as ProposalSlotView[]).filter((s) => s.action === "delete").map((s) => s.key);
  if (deleted.length) changes.push(credentialsDeletion(ctx, vault, deleted));
  return changes.filter((c): c is Change => c !== undefined);
}

/**
 * A decision's batch refused at commit: decided by someone else a moment ago (the pending guard),
 * or the vault moved under the approval (a service it replaces deleted, or one of its names
 * taken, since it was read): nothing was written either way.
 */
async function decided<T>(ctx: ActionContext, row: ProposalRow, batch: () => Promise<T>): Promise<T> {
  try {
    return await batch();
  } catch (error) {
    if (!isGuardFailure(error) && !isServiceNameTaken(error)) throw error;
    const now = await findProposal(ctx.db, row.companyId, row.id);
    if (now?.row.status !== "pending") throw conflict("proposal_not_pending", "This proposal was decided a moment ago");
    throw conflict(
      "proposal_changed",
      "The vault changed while this proposal was being applied, and nothing was applied: read it again and decide on what it says now",
    );
  }
}

function firstRow(rows: ProposalRow[]): ProposalRow {
  const row = rows[0];
  if (!row) throw new AppError(409, "proposal_not_pending", "This proposal was decided a moment ago");
  return row;
}

/** After D1 holds the decision: its Durable Object wakes the waiters and notifies webhooks. */
async function settled(ctx: ActionContext, row: ProposalRow, vaultName: string): Promise<ProposalView> {
  const view = proposalView(row, vaultName);
  await ctx.edge.proposalWatch(row.id).settle(view);
  return view;
}

/** Approves and applies a decidable proposal; `shownDigest` is the destinations_digest of the view it was decided on. */
export async function approve(
  ctx: ActionContext,
  decision: Decision,
  given: Readonly<Record<string, string>>,
  options: { note?: string; shownDigest: string | undefined },
): Promise<ProposalView> {
  const { decider, row, review } = decision;
  requireDecider(decider, row, review);
  requirePending(row);
  requireUnchanged(row, review, options.shownDigest);
  const values = await slotValues(ctx, row, given);
  const writes = await applied(ctx, decision, values);
  const change = approveChange(ctx.db, decider.principal, row, options.note ?? null, ctx.edge.now(), writes);
  const [, updated] = await decided(ctx, row, () => ctx.commit(change));
  return settled(ctx, firstRow(updated), decision.vault.name);
}

export async function reject(ctx: ActionContext, decision: Decision, reason: string): Promise<ProposalView> {
  const { decider, row, review } = decision;
  requireDecider(decider, row, review);
  requirePending(row);
  const [, updated] = await decided(ctx, row, () => ctx.commit(rejectChange(ctx.db, decider.principal, row, reason, ctx.edge.now())));
  return settled(ctx, firstRow(updated), decision.vault.name);
}

/** POST /v1/proposals/{id}/approve: the caller's decision, bound to the digest it read (else the proposal as raised). */
export async function approveProposal(
  ctx: ActionContext,
  id: string,
  input: { credentials: Readonly<Record<string, string>>; note?: string; token?: string; destinations_digest?: string },
): Promise<ProposalView> {
  const decision = await decidable(ctx, id, input.token);
  return approve(ctx, decision, input.credentials, { note: input.note, shownDigest: input.destinations_digest });
}

export async function rejectProposal(ctx: ActionContext, id: string, input: { reason: string; token?: string }): Promise<ProposalView> {
  return reject(ctx, await decidable(ctx, id, input.token), input.reason);
}
