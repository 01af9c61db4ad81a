/**
 * One per root principal (an agent, a user or an API key): the authority on whether its token, and
 * every vault session it minted, is still valid; its rate-limit buckets per vault (shared by its
 * sessions, so delegation cannot multiply a budget); its in-flight requests and last-seen time.
 *
 * The edge reaches it by the public id inside the token, so a proxied request pays exactly one
 * round trip here (`admit`: token + grant + budget) and no D1 query once the object is warm.
 * Management changes call `invalidate()` after writing D1; a load that was in flight when an
 * invalidation landed is discarded (the generation number), so a revocation cannot be undone by
 * a slow read, and the very next request re-reads D1.
 *
 * An agent's gate also holds its channels (WebSockets, agent-channels.ts): it accepts one only for
 * the agent's current token, answers pings, keeps the agent's presence in D1 while one is open,
 * and closes them when an invalidation shows the token they were opened with has ended.
 */
import { DurableObject } from "cloudflare:workers";
import type { RootKey } from "../workers/lib/principal.ts";
import type { ActorGateRpc, GateActor, GateAdmission, GateAuthentication, GateIdentity, LeaseRef, PresentedActor, RequestLine } from "./actor-gate.rpc.ts";
import { createDatabase, type Database } from "../workers/db/client.ts";
import { queueLastSeen } from "./last-seen-writes.ts";
import { loadRootState, loadSessionState, type RootState, type SessionState } from "./actor-gate.queries.ts";
import type { VaultRole } from "../workers/db/schema.ts";
import { loadVaultMeta, type VaultMeta } from "../workers/vaults/vault-meta.queries.ts";
import { type RootCopy, sharedRootCopies } from "./root-copies.ts";
import { sharedVaultMeta, type VaultLookup } from "./vault-meta-cache.ts";
import type { Env } from "../workers/env.ts";
import { lesserRole, roleAtLeast } from "../workers/lib/principal.ts";
import { type Cell, SESSION_MINTING_ROLE } from "../workers/auth/permission-table.ts";
import { columnOf, type HeldCells, holdRoleToCell } from "../workers/auth/hold-to-row.ts";
import { admit, effectiveRateLimit, newBucket, release, type Bucket } from "../workers/lib/rate-limit.ts";
import { digestsEqual } from "../workers/lib/crypto/tokens.ts";
import { AgentHandoff, readHandoff } from "../workers/agent-channel/channel-handoff.ts";
import { answerClose, readFrame, refuse, sendFrame } from "../workers/agent-channel/channel-frames.ts";
import { CLOSE_CREDENTIAL_ENDED } from "../workers/agent-channel/agent-channel.contract.ts";
import { AppError } from "../workers/lib/app-error.ts";
import { AgentChannels } from "./agent-channels.ts";
import { AlarmSchedule } from "./alarm-schedule.ts";
import { GateDenials } from "./gate-denials.ts";
import { sealChains } from "../workers/chain/chain-sealer-client.ts";

/** Last-seen is written to D1 at most this often per agent. */
export const LAST_SEEN_FLUSH_MS = 60_000;
/** An in-flight slot whose release never arrived is reclaimed after this long. */
export const LEASE_TTL_MS = 120_000;
/** The role a vault session acts with, before its minter's own role bounds it. */
export const SESSION_ROLE: VaultRole = "proxy";
/** Where the gate keeps its epoch: replaced by every invalidation, it outdates the isolates' copies of its root (root-copies.ts). */
const EPOCH_KEY = "root-epoch";
const MAX_CACHED_SESSIONS = 1_024;
/** The exact ping the runtime answers by itself (other spellings reach `webSocketMessage`). */
const PING = JSON.stringify({ type: "ping" });
const PONG = JSON.stringify({ type: "pong" });

/** The D1 reads behind the cache; a field so a test can hold a load open and interleave an invalidation. */
export type GateLoaders = {
  root: (db: Database, key: RootKey) => Promise<RootState | undefined>;
  session: (db: Database, root: RootState, sessionId: string, now: number) => Promise<SessionState | undefined>;
};

