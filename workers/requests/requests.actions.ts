/**
 * Held requests, for the API, the console and the inbox alike: read them, approve one (optionally
 * for a while: a time-boxed approval), reject one, list and revoke the time-boxed approvals. Who
 * decides is checked here, in one place (`requireRequestDecider`): a signed-in person, admin of the
 * vault (the table's cell), never about a request they or a session they minted made. A decision is
 * written to D1 first (guarded on the request still pending: of a decision and an expiry racing,
 * exactly one lands), then stored in the vault's RequestApprovals object, which releases the
 * request that waits on it; an approval binds to the service as it was when the request was held.
 */
import { oneLine } from "../lib/one-line.ts";
import type { HeldDecision } from "../../durable-objects/request-approvals.rpc.ts";
import type { ActionContext } from "../action-context.ts";
import { vaultRoleOf } from "../auth/permissions.ts";
import { authorizeVault } from "../auth/vault-access.ts";
import { publicOriginIn } from "../config.ts";
import { isGuardFailure } from "../db/audit.ts";
import { principalRefOf } from "../db/principals.queries.ts";
import { AppError, conflict, notFound } from "../lib/app-error.ts";
import { newId } from "../lib/crypto/tokens.ts";
import type { ErrorCode } from "../lib/error-codes.ts";
import { roleAtLeast } from "../lib/principal.ts";
import type { PrincipalRef } from "../proposals/proposals.contract.ts";
import { listCompanyVaults, type VaultRow } from "../vaults/vaults.queries.ts";
import { heldRequestView, releaseGrantOf, releaseView } from "./request-rows.ts";
import type { HeldRequestStatus, HeldRequestView, RequestReleaseView } from "./requests.contract.ts";
import {
  activeReleases,
  decideHeldRequestChange,
  findHeldRequest,
  findRelease,
  type DecisionWrite,
  type HeldRequestRow,
  listHeldRequests as heldRequestsOf,
  pendingHeldRequests,
  revokeReleaseChange,
  serviceVersionNow,
} from "./requests.queries.ts";

/** A held request as its decider sees it: the row, its vault, and the view. */
export type HeldRequestDecision = { row: HeldRequestRow; vault: VaultRow; view: HeldRequestView };

const viewOf = (ctx: ActionContext, row: HeldRequestRow, vaultName: string) => heldRequestView(row, vaultName, publicOriginIn(ctx.config));

/**
 * Nobody releases a request they made, or one a session they minted made: the proxy takes only
 * agents' and sessions' tokens, so a person's own calls come through their session (`vault run`).
 * People only: an agent, a session or an API key never decides (the table refuses them first).
 */
export function requireRequestDecider(ctx: Pick<ActionContext, "principal">, row: Pick<HeldRequestRow, "rootType" | "rootId">): void {
  const principal = ctx.principal;
  if (principal.kind !== "user")
    throw new AppError(403, "human_required", "Held requests are decided by a signed-in person, not by agents, sessions or API keys");
  if (row.rootType === "user" && row.rootId === principal.id) {
    throw new AppError(403, "own_request", "Nobody approves a request they made, or one a session they minted made: ask another admin of the vault");
  }
}

/** The company's held request, held to the caller's cell (admin) in its vault; another company's is not found. */
async function heldRequestOf(ctx: ActionContext, id: string): Promise<HeldRequestDecision> {
  const found = await findHeldRequest(ctx.db, ctx.principal.companyId, id);
  if (!found) throw notFound("Held request");
  const { vault } = await authorizeVault(ctx, found.vaultName);
  return { row: found.row, vault, view: viewOf(ctx, found.row, vault.name) };
}

/** A held request the caller may decide (`requireRequestDecider`), whatever its status. */
export async function decidableRequest(ctx: ActionContext, id: string): Promise<HeldRequestDecision> {
  const found = await heldRequestOf(ctx, id);
  requireRequestDecider(ctx, found.row);
  return found;
}

function requirePending(row: HeldRequestRow): void {
  if (row.status !== "pending")
    throw conflict("request_not_pending", `This request is already ${row.status}${row.expiredReason ? ` (${row.expiredReason})` : ""}`);
}

