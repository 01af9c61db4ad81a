/**
 * What the Worker may ask a vault's RequestApprovals object (durable-objects/request-approvals.ts
 * implements it), and the values that cross: `Env` types its namespace with this interface, not the
 * class, so the Worker's modules and the Durable Objects' never import each other in a circle.
 */
import type { RootKey } from "../workers/lib/principal.ts";
import type { ExpiryReason } from "../workers/requests/requests.contract.ts";
import type { GateActor } from "./actor-gate.rpc.ts";

/** A proxied request to a service that needs a person: what is recorded (never its query, headers or body). */
export type HoldAsk = {
  companyId: string;
  vault: { id: string; name: string };
  /** `version` is the service's last write: a release is of the service as it was shown. */
  service: { id: string; name: string; version: number; timeoutSeconds: number };
  actor: GateActor;
  method: string;
  host: string;
  path: string;
};

/**
 * `released`: a time-boxed approval covers it, it goes on at once; `held`: it waits for a person
 * until `expiresAt`; `full`: the vault already holds as many as it may (`whose: "vault"`), or the
 * caller, with its sessions, as many as one caller may there (`"caller"`).
 */
export type HoldTicket =
  | { outcome: "released"; releaseId: string }
  | { outcome: "held"; id: string; expiresAt: number }
  | { outcome: "full"; whose: "vault" | "caller" };

/** How a held request ended, as the request waiting on it hears it. */
export type HoldOutcome = { status: "approved" } | { status: "rejected"; reason: string | null } | { status: "expired"; reason: ExpiryReason };

/** A time-boxed approval: the root's calls with this method, host and path to this service pass until `expiresAt`. */
export type ReleaseGrant = { id: string; serviceId: string; root: RootKey; method: string; host: string; path: string; expiresAt: number };

/** A person's decision, already in D1. */
export type HeldDecision = { status: "approved"; release?: ReleaseGrant } | { status: "rejected"; reason: string | null };

/** One per vault: its held requests, the requests waiting on them, their expiry, the time-boxed approvals, the webhooks. */
export interface RequestApprovalsRpc extends Rpc.DurableObjectBranded {
  /** A time-boxed approval releases it at once; otherwise it is recorded (D1, then storage), announced and held. */
  hold(ask: HoldAsk): Promise<HoldTicket>;
  /** Its outcome as soon as it has one, or null after `timeoutMs` (still pending: ask again). */
  wait(id: string, timeoutMs: number): Promise<HoldOutcome | null>;
  /** Stores a decision already written to D1, then wakes whoever waits on it. */
  settle(id: string, decision: HeldDecision): Promise<void>;
  /**
   * The request waiting on it gave up: its client went away (`client_gone`), or the service
   * changed before it could be forwarded (`service_changed`, also after an approval). Expires it.
   */
  abandon(id: string, reason: ExpiryReason): Promise<void>;
  /** Ends a time-boxed approval (already ended in D1). */
  revokeRelease(id: string): Promise<void>;
}
