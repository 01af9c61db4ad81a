/**
 * A person approves individual calls: a proxied request to a service with `require_approval`
 * waits here, after its service is matched and before any credential is opened, until a vault
 * admin approves it, rejects it, or its time runs out (docs/proxy.md).
 *
 * A service without `require_approval` pays nothing: no round trip, no D1. One that has it pays
 * one round trip to its vault's RequestApprovals object, which releases at once a call a
 * time-boxed approval covers (no D1 either), and otherwise records the request and holds it: the
 * documented exception to the hot path, since it waits for a person. The wait is a series of short
 * asks, not one long call, so an object evicted or restarted meanwhile loses nothing: the next ask
 * reads the decision it stored. A client that goes away stops asking, and the object expires its
 * request (`client_gone`); where the runtime reports the disconnect, at once.
 */
import type { Context } from "hono";
import type { HoldOutcome, HoldTicket } from "../../durable-objects/request-approvals.rpc.ts";
import type { AppEnv } from "../app-env.ts";
import { AppError } from "../lib/app-error.ts";
import { requestApprovals } from "../requests/request-approvals-client.ts";
import { type ExpiryReason, MAX_PENDING_HELD_PER_CALLER, MAX_PENDING_HELD_PER_VAULT } from "../requests/requests.contract.ts";
import { serviceVersionNow } from "../requests/requests.queries.ts";
import type { ServiceRecord } from "../services/services.queries.ts";
import type { Admitted } from "./admission.ts";

/** One ask of the object: long enough to cost little, short enough that a lost client is noticed soon after. */
export const WAIT_SEGMENT_MS = 10_000;
/** After its expiry, how long a request keeps asking an object that has not expired it before giving up. */
const UNREACHABLE_GRACE_MS = 30_000;

/** The line that is held: method, host and path, never the query, headers or body. */
export type HeldLine = { method: string; host: string; path: string };

/** Waits for a person when the service needs one; once passed for a service version, passes again at once (a re-read). */
export type ApprovalHold = (service: ServiceRecord) => Promise<void>;

/** A service's version: its last write. An approval releases the service as the person saw it. */
const versionOf = (service: ServiceRecord) => service.updatedAt ?? service.createdAt;

export function requestRejected(reason: string | null): AppError {
  return new AppError(403, "request_rejected", `A vault admin rejected this request${reason ? `: ${reason}` : ""}; do not retry it unchanged`, {
    extra: { reason },
  });
}

const EXPIRED_MESSAGES: Record<ExpiryReason, string> = {
  timeout: "Nobody approved this request in time; nothing was forwarded. Ask the user to watch for it, then send it again",
  client_gone: "The client went away before a person decided; nothing was forwarded",
  service_changed: "The service changed while this request waited for a person; nothing was forwarded. Send it again",
};

export const requestApprovalExpired = (reason: ExpiryReason) => new AppError(403, "request_approval_expired", EXPIRED_MESSAGES[reason], { extra: { reason } });

/** The vault's cap, or the caller's own share of it: the message says whose limit was reached. */
const tooManyHeld = (vault: string, whose: "vault" | "caller") =>
  new AppError(
    429,
    "too_many_held_requests",
    whose === "vault"
      ? `Vault "${vault}" already holds ${MAX_PENDING_HELD_PER_VAULT} requests waiting for a person, as many as it may; wait for them to be decided`
      : `You already have ${MAX_PENDING_HELD_PER_CALLER} requests waiting for a person in vault "${vault}", as many as one caller may (an agent or person with all its sessions); wait for them to be decided`,
    { headers: { "Retry-After": "30" }, extra: { limit: whose } },
  );

/** The hold for one proxied request (the handler may resolve its service twice: the re-read before a refusal). */
export function approvalHold(c: Context<AppEnv>, admission: Admitted, line: HeldLine): ApprovalHold {
  let passed: { serviceId: string; version: number } | undefined;
  return async (service) => {
    if (!service.requireApproval) return;
    const version = versionOf(service);
    if (passed) {
      if (passed.serviceId === service.id && passed.version === version) return;
      throw requestApprovalExpired("service_changed");
    }
    await holdFor(c, admission, line, service, version);
    passed = { serviceId: service.id, version };
  };
}

async function holdFor(c: Context<AppEnv>, admission: Admitted, line: HeldLine, service: ServiceRecord, version: number): Promise<void> {
  const { companyId } = admission.actor;
  // A fresh stub for every call: one whose object was reset stays broken.
  const object = () => requestApprovals(c.env, companyId, admission.vault.id);
  const ticket: HoldTicket = await object().hold({
    companyId,
    vault: admission.vault,
    service: { id: service.id, name: service.name, version, timeoutSeconds: service.approvalTimeoutSeconds },
    actor: admission.actor,
    ...line,
  });
  if (ticket.outcome === "released") return;
  if (ticket.outcome === "full") throw tooManyHeld(admission.vault.name, ticket.whose);

  const id = ticket.id;
  const signal = c.req.raw.signal;
  const gone = () =>
    c.executionCtx.waitUntil(
      object()
        .abandon(id, "client_gone")
        .catch(() => undefined),
    );
  signal.addEventListener("abort", gone, { once: true });
  // A client that left while the call was being recorded fired its abort before anyone listened.
  if (signal.aborted) gone();
  let outcome: HoldOutcome;
  try {
    outcome = await outcomeOf(object, id, ticket.expiresAt, signal);
  } finally {
    signal.removeEventListener("abort", gone);
  }
  if (outcome.status === "rejected") throw requestRejected(outcome.reason);
  if (outcome.status === "expired") throw requestApprovalExpired(outcome.reason);
  // Approved, but nobody is there to answer: nothing is forwarded (the call ends client_gone, even if approved).
  if (signal.aborted) throw await clientGone(object, id);
  // Approved: only the service the person was shown is forwarded to (this isolate's copy may be seconds old).
  if ((await serviceVersionNow(c.get("db"), companyId, service.id)) !== version) {
    c.executionCtx.waitUntil(
      object()
        .abandon(id, "service_changed")
        .catch(() => undefined),
    );
    throw requestApprovalExpired("service_changed");
  }
  // The last moment before the credential is opened and the call forwarded.
  if (signal.aborted) throw await clientGone(object, id);
}

/** Ends a held call whose client went away (approved ones too) before anything is forwarded. */
async function clientGone(object: () => { abandon(id: string, reason: ExpiryReason): Promise<void> }, id: string): Promise<AppError> {
  await object()
    .abandon(id, "client_gone")
    .catch(() => undefined);
  return requestApprovalExpired("client_gone");
}

/** Asks the object until the request has an outcome; an object that cannot be reached is asked again. */
async function outcomeOf(
  object: () => { wait(id: string, timeoutMs: number): Promise<HoldOutcome | null> },
  id: string,
  expiresAt: number,
  signal: AbortSignal,
): Promise<HoldOutcome> {
  // Past its expiry the object answers `expired` itself; this bound only covers one that cannot.
  // A client gone stops the asking: its abandon (or the caller's check) ends the call.
  while (Date.now() <= expiresAt + UNREACHABLE_GRACE_MS && !signal.aborted) {
    try {
      const outcome = await object().wait(id, WAIT_SEGMENT_MS);
      if (outcome) return outcome;
    } catch {
      // Evicted or restarted mid-ask: it kept the request in storage, so ask the next instance.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return signal.aborted ? { status: "expired", reason: "client_gone" } : { status: "expired", reason: "timeout" };
}