type Resolved = { root: RootState; identity: GateIdentity; actor: GateActor; session?: SessionState };

export class ActorGate extends DurableObject<Env> implements ActorGateRpc {
  loaders: GateLoaders = { root: loadRootState, session: loadSessionState };
  #generation = 0;
  #root: { id: string; state: RootState | null } | undefined;
  /** The isolate's copy of `#root`, which the gate's next instance may start from. */
  #copy: RootCopy | undefined;
  #epoch: string | undefined;
  #gateId: string;
  #sessions = new Map<string, SessionState | null>();
  #lastSeenAt: number | undefined;
  #lastFlushedAt = 0;
  #buckets = new Map<string, Bucket>();
  #leases = 0;
  /** Lease ids name this instance too, so a late release cannot free a slot of a later instance. */
  #instance = crypto.randomUUID().slice(0, 8);
  #denials: GateDenials;
  /** The one alarm, shared by the refusal flush and the channels' presence renewal. */
  #alarm: AlarmSchedule;
  #channels: AgentChannels;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#gateId = ctx.id.toString();
    this.#alarm = new AlarmSchedule(ctx.storage);
    this.#channels = new AgentChannels(ctx, () => this.#db(), this.#alarm);
    // Nothing is read from storage on the way up: a cold gate's first request pays only its D1 load.
    this.#denials = new GateDenials(ctx.storage, this.#alarm, (p) => ctx.waitUntil(p));
    // Answered by the runtime without waking the object, so an idle channel costs no wake-ups.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  /** Checks a presented token (the root's own, or a session it minted); records the actor as seen. */
  async authenticate(actor: PresentedActor, tokenHash: string): Promise<GateAuthentication> {
    const resolved = await this.#resolve(actor, tokenHash, Date.now());
    return resolved ? { ok: true, identity: resolved.identity } : { ok: false };
  }

