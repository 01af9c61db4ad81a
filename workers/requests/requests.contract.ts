/**
 * Held requests' contract (issue 21): a proxied request to a service with `require_approval` waits
 * until a vault admin approves or rejects it, or its time runs out. What a reviewer reads back
 * (method, host and path, never the query, headers or body), the decisions, the time-boxed
 * approvals a decision may leave behind, the webhook event, and the limits. Zod schemas and
 * constants only, imported by the routes, the Durable Object and the CLI.
 */
import { z } from "@hono/zod-openapi";
import { ResourceName, Timestamp } from "../lib/openapi.ts";
import { PrincipalRef } from "../proposals/proposals.contract.ts";

export const HELD_REQUEST_STATUSES = ["pending", "approved", "rejected", "expired"] as const;
export type HeldRequestStatus = (typeof HELD_REQUEST_STATUSES)[number];

/**
 * Why a held request expired: nobody decided in time, the agent's connection went away before a
 * decision, or the service changed between the request and its release (an approval is of the
 * service as it was shown).
 */
export const EXPIRY_REASONS = ["timeout", "client_gone", "service_changed"] as const;
export type ExpiryReason = (typeof EXPIRY_REASONS)[number];

/** Agent Vault's bound: a vault holds at most this many requests waiting for a person (more: 429). */
export const MAX_PENDING_HELD_PER_VAULT = 32;
/** What one caller may hold of them: an agent, person or key with its sessions, so one cannot fill the vault's for everyone (more: 429). */
export const MAX_PENDING_HELD_PER_CALLER = 8;
/** The longest an approval also releases the same agent's later identical calls. */
export const MAX_RELEASE_SECONDS = 3600;
export const MAX_REJECTION_REASON = 500;
export const MAX_HELD_REQUEST_LIST_LIMIT = 200;
export const DEFAULT_HELD_REQUEST_LIST_LIMIT = 50;
export const MAX_HELD_REQUEST_ID_LENGTH = 64;

/** What a vault's webhooks may hear about held requests. */
export const REQUEST_EVENTS = ["request.pending"] as const;
export type RequestEvent = (typeof REQUEST_EVENTS)[number];

export const HeldRequestView = z
  .object({
    id: z.string(),
    status: z.enum(HELD_REQUEST_STATUSES),
    vault: z.string(),
    service: z.string(),
    method: z.string(),
    host: z.string(),
    path: z.string().openapi({ description: "The path only: never the query string, headers or body" }),
    requested_by: PrincipalRef,
    created_at: Timestamp,
    expires_at: Timestamp,
    decided_by: PrincipalRef.nullable(),
    decided_at: Timestamp.nullable(),
    /** A rejection's reason, as the person wrote it (the agent hears it too). */
    reason: z.string().nullable(),
    expired_reason: z.enum(EXPIRY_REASONS).nullable(),
    /** An approval's time box: the same agent's same method and path pass without a person this long. */
    released_for_seconds: z.number().int().nullable(),
    /** Where a person reads and decides it (starts with PUBLIC_ORIGIN). */
    review_url: z.string(),
  })
  .openapi("HeldRequest");
export type HeldRequestView = z.output<typeof HeldRequestView>;

export const HeldRequestParams = z.object({ id: z.string().min(1).max(MAX_HELD_REQUEST_ID_LENGTH) });
export const VaultRequestsParams = z.object({ vault: ResourceName });
export const ListHeldRequestsQuery = z
  .object({
    status: z.enum(HELD_REQUEST_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_HELD_REQUEST_LIST_LIMIT).default(DEFAULT_HELD_REQUEST_LIST_LIMIT),
  })
  .strict();
export const HeldRequestList = z.object({ requests: z.array(HeldRequestView) });
export const OneHeldRequest = z.object({ request: HeldRequestView });

export const ApproveHeldRequestBody = z
  .object({
    for_seconds: z
      .number()
      .int()
      .min(1)
      .max(MAX_RELEASE_SECONDS)
      .optional()
      .openapi({ description: "Also release the same agent's later requests with the same method, host and path for this long (revocable)" }),
  })
  .strict();
export const RejectHeldRequestBody = z.object({ reason: z.string().max(MAX_REJECTION_REASON).optional() }).strict();

/** A time-boxed approval: the agent's calls with this method, host and path pass without a person until it ends. */
export const RequestReleaseView = z
  .object({
    id: z.string(),
    vault: z.string(),
    service: z.string(),
    method: z.string(),
    host: z.string(),
    path: z.string(),
    /** Whose calls pass: the agent (or the person or key) behind the request, sessions included. */
    agent: PrincipalRef,
    approved_by: PrincipalRef,
    /** The held request whose approval made it. */
    request: z.string(),
    created_at: Timestamp,
    expires_at: Timestamp,
  })
  .openapi("RequestRelease");
export type RequestReleaseView = z.output<typeof RequestReleaseView>;

export const RequestReleaseList = z.object({ releases: z.array(RequestReleaseView) });
export const RequestReleaseParams = z.object({ vault: ResourceName, id: z.string().min(1).max(MAX_HELD_REQUEST_ID_LENGTH) });
export const RequestReleaseRevoked = z.object({ revoked: z.string() });

/** "approved for 10 minutes", "approved for 1 hour", "approved for 90 seconds": a time box in words. */
export function durationText(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? "" : "s"}`;
  if (seconds % 60 === 0) return `${seconds / 60} minute${seconds === 60 ? "" : "s"}`;
  return `${seconds} second${seconds === 1 ? "" : "s"}`;
}