/** `GET /v1/requests/{id}`. */
export async function getHeldRequest(ctx: ActionContext, id: string): Promise<{ request: HeldRequestView }> {
  return { request: (await heldRequestOf(ctx, id)).view };
}

/** `GET /v1/vaults/{vault}/requests`: newest first. */
export async function listHeldRequests(
  ctx: ActionContext,
  vaultName: string,
  query: { status?: HeldRequestStatus; limit: number },
): Promise<{ requests: HeldRequestView[] }> {
  const { vault } = await authorizeVault(ctx, vaultName);
  const rows = await heldRequestsOf(ctx.db, vault, query);
  return { requests: rows.map((row) => viewOf(ctx, row, vault.name)) };
}

/**
 * The decision's batch refused at commit: decided (or expired) a moment ago. What it is now is
 * read back only to say so.
 */
async function committed<T>(ctx: ActionContext, row: HeldRequestRow, batch: () => Promise<T>): Promise<T> {
  try {
    return await batch();
  } catch (error) {
    if (!isGuardFailure(error)) throw error;
    const now = await findHeldRequest(ctx.db, row.companyId, row.id);
    throw conflict("request_not_pending", `This request was ${now?.row.status ?? "decided"} a moment ago`);
  }
}

/**
 * Tells the vault's object, after D1 holds the decision. One failure is retried; a second is logged
 * and swallowed: the decision stands, and the object finds it in D1 when it would expire the request.
 */
async function announce(ctx: ActionContext, row: HeldRequestRow, decision: HeldDecision): Promise<void> {
  const settle = () => ctx.edge.requestApprovals(row.companyId, row.vaultId).settle(row.id, decision);
  await settle()
    .catch(settle)
    .catch((error: unknown) => {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      console.warn(JSON.stringify({ level: "warn", code: "held_request_announce_failed", request: row.id, reason }));
    });
}

/** Applies a person's decision to a pending request, then announces it; the request as decided. */
async function decide(
  ctx: ActionContext,
  found: HeldRequestDecision,
  decision: (decidedBy: PrincipalRef, now: number) => { d1: DecisionWrite; object: HeldDecision },
): Promise<{ request: HeldRequestView }> {
  const { row, vault } = found;
  requirePending(row);
  const now = ctx.edge.now();
  const decidedBy = await principalRefOf(ctx.db, ctx.principal);
  const { d1, object } = decision(decidedBy, now);
  const [, updated] = await committed(ctx, row, () => ctx.commit(decideHeldRequestChange(ctx.db, ctx.principal, row, decidedBy, d1, now)));
  const decided = updated[0];
  if (!decided) throw conflict("request_not_pending", "This request was decided a moment ago");
  await announce(ctx, decided, object);
  return { request: viewOf(ctx, decided, vault.name) };
}

/**
 * Approves a pending request: the request that waits is forwarded. With `forSeconds`, the same
 * root's later calls with the same method, host and path to this service pass without a person
 * that long (revocable). The service must still be the one the request was held for: otherwise
 * the request expires (`service_changed`) and nothing is forwarded.
 */
export async function approve(ctx: ActionContext, found: HeldRequestDecision, forSeconds?: number): Promise<{ request: HeldRequestView }> {
  requireRequestDecider(ctx, found.row);
  requirePending(found.row);
  const { row } = found;
  if ((await serviceVersionNow(ctx.db, row.companyId, row.serviceId)) !== row.serviceVersion) {
    await ctx.edge.requestApprovals(row.companyId, row.vaultId).abandon(row.id, "service_changed");
    throw conflict("request_not_pending", "The service changed since this request was held: it expired, and nothing was forwarded");
  }
  return decide(ctx, found, (decidedBy, now) => {
    if (!forSeconds) return { d1: { status: "approved" }, object: { status: "approved" } };
    // The time box is the root's: an agent's sessions (each `vault run` mints one) pass alike.
    const { via: _via, ...grantedTo } = row.requestedBy;
    const release = {
      id: newId("rrl"),
      companyId: row.companyId,
      vaultId: row.vaultId,
      serviceId: row.serviceId,
      serviceName: row.serviceName,
      method: row.method,
      host: row.host,
      path: row.path,
      rootType: row.rootType,
      rootId: row.rootId,
      grantedTo,
      heldRequestId: row.id,
      approvedBy: decidedBy,
      expiresAt: now + forSeconds * 1000,
    };
    return { d1: { status: "approved", release: { forSeconds, row: release } }, object: { status: "approved", release: releaseGrantOf(release) } };
  });
}