  /**
   * The proxy's one round trip: token check, the caller held to its cell of the proxy's row in the
   * named vault, and one unit of the root's budget in that vault plus an in-flight slot. The cells
   * are the permission table's, as the Worker read them for this request: the gate enforces what
   * it is given and holds no rule of its own. The slots of requests that finished since come with
   * it (`released`) and are freed first; a slot that must not wait is released by `release`
   * instead. Vault sessions may omit the vault name (it is embedded in the session).
   */
  async admit(
    presented: PresentedActor,
    tokenHash: string,
    vaultName: string | null,
    cells: HeldCells,
    request: RequestLine,
    released: readonly LeaseRef[] = [],
  ): Promise<GateAdmission> {
    this.#free(released);
    const now = Date.now();
    const resolved = await this.#resolve(presented, tokenHash, now);
    if (!resolved) return { ok: false, code: "unauthorized" };
    const { root, identity, actor } = resolved;
    // The Worker held the token to every column it might sit in; now that the gate knows which, its cell.
    const column = columnOf(identity);
    const cell = cells[column];
    if (!cell) return { ok: false, code: "forbidden", actor, column };
    const sessionVaultId = identity.kind === "vault_session" ? identity.vaultId : undefined;
    if (!vaultName && !sessionVaultId) return { ok: false, code: "vault_required", actor };
    const by: VaultLookup = sessionVaultId ? { id: sessionVaultId } : { name: vaultName ?? "" };
    const load = () => loadVaultMeta(this.#db(), root.companyId, by);
    let read = await sharedVaultMeta.get(root.companyId, by, load, (p) => this.ctx.waitUntil(p), now);
    let access = vaultAccess(root, identity, vaultName, read.value, cell);
    // A refusal never rests on a copy: the vault (or the name) may be a moment old (vault-meta-cache.ts).
    if (!access.ok) {
      read = await sharedVaultMeta.recheck(root.companyId, by, read, load, this.#copy?.loadedAt);
      access = vaultAccess(root, identity, vaultName, read.value, cell);
    }
    if (!access.ok) {
      if (access.code === "role_too_low") return { ok: false, code: access.code, actor, needed: access.needed, role: access.role };
      return access.code === "forbidden" ? { ok: false, code: "forbidden", actor, column } : { ok: false, code: access.code, actor };
    }
    const { vault, role } = access;

    const limit = effectiveRateLimit(vault.rateLimit, root.rateLimit);
    const bucket = this.#buckets.get(vault.id) ?? newBucket(limit, now);
    this.#buckets.set(vault.id, bucket);
    const leaseId = `${this.#instance}.${++this.#leases}`;
    const decision = admit(bucket, limit, now, leaseId, LEASE_TTL_MS);
    const vaultRef = { id: vault.id, name: vault.name };
    if (!decision.admitted) {
      await this.#denials.count({ actor, vaultId: vaultRef.id, code: decision.reason, ...request }, now);
      return {
        ok: false,
        code: decision.reason,
        actor,
        vault: vaultRef,
        retryAfterSeconds: decision.retryAfterSeconds,
        limit: limit.burst,
        remaining: decision.remaining,
      };
    }
    const releaseMayWait = bucket.inFlight.size * 2 <= limit.maxConcurrent;
    return { ok: true, actor, vault: vaultRef, role, limit: limit.burst, remaining: decision.remaining, leaseId, releaseMayWait };
  }

  /** Frees the in-flight slots of finished requests whose release did not ride on an admit. */
  async release(released: readonly LeaseRef[]): Promise<void> {
    this.#free(released);
  }

  #free(released: readonly LeaseRef[]): void {
    for (const { vaultId, leaseId } of released) {
      const bucket = this.#buckets.get(vaultId);
      if (bucket) release(bucket, leaseId);
    }
  }

  /**
   * Drops the cached state of the root and its sessions; loads already in flight are discarded.
   * Open channels are checked against the state as it is now, and those whose token has ended are
   * closed before this returns (so the write that invalidated answers after they are).
   */
  async invalidate(): Promise<void> {
    this.#generation += 1;
    // Outdates this gate's copies in every isolate (root-copies.ts), stored before this call answers.
    this.#epoch = crypto.randomUUID();
    this.ctx.storage.kv.put(EPOCH_KEY, this.#epoch);
    const companyId = this.#root?.state?.companyId ?? this.#copy?.state?.companyId;
    if (companyId) sharedVaultMeta.forgetCompany(companyId);
    this.#root = undefined;
    this.#copy = undefined;
    this.#sessions.clear();
    await this.#closeEndedChannels();
  }

  /**
   * Opens an agent's channel. The edge authenticated the upgrade moments ago; it is accepted only if
   * the token it was authenticated with is still the agent's, checked against the same state (and
   * generation) as every request, so an invalidation that landed meanwhile refuses it.
   */
  override async fetch(request: Request): Promise<Response> {
    const handoff = readHandoff(request, AgentHandoff);
    if (!handoff) return new Response(null, { status: 400 });
    const root = await this.#rootState({ type: "agent", id: handoff.agentId });
    if (root?.token?.id !== handoff.tokenId) return new Response(null, { status: 401 });
    const socket = await this.#channels.accept({ agentId: handoff.agentId, tokenId: handoff.tokenId });
    return new Response(null, { status: 101, webSocket: socket });
  }

  /** A channel's frames: pings (when the runtime did not already answer them); anything else is refused. */
  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const read = readFrame(message, ["ping"]);
    if (!read.ok) return refuse(ws, read.error);
    sendFrame(ws, { type: "pong" });
  }

  // A presence write that fails here is not retried: the lease runs out by itself.
  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    answerClose(ws, code);
    await this.#channels.record().catch(() => undefined);
  }

  override async webSocketError(): Promise<void> {
    await this.#channels.record().catch(() => undefined);
  }

  /** How many channels are open, once D1's presence agrees (a test hook, as `lastSeen` is). */
  async openChannels(): Promise<number> {
    await this.#channels.record();
    return this.#channels.open().length;
  }

