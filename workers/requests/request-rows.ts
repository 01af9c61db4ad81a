/** Held-request and time-boxed-approval rows as their views; links start with PUBLIC_ORIGIN. */
import type { ReleaseGrant } from "../../durable-objects/request-approvals.rpc.ts";
import { iso } from "../lib/openapi.ts";
import type { RootType } from "../lib/principal.ts";
import type { HeldRequestView, RequestReleaseView } from "./requests.contract.ts";
import type { HeldRequestRow, RequestReleaseRow } from "./requests.queries.ts";

/** Where a person reads and decides a held request: its console page. */
export const reviewUrlOf = (origin: string, id: string) => `${origin}/requests/${id}`;

export function heldRequestView(row: HeldRequestRow, vaultName: string, origin: string): HeldRequestView {
  return {
    id: row.id,
    status: row.status,
    vault: vaultName,
    service: row.serviceName,
    method: row.method,
    host: row.host,
    path: row.path,
    requested_by: row.requestedBy,
    created_at: iso(row.createdAt) ?? "",
    expires_at: iso(row.expiresAt) ?? "",
    decided_by: row.decidedBy ?? null,
    decided_at: iso(row.decidedAt),
    reason: row.reason ?? null,
    expired_reason: row.expiredReason ?? null,
    released_for_seconds: row.releasedForSeconds ?? null,
    review_url: reviewUrlOf(origin, row.id),
  };
}

export function releaseView(row: RequestReleaseRow, vaultName: string): RequestReleaseView {
  return {
    id: row.id,
    vault: vaultName,
    service: row.serviceName,
    method: row.method,
    host: row.host,
    path: row.path,
    agent: row.grantedTo,
    approved_by: row.approvedBy,
    request: row.heldRequestId,
    created_at: iso(row.createdAt) ?? "",
    expires_at: iso(row.expiresAt) ?? "",
  };
}

/** A time-boxed approval as the vault's RequestApprovals object checks it, without D1. */
export function releaseGrantOf(
  row: Pick<RequestReleaseRow, "id" | "serviceId" | "rootType" | "rootId" | "method" | "host" | "path" | "expiresAt">,
): ReleaseGrant {
  return {
    id: row.id,
    serviceId: row.serviceId,
    root: { type: row.rootType as RootType, id: row.rootId },
    method: row.method,
    host: row.host,
    path: row.path,
    expiresAt: row.expiresAt,
  };
}