/** Rejects a pending request: the agent hears 403 `request_rejected` with the reason. */
export async function reject(ctx: ActionContext, found: HeldRequestDecision, reason: string | undefined): Promise<{ request: HeldRequestView }> {
  requireRequestDecider(ctx, found.row);
  const decision = { status: "rejected" as const, reason: (reason === undefined ? "" : oneLine(reason)) || null };
  return decide(ctx, found, () => ({ d1: decision, object: decision }));
}

/** `POST /v1/requests/{id}/approve`. */
export async function approveHeldRequest(ctx: ActionContext, id: string, input: { for_seconds?: number }): Promise<{ request: HeldRequestView }> {
  return approve(ctx, await decidableRequest(ctx, id), input.for_seconds);
}

/** `POST /v1/requests/{id}/reject`. */
export async function rejectHeldRequest(ctx: ActionContext, id: string, input: { reason?: string }): Promise<{ request: HeldRequestView }> {
  return reject(ctx, await decidableRequest(ctx, id), input.reason);
}

/** `GET /v1/vaults/{vault}/request-releases`: the time-boxed approvals still running, newest first. */
export async function listReleases(ctx: ActionContext, vaultName: string): Promise<{ releases: RequestReleaseView[] }> {
  const { vault } = await authorizeVault(ctx, vaultName);
  return { releases: (await activeReleases(ctx.db, vault, ctx.edge.now())).map((row) => releaseView(row, vault.name)) };
}

/** `DELETE /v1/vaults/{vault}/request-releases/{id}`: its calls wait for a person again from the next one. */
export async function revokeRelease(ctx: ActionContext, vaultName: string, id: string): Promise<{ revoked: string }> {
  const { vault } = await authorizeVault(ctx, vaultName);
  const release = await findRelease(ctx.db, vault, id);
  if (!release) throw notFound("Time-boxed approval");
  if (release.revokedAt === null) await ctx.commit(revokeReleaseChange(ctx.db, ctx.principal, release, ctx.edge.now()));
  // Told even when D1 says it was revoked already: a revocation whose announcement failed is completed by trying again.
  await ctx.edge.requestApprovals(vault.companyId, vault.id).revokeRelease(release.id);
  return { revoked: release.id };
}

/** A held request in a person's inbox, and why they may not decide it (`own_request`); none when they may. */
export type HeldInboxEntry = { view: HeldRequestView; refusal?: { code: ErrorCode; message: string } };

/** One held request for its page: the view, and why this person may not decide it (none when they may). */
export async function heldRequestForReview(ctx: ActionContext, id: string): Promise<HeldInboxEntry> {
  const found = await heldRequestOf(ctx, id);
  return entryFor(ctx, found.row, found.view);
}

function entryFor(ctx: ActionContext, row: HeldRequestRow, view: HeldRequestView): HeldInboxEntry {
  try {
    requireRequestDecider(ctx, row);
    return { view };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { view, refusal: { code: error.code, message: error.message } };
  }
}

/** The inbox: requests waiting in every vault where the caller is an admin, newest first, at most `limit`. */
export async function heldRequestsForReview(ctx: ActionContext, limit: number): Promise<HeldInboxEntry[]> {
  const { db, principal } = ctx;
  const names = new Map<string, string>();
  for (const vault of await listCompanyVaults(db, principal.companyId)) {
    if (roleAtLeast(await vaultRoleOf(db, principal, vault), "admin")) names.set(vault.id, vault.name);
  }
  const rows = await pendingHeldRequests(db, principal.companyId, [...names.keys()], limit);
  return rows.map((row) => entryFor(ctx, row, viewOf(ctx, row, names.get(row.vaultId) ?? "")));
}