  /** Requests holding an in-flight slot, across its vaults (a test hook, as `lastSeen` is). */
  async inFlight(): Promise<number> {
    return [...this.#buckets.values()].reduce((sum, bucket) => sum + bucket.inFlight.size, 0);
  }

  /** Last time this agent presented its own valid token (memory only; D1 lags by up to a minute). */
  async lastSeen(): Promise<number | null> {
    return this.#lastSeenAt ?? null;
  }

  /**
   * Renews (or clears) the channels' presence, then writes the refused requests counted since the
   * last flush: one row per actor, vault and reason (each attested in its company's chain).
   */
  override async alarm(): Promise<void> {
    await this.#channels.record();
    await sealChains(this.env, await this.#denials.flush(this.#db()));
  }

  async #resolve(presented: PresentedActor, tokenHash: string, now: number): Promise<Resolved | undefined> {
    for (;;) {
      const generation = this.#generation;
      const root = await this.#rootState(presented.root);
      if (!root) return undefined;
      if (!presented.sessionId) return this.#asAgent(root, tokenHash, now);
      const session = await this.#sessionState(root, presented.sessionId, now);
      // An invalidation landed while the session was read: its root may be stale too, start over.
      if (generation !== this.#generation) continue;
      if (!session || session.expiresAt <= now || !digestsEqual(session.tokenHash, tokenHash)) return undefined;
      // A session lives while its minter could still mint it, and acts with the lesser of its own
      // role and its minter's current role in the vault.
      const minterRole = rootRoleIn(root, session.vaultId);
      if (!roleAtLeast(minterRole, SESSION_MINTING_ROLE) || !minterRole) return undefined;
      const identity: GateIdentity = {
        kind: "vault_session",
        id: session.id,
        companyId: root.companyId,
        vaultId: session.vaultId,
        role: lesserRole(SESSION_ROLE, minterRole),
        label: session.label,
        mintedBy: root.key,
      };
      return { root, session, identity, actor: { kind: "vault_session", id: session.id, companyId: root.companyId, name: session.label, root: root.key } };
    }
  }

  #asAgent(root: RootState, tokenHash: string, now: number): Resolved | undefined {
    if (root.key.type !== "agent" || !root.token || !digestsEqual(root.token.hash, tokenHash)) return undefined;
    this.#seen(root, now);
    return {
      root,
      identity: {
        kind: "agent",
        id: root.key.id,
        companyId: root.companyId,
        tokenId: root.token.id,
        companyRole: root.companyRole,
        name: root.name,
        grants: root.grants,
      },
      actor: { kind: "agent", id: root.key.id, companyId: root.companyId, name: root.name, root: root.key },
    };
  }

  async #rootState(key: RootKey): Promise<RootState | null> {
    for (;;) {
      if (this.#root?.id === key.id) return this.#root.state;
      const generation = this.#generation;
      const epoch = this.#currentEpoch();
      const copyKey = `${this.#gateId}|${key.type}:${key.id}`;
      const copy = sharedRootCopies.get(copyKey, epoch);
      if (copy) {
        this.#adopt(key, copy);
        return copy.state;
      }
      const loadedAt = Date.now();
      const state = (await this.loaders.root(this.#db(), key)) ?? null;
      // An invalidation that landed while this read was in flight may postdate what it read: read again.
      if (generation !== this.#generation) continue;
      // A gate that went cold does not write last-seen again when D1's is recent enough.
      const lastFlushedAt = Math.max(this.#lastFlushedAt, state?.lastSeenAt ?? 0);
      const fresh: RootCopy = { epoch, state, loadedAt, lastFlushedAt };
      sharedRootCopies.set(copyKey, fresh);
      this.#adopt(key, fresh);
      return state;
    }
  }

  #adopt(key: RootKey, copy: RootCopy): void {
    this.#root = { id: key.id, state: copy.state };
    this.#copy = copy;
    this.#lastFlushedAt = Math.max(this.#lastFlushedAt, copy.lastFlushedAt);
  }

  /** The gate's epoch, from its storage once per instance (a synchronous local read); made on first use. */
  #currentEpoch(): string {
    if (this.#epoch) return this.#epoch;
    let epoch = this.ctx.storage.kv.get<string>(EPOCH_KEY);
    if (!epoch) {
      epoch = crypto.randomUUID();
      this.ctx.storage.kv.put(EPOCH_KEY, epoch);
    }
    this.#epoch = epoch;
    return epoch;
  }

  /** The session's cached state; not cached when an invalidation landed during the read (the caller retries). */
  async #sessionState(root: RootState, sessionId: string, now: number): Promise<SessionState | null> {
    const cached = this.#sessions.get(sessionId);
    if (cached !== undefined) return cached;
    const generation = this.#generation;
    const state = (await this.loaders.session(this.#db(), root, sessionId, now)) ?? null;
    if (generation !== this.#generation) return null;
    if (this.#sessions.size >= MAX_CACHED_SESSIONS) this.#sessions.clear();
    this.#sessions.set(sessionId, state);
    return state;
  }

  /**
   * Closes the channels whose token ended (rotated, revoked, the agent disabled or deleted), then
   * records presence. Never throws: the change that invalidated is already in D1. When the state
   * cannot be read, every channel is closed, since none can be vouched for; the agent reconnects
   * and is authenticated afresh.
   */
  async #closeEndedChannels(): Promise<void> {
    const open = this.#channels.open();
    if (open.length === 0) return;
    try {
      for (const { ws, channel } of open) {
        const root = await this.#rootState({ type: "agent", id: channel.agentId });
        if (!root) refuse(ws, new AppError(401, "agent_inactive", "The agent was disabled or deleted"), CLOSE_CREDENTIAL_ENDED);
        else if (root.token?.id !== channel.tokenId)
          refuse(ws, new AppError(401, "token_revoked", "The token this channel was opened with was rotated or revoked"), CLOSE_CREDENTIAL_ENDED);
      }
    } catch (error) {
      for (const { ws } of this.#channels.open()) refuse(ws, error);
    }
    await this.#channels.record().catch(() => undefined);
  }

  #seen(root: RootState, now: number): void {
    this.#lastSeenAt = now;
    if (now - this.#lastFlushedAt < LAST_SEEN_FLUSH_MS) return;
    const copy = this.#copy;
    this.#lastFlushedAt = now;
    if (copy) copy.lastFlushedAt = now;
    const failed = () => {
      this.#lastFlushedAt = 0;
      if (copy) copy.lastFlushedAt = 0;
    };
    queueLastSeen(
      root.key.id,
      now,
      failed,
      () => this.#db(),
      (p) => this.ctx.waitUntil(p),
    );
  }

  #db(): Database {
    return createDatabase(this.env.DB);
  }
}

/**
 * The root's own role in a vault: admin everywhere for company owners and API keys (a grant row
 * left on an owner does not lower them, as in auth/permissions.ts), else its grant.
 */
function rootRoleIn(root: RootState, vaultId: string): VaultRole | undefined {
  return root.companyRole === "owner" ? "admin" : root.grants[vaultId];
}

type VaultAccess =
  | { ok: true; vault: VaultMeta; role: VaultRole }
  | { ok: false; code: "vault_not_found" | "no_grant" | "forbidden" }
  | { ok: false; code: "role_too_low"; needed: VaultRole; role: VaultRole };

/** The actor's role in the vault it named (or its session is bound to), held to its cell; or why not. */
function vaultAccess(root: RootState, identity: GateIdentity, vaultName: string | null, vault: VaultMeta | null, cell: Cell): VaultAccess {
  if (!vault) return { ok: false, code: "vault_not_found" };
  if (vaultName && vault.name !== vaultName) return { ok: false, code: "no_grant" };
  const verdict = holdRoleToCell(cell, identity.kind === "vault_session" ? identity.role : rootRoleIn(root, vault.id));
  if (verdict.ok) return { ok: true, vault, role: verdict.role };
  if (verdict.why === "too_low") return { ok: false, code: "role_too_low", needed: verdict.needed, role: verdict.role };
  return { ok: false, code: verdict.why === "no_role" ? "no_grant" : "forbidden" };
}
