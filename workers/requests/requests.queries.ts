/**
 * Held requests in D1: reads for reviewers, the changes that decide one (a person acts: audited,
 * guarded on it still pending, through `commit`), and the records the vault's RequestApprovals
 * object writes as they happen (a request held, one expired: nobody decides them, so they skip
 * `commit`, as the request log does; docs/architecture.md lists them). Every query filters on
 * the company.
 */
import { and, desc, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import { auditStatement } from "../db/audit.ts";
import { change } from "../db/change.ts";
import type { Database } from "../db/client.ts";
import { heldRequests, requestReleases } from "../db/held-requests.schema.ts";
import { auditLog, vaults } from "../db/schema.ts";
import { services } from "../db/services.schema.ts";
import type { Principal } from "../lib/principal.ts";
import type { PrincipalRef } from "../proposals/proposals.contract.ts";
import type { ExpiryReason, HeldRequestStatus } from "./requests.contract.ts";

export type HeldRequestRow = typeof heldRequests.$inferSelect;
export type RequestReleaseRow = typeof requestReleases.$inferSelect;

/** The edge itself, as the actor of what nobody did (a held request timing out). */
const EDGE_ACTOR = { actorType: "edge", actorId: "edge" } as const;

/** A request just held, and its audit row (the requester asked): written by the vault's RequestApprovals object. */
export async function recordHeldRequest(db: Database, row: HeldRequestRow): Promise<void> {
  const detail = { service: row.serviceName, method: row.method, host: row.host, path: row.path };
  await db.batch([
    db.insert(heldRequests).values(row),
    db.insert(auditLog).values({
      companyId: row.companyId,
      actorType: row.actorType,
      actorId: row.actorId,
      action: "request.hold",
      targetType: "held_request",
      targetId: row.id,
      detail,
      createdAt: row.createdAt,
    }),
  ]);
}

/**
 * Expires a held request still in `from` (pending; or approved, when the service changed before the
 * release), with its audit row; the row as it is now when something else decided it first.
 */
export async function expireHeldRequest(
  db: Database,
  companyId: string,
  id: string,
  reason: ExpiryReason,
  from: HeldRequestStatus,
  now: number,
): Promise<{ expired: boolean; row: HeldRequestRow | undefined }> {
  const [expired] = await db
    .update(heldRequests)
    .set({ status: "expired", expiredReason: reason, decidedAt: now })
    .where(and(eq(heldRequests.id, id), eq(heldRequests.companyId, companyId), eq(heldRequests.status, from)))
    .returning();
  if (!expired) {
    const row = await db
      .select()
      .from(heldRequests)
      .where(and(eq(heldRequests.id, id), eq(heldRequests.companyId, companyId)))
      .get();
    return { expired: false, row };
  }
  await db
    .insert(auditLog)
    .values({ companyId, ...EDGE_ACTOR, action: "request.expire", targetType: "held_request", targetId: id, detail: { reason }, createdAt: now });
  return { expired: true, row: expired };
}

/** A held request of the company, with its vault's name. */
export async function findHeldRequest(db: Database, companyId: string, id: string): Promise<{ row: HeldRequestRow; vaultName: string } | undefined> {
  return db
    .select({ row: heldRequests, vaultName: vaults.name })
    .from(heldRequests)
    .innerJoin(vaults, eq(vaults.id, heldRequests.vaultId))
    .where(and(eq(heldRequests.id, id), eq(heldRequests.companyId, companyId)))
    .get();
}

/** A vault's held requests, newest first. */
export async function listHeldRequests(
  db: Database,
  vault: { id: string; companyId: string },
  options: { status?: HeldRequestStatus; limit: number },
): Promise<HeldRequestRow[]> {
  return db
    .select()
    .from(heldRequests)
    .where(
      and(
        eq(heldRequests.vaultId, vault.id),
        eq(heldRequests.companyId, vault.companyId),
        options.status ? eq(heldRequests.status, options.status) : undefined,
      ),
    )
    .orderBy(desc(heldRequests.createdAt))
    .limit(options.limit)
    .all();
}

/** Requests still waiting in some vaults, newest first (the inbox). */
export async function pendingHeldRequests(db: Database, companyId: string, vaultIds: readonly string[], limit: number): Promise<HeldRequestRow[]> {
  if (vaultIds.length === 0) return [];
  return db
    .select()
    .from(heldRequests)
    .where(and(eq(heldRequests.companyId, companyId), eq(heldRequests.status, "pending"), inArray(heldRequests.vaultId, [...vaultIds])))
    .orderBy(desc(heldRequests.createdAt))
    .limit(limit)
    .all();
}

/** The service's version now (its last write), or undefined once it is gone: an approval releases only what was shown. */
export async function serviceVersionNow(db: Database, companyId: string, serviceId: string): Promise<number | undefined> {
  const row = await db
    .select({ updatedAt: services.updatedAt, createdAt: services.createdAt })
    .from(services)
    .where(and(eq(services.id, serviceId), eq(services.companyId, companyId)))
    .get();
  return row ? (row.updatedAt ?? row.createdAt) : undefined;
}

/** A decision's audit row guards on this: of two decisions (or a decision and an expiry) racing, exactly one lands. */
const stillPending = (id: string) => sql`EXISTS (SELECT 1 FROM ${heldRequests} WHERE ${heldRequests.id} = ${id} AND ${heldRequests.status} = 'pending')`;

/** What a decision writes: the status and, for a time-boxed approval, its release row. */
export type DecisionWrite =
  | { status: "approved"; release?: { forSeconds: number; row: Omit<RequestReleaseRow, "createdAt" | "revokedAt"> } }
  | { status: "rejected"; reason: string | null };

/**
 * A person's decision on a pending request: its audit row (guarded on it still pending), the
 * decision (the second result holds the row) and, for a time-boxed approval, the release.
 */
export function decideHeldRequestChange(
  db: Database,
  principal: Principal,
  row: HeldRequestRow,
  decidedBy: PrincipalRef,
  decision: DecisionWrite,
  now: number,
) {
  const approved = decision.status === "approved";
  const release = approved ? decision.release : undefined;
  const detail = { service: row.serviceName, method: row.method, host: row.host, path: row.path, ...(release ? { for_seconds: release.forSeconds } : {}) };
  const action = approved ? "request.approve" : "request.reject";
  const audit = auditStatement(db, principal, { action, targetType: "held_request", targetId: row.id, detail }, stillPending(row.id));
  const decide = db
    .update(heldRequests)
    .set({
      status: decision.status,
      decidedBy,
      decidedAt: now,
      reason: decision.status === "rejected" ? decision.reason : null,
      releasedForSeconds: release?.forSeconds ?? null,
    })
    .where(and(eq(heldRequests.id, row.id), eq(heldRequests.companyId, row.companyId), eq(heldRequests.status, "pending")))
    .returning();
  const releases = release ? [db.insert(requestReleases).values({ ...release.row, createdAt: now })] : [];
  return change([audit, decide, ...releases] as const);
}

/** The vault's time-boxed approvals still running, newest first. */
export async function activeReleases(db: Database, vault: { id: string; companyId: string }, now: number): Promise<RequestReleaseRow[]> {
  return db
    .select()
    .from(requestReleases)
    .where(
      and(
        eq(requestReleases.vaultId, vault.id),
        eq(requestReleases.companyId, vault.companyId),
        isNull(requestReleases.revokedAt),
        gt(requestReleases.expiresAt, now),
      ),
    )
    .orderBy(desc(requestReleases.createdAt))
    .all();
}

export async function findRelease(db: Database, vault: { id: string; companyId: string }, id: string): Promise<RequestReleaseRow | undefined> {
  return db
    .select()
    .from(requestReleases)
    .where(and(eq(requestReleases.id, id), eq(requestReleases.vaultId, vault.id), eq(requestReleases.companyId, vault.companyId)))
    .get();
}

/** Ends a time-boxed approval early, with its audit row; revoking one already ended changes nothing. */
export function revokeReleaseChange(db: Database, principal: Principal, release: RequestReleaseRow, now: number) {
  const detail = { service: release.serviceName, method: release.method, host: release.host, path: release.path };
  return change([
    db
      .update(requestReleases)
      .set({ revokedAt: now })
      .where(and(eq(requestReleases.id, release.id), eq(requestReleases.companyId, release.companyId), isNull(requestReleases.revokedAt))),
    auditStatement(db, principal, { action: "request_release.revoke", targetType: "request_release", targetId: release.id, detail }),
  ] as const);
}

/** The time-boxed approval a held request's approval made, if any (the object adopts a decision whose announcement it missed). */
export async function releaseOfHeldRequest(db: Database, companyId: string, heldRequestId: string): Promise<RequestReleaseRow | undefined> {
  return db
    .select()
    .from(requestReleases)
    .where(and(eq(requestReleases.heldRequestId, heldRequestId), eq(requestReleases.companyId, companyId), isNull(requestReleases.revokedAt)))
    .get();
}
