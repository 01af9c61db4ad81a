/**
 * What the Worker may ask an ActorGate (durable-objects/actor-gate.ts implements it), and the
 * values that cross: `Env` types its namespace with this interface, not the class, so the
 * Worker's modules and the Durable Objects' never import each other in a circle.
 */
import type { HeldCells } from "../workers/auth/hold-to-row.ts";
import type { CompanyRole, RootKey, VaultRole } from "../workers/lib/principal.ts";

/** What a token presents: its root, and the session when it is a vault session token. */
export type PresentedActor = { root: RootKey; sessionId?: string };

/** Who the edge is talking to, as far as the request log and release need to know. */
export type GateActor = { kind: "agent" | "vault_session"; id: string; companyId: string; name: string; root: RootKey };

export type GateIdentity =
  | { kind: "agent"; id: string; companyId: string; tokenId: string; companyRole: CompanyRole; name: string; grants: Record<string, VaultRole> }
  | { kind: "vault_session"; id: string; companyId: string; vaultId: string; role: VaultRole; label: string; mintedBy: RootKey };

export type GateAuthentication = { ok: true; identity: GateIdentity } | { ok: false };

/** What is recorded about a refused request (never headers, query or body). */
export type RequestLine = { method: string; host: string; path: string };

/** A finished request's in-flight slot, as the Worker hands it back. */
export type LeaseRef = { vaultId: string; leaseId: string };

export type GateAdmission =
  | {
      ok: true;
      actor: GateActor;
      vault: { id: string; name: string };
      role: VaultRole;
      limit: number;
      remaining: number;
      leaseId: string;
      /**
       * The slot's release may wait to ride on the next admit (workers/proxy/lease-releases.ts):
       * true only while at most half the vault's `max_concurrent` is in flight, so releases held
       * back can never occupy more than half the slots.
       */
      releaseMayWait: boolean;
    }
  | { ok: false; code: "unauthorized" }
  | { ok: false; code: "vault_required" | "vault_not_found" | "no_grant"; actor: GateActor }
  /** The table's row denies the caller's column (`column`), or its cell is not one a vault role meets. */
  | { ok: false; code: "forbidden"; actor: GateActor; column: keyof HeldCells }
  | { ok: false; code: "role_too_low"; actor: GateActor; needed: VaultRole; role: VaultRole }
  | {
      ok: false;
      code: "rate_limited" | "too_many_in_flight";
      actor: GateActor;
      vault: { id: string; name: string };
      retryAfterSeconds: number;
      limit: number;
      remaining: number;
    };

/** One per root principal (agent, user or API key); see actor-gate.ts. */
export interface ActorGateRpc extends Rpc.DurableObjectBranded {
  /** Checks a presented token (the root's own, or a session it minted); records the actor as seen. */
  authenticate(actor: PresentedActor, tokenHash: string): Promise<GateAuthentication>;
  /**
   * The proxy's one round trip: the token, the caller held to `cells` (the permission table's, as
   * the Worker read them for this request) in the vault it names, and a unit of its budget.
   */
  admit(
    presented: PresentedActor,
    tokenHash: string,
    vaultName: string | null,
    cells: HeldCells,
    request: RequestLine,
    released?: readonly LeaseRef[],
  ): Promise<GateAdmission>;
  /** Frees the in-flight slots of finished requests whose release did not ride on an admit. */
  release(released: readonly LeaseRef[]): Promise<void>;
  /** Drops what the gate knows of its root and the sessions it minted; closes the channels whose token ended. */
  invalidate(): Promise<void>;
  /** Accepts an agent's channel handed over by the edge (agent-channel/channel-handoff.ts). */
  fetch(request: Request): Promise<Response>;
  /** Test hooks: open channels, requests in flight, when the agent was last seen. */
  openChannels(): Promise<number>;
  inFlight(): Promise<number>;
  lastSeen(): Promise<number | null>;
}
