/**
 * One per vault: the proxied requests that wait for a person (services with `require_approval`).
 * A held request is recorded in D1 (the history reviewers read) and then in this object's storage
 * (what the waiting request polls), announced to the vault's webhooks, and expired by the alarm
 * when its time runs out or nobody has waited on it for WAITER_GRACE_MS (its client went away).
 *
 * Durability is the point, and it comes from one order: a decision is written to D1 first (the
 * action's guarded batch), then stored here, and only then announced to the waiters. The request
 * that waits does not hold one long call open but asks again every few seconds
 * (workers/proxy/request-hold.ts), so an eviction or a restart in between loses no decision: the
 * next ask reads it from storage. And a decision whose announcement never arrived is found in D1
 * when the alarm would expire the request (the expiry is guarded on it still pending there).
 *
 * Time-boxed approvals (an approval `for_seconds`) are kept here too, so a later identical call is
 * released in the one round trip it already makes to this object, without D1.
 */
import { DurableObject } from "cloudflare:workers";
import { publicOriginOf } from "../workers/config.ts";
import { createDatabase, type Database } from "../workers/db/client.ts";
import { principalRefOf } from "../workers/db/principals.queries.ts";
import type { Env } from "../workers/env.ts";
import { newId } from "../workers/lib/crypto/tokens.ts";
import { WEBHOOK_RETRY_DELAYS_S } from "../workers/lib/crypto/webhook-signature.ts";
import type { PrincipalRef } from "../workers/proposals/proposals.contract.ts";
import { REQUEST_LOG_RETENTION_MS } from "../workers/request-log/request-log.writer.ts";
import { writeRequestLogRows } from "../workers/request-log/request-log.queries.ts";
import { heldRequestView, releaseGrantOf } from "../workers/requests/request-rows.ts";
import { requestWebhookPayload } from "../workers/requests/request-webhook.ts";
import { type ExpiryReason, type HeldRequestStatus, MAX_PENDING_HELD_PER_CALLER, MAX_PENDING_HELD_PER_VAULT } from "../workers/requests/requests.contract.ts";
import { expireHeldRequest, type HeldRequestRow, recordHeldRequest, releaseOfHeldRequest } from "../workers/requests/requests.queries.ts";
import { sendWebhook } from "../workers/webhooks/webhook-delivery.ts";
import type { GateActor } from "./actor-gate.rpc.ts";
import { webhooksOfVault } from "./proposal-watch.queries.ts";
import type { HeldDecision, HoldAsk, HoldOutcome, HoldTicket, ReleaseGrant, RequestApprovalsRpc } from "./request-approvals.rpc.ts";

const HELD = "held:";
const RELEASE = "release:";
const DELIVERIES = "deliveries";
/** A pending request nobody has waited on for this long lost its client (the waiter asks again at once after each wait). */
export const WAITER_GRACE_MS = 5_000;
/** A decided request stays here this long for a waiter that asks late; D1 keeps the history. */
const KEEP_DECIDED_MS = 10 * 60_000;

/** A held request as this object keeps it: its D1 row, its vault's name, and how it ended. */
type HeldEntry = { row: HeldRequestRow; vaultName: string; outcome?: HoldOutcome; settledAt?: number };
type Delivery = { id: string; webhookId: string; heldId: string; attempts: number; nextAt: number };

export class RequestApprovals extends DurableObject<Env> implements RequestApprovalsRpc {
  /** Held request id → the waits to wake with its outcome. */
  #waiters = new Map<string, Set<(outcome: HoldOutcome) => void>>();
  /** Held request id → when its last wait ended (none running); a new instance counts from its start. */
  #idleSince = new Map<string, number>();
  readonly #startedAt = Date.now();
  /** Holds between their count and their write, so requests arriving together cannot all pass the caps: in all, and per caller's root. */
  #reserved = 0;
  readonly #reservedBy = new Map<string, number>();
  #delivering: Promise<void> | undefined;

  async hold(ask: HoldAsk): Promise<HoldTicket> {
    const now = Date.now();
    const release = await this.#releaseFor(ask, now);
    if (release) return { outcome: "released", releaseId: release.id };
    const pending = (await this.#entries()).filter((e) => !e.outcome);
    // Counted and reserved with no await between: requests arriving together each see the others.
    if (pending.length + this.#reserved >= MAX_PENDING_HELD_PER_VAULT) return { outcome: "full", whose: "vault" };
    const root = `${ask.actor.root.type}:${ask.actor.root.id}`;
    const mine = pending.filter((e) => `${e.row.rootType}:${e.row.rootId}` === root).length + (this.#reservedBy.get(root) ?? 0);
    if (mine >= MAX_PENDING_HELD_PER_CALLER) return { outcome: "full", whose: "caller" };
    this.#reserved += 1;
    this.#reservedBy.set(root, (this.#reservedBy.get(root) ?? 0) + 1);
    try {
      const db = createDatabase(this.env.DB);
      const row: HeldRequestRow = {
        id: newId("hrq"),
        companyId: ask.companyId,
        vaultId: ask.vault.id,
        serviceId: ask.service.id,
        serviceName: ask.service.name,
        serviceVersion: ask.service.version,
        method: ask.method,
        host: ask.host,
        path: ask.path,
        actorType: ask.actor.kind,
        actorId: ask.actor.id,
        rootType: ask.actor.root.type,
        rootId: ask.actor.root.id,
        requestedBy: await requesterOf(db, ask.actor, ask.vault.id),
        status: "pending",
        expiredReason: null,
        reason: null,
        releasedForSeconds: null,
        decidedBy: null,
        decidedAt: null,
        createdAt: now,
        expiresAt: now + ask.service.timeoutSeconds * 1000,
      };
      // D1 first: what a reviewer lists exists before anyone can wait on it.
      await recordHeldRequest(db, row);
      const entry: HeldEntry = { row, vaultName: ask.vault.name };
      await this.ctx.storage.put(HELD + row.id, entry);
      this.#idleSince.set(row.id, now);
      await this.#enqueue(entry);
      await this.#arm();
      return { outcome: "held", id: row.id, expiresAt: row.expiresAt };
    } finally {
      this.#reserved -= 1;
      const left = (this.#reservedBy.get(root) ?? 1) - 1;
      if (left > 0) this.#reservedBy.set(root, left);
      else this.#reservedBy.delete(root);
    }
  }

  async wait(id: string, timeoutMs: number): Promise<HoldOutcome | null> {
    const entry = await this.#entry(id);
    // Never held here, or decided and forgotten long ago: nothing will ever release it.
    if (!entry) return { status: "expired", reason: "timeout" };
    if (entry.outcome) return entry.outcome;
    const waiters = this.#waiters.get(id) ?? new Set<(outcome: HoldOutcome) => void>();
    this.#waiters.set(id, waiters);
    this.#idleSince.delete(id);
    const outcome = await new Promise<HoldOutcome | null>((resolve) => {
      const done = (value: HoldOutcome | null) => {
        clearTimeout(timer);
        waiters.delete(done);
        resolve(value);
      };
      const timer = setTimeout(() => done(null), Math.max(0, timeoutMs));
      waiters.add(done);
    });
    if (waiters.size === 0) {
      this.#waiters.delete(id);
      this.#idleSince.set(id, Date.now());
      await this.#arm();
    }
    return outcome;
  }

  async settle(id: string, decision: HeldDecision): Promise<void> {
    if (decision.status === "approved" && decision.release) await this.ctx.storage.put(RELEASE + decision.release.id, decision.release);
    const entry = await this.#entry(id);
    if (entry && !entry.outcome) await this.#finish(entry, decision.status === "approved" ? { status: "approved" } : decision);
    await this.#arm();
  }

  async abandon(id: string, reason: ExpiryReason): Promise<void> {
    const entry = await this.#entry(id);
    if (!entry) return;
    // An approved request is expired only when the service changed before it was forwarded.
    const from: HeldRequestStatus | undefined = !entry.outcome ? "pending" : entry.outcome.status === "approved" ? "approved" : undefined;
    if (from) await this.#expire(entry, reason, from);
    await this.#arm();
  }

  async revokeRelease(id: string): Promise<void> {
    await this.ctx.storage.delete(RELEASE + id);
  }

  /** Expiry (timeout, or no waiter left), forgetting what was decided long ago, webhook retries: one alarm. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    for (const entry of await this.#entries()) {
      if (entry.outcome) {
        if (now - (entry.settledAt ?? 0) >= KEEP_DECIDED_MS) await this.ctx.storage.delete(HELD + entry.row.id);
        continue;
      }
      if (now >= entry.row.expiresAt) await this.#expire(entry, "timeout", "pending");
      else if (this.#abandoned(entry.row.id, now)) await this.#expire(entry, "client_gone", "pending");
    }
    for (const [key, release] of await this.ctx.storage.list<ReleaseGrant>({ prefix: RELEASE })) {
      if (release.expiresAt <= now) await this.ctx.storage.delete(key);
    }
    await this.#deliverDue();
    await this.#arm();
  }

  /** No wait is running on it, and none has since WAITER_GRACE_MS (a new instance counts from its start). */
  #abandoned(id: string, now: number): boolean {
    if (this.#waiters.has(id)) return false;
    return now - (this.#idleSince.get(id) ?? this.#startedAt) >= WAITER_GRACE_MS;
  }

  /** The time-boxed approval that releases this call now: same service, root, method, host and path. */
  async #releaseFor(ask: HoldAsk, now: number): Promise<ReleaseGrant | undefined> {
    const releases = await this.ctx.storage.list<ReleaseGrant>({ prefix: RELEASE });
    for (const release of releases.values()) {
      if (
        release.expiresAt > now &&
        release.serviceId === ask.service.id &&
        release.root.type === ask.actor.root.type &&
        release.root.id === ask.actor.root.id &&
        release.method === ask.method &&
        release.host === ask.host &&
        release.path === ask.path
      )
        return release;
    }
    return undefined;
  }

  /**
   * Expires a request still `from` in D1 (guarded there), with its audit row, and a request-log row
   * when its client went away (no request is left to log it). Decided in D1 first, by a person
   * whose announcement has not arrived (or never will): this object takes D1's word.
   */
  async #expire(entry: HeldEntry, reason: ExpiryReason, from: HeldRequestStatus): Promise<void> {
    const db = createDatabase(this.env.DB);
    const now = Date.now();
    const result = await expireHeldRequest(db, entry.row.companyId, entry.row.id, reason, from, now);
    if (result.expired) {
      if (reason === "client_gone") await logGone(db, entry.row, now);
      await this.#finish(entry, { status: "expired", reason });
      return;
    }
    const row = result.row;
    if (!row) return this.#finish(entry, { status: "expired", reason }); // its vault was deleted with it
    if (row.status === "approved" && from === "pending") {
      const release = await releaseOfHeldRequest(db, row.companyId, row.id);
      if (release) await this.settle(row.id, { status: "approved", release: releaseGrantOf(release) });
      else await this.#finish(entry, { status: "approved" });
    } else if (row.status === "rejected") await this.#finish(entry, { status: "rejected", reason: row.reason });
    else if (row.status === "expired") await this.#finish(entry, { status: "expired", reason: row.expiredReason ?? reason });
  }

  /** Stores the outcome, then wakes every wait on it: an outcome is never announced before it is kept. */
  async #finish(entry: HeldEntry, outcome: HoldOutcome): Promise<void> {
    await this.ctx.storage.put(HELD + entry.row.id, { ...entry, outcome, settledAt: Date.now() } satisfies HeldEntry);
    for (const wake of [...(this.#waiters.get(entry.row.id) ?? [])]) wake(outcome);
  }

  async #entry(id: string): Promise<HeldEntry | undefined> {
    return this.ctx.storage.get<HeldEntry>(HELD + id);
  }

  async #entries(): Promise<HeldEntry[]> {
    return [...(await this.ctx.storage.list<HeldEntry>({ prefix: HELD })).values()];
  }

  /** `request.pending` for the vault's webhooks that want it; the first attempts go out now. */
  async #enqueue(entry: HeldEntry): Promise<void> {
    const hooks = await webhooksOfVault(createDatabase(this.env.DB), entry.row.companyId, entry.row.vaultId);
    const fresh = hooks
      .filter((h) => h.events.includes("request.pending"))
      .map((h): Delivery => ({ id: newId("dlv"), webhookId: h.id, heldId: entry.row.id, attempts: 0, nextAt: Date.now() }));
    if (fresh.length === 0) return;
    const queued = (await this.ctx.storage.get<Delivery[]>(DELIVERIES)) ?? [];
    await this.ctx.storage.put(DELIVERIES, [...queued, ...fresh]);
    this.ctx.waitUntil(this.#deliverDue());
  }

  /** One delivery pass at a time (a fetch lets other calls in, and a delivery must not go twice). */
  #deliverDue(): Promise<void> {
    this.#delivering ??= this.#deliverPass().finally(() => (this.#delivering = undefined));
    return this.#delivering;
  }

  async #deliverPass(): Promise<void> {
    const queued = (await this.ctx.storage.get<Delivery[]>(DELIVERIES)) ?? [];
    if (queued.length === 0) return;
    const now = Date.now();
    const attempted = new Set<string>();
    const retries: Delivery[] = [];
    for (const delivery of queued) {
      if (delivery.nextAt > now) continue;
      attempted.add(delivery.id);
      const entry = await this.#entry(delivery.heldId);
      // Announcing a request nobody can decide any more helps no one.
      if (!entry || entry.outcome) continue;
      const view = heldRequestView(entry.row, entry.vaultName, publicOriginOf(this.env));
      const payload = requestWebhookPayload("request.pending", view, delivery.id);
      const ok = await sendWebhook(this.env, entry.row.companyId, delivery.webhookId, "request.pending", delivery.id, payload).catch(() => false);
      const delay = WEBHOOK_RETRY_DELAYS_S[delivery.attempts];
      if (!ok && delay !== undefined) retries.push({ ...delivery, attempts: delivery.attempts + 1, nextAt: now + delay * 1000 });
    }
    // Re-read: deliveries enqueued while this pass was sending must not be lost.
    const current = (await this.ctx.storage.get<Delivery[]>(DELIVERIES)) ?? [];
    await this.ctx.storage.put(DELIVERIES, [...current.filter((d) => !attempted.has(d.id)), ...retries]);
    await this.#arm();
  }

  /** The alarm at whichever comes first: an expiry, a waiter's grace running out, forgetting a decision, a retry. */
  async #arm(): Promise<void> {
    const now = Date.now();
    const times: number[] = [];
    for (const entry of await this.#entries()) {
      if (entry.outcome) times.push((entry.settledAt ?? now) + KEEP_DECIDED_MS);
      else {
        times.push(entry.row.expiresAt);
        if (!this.#waiters.has(entry.row.id)) times.push((this.#idleSince.get(entry.row.id) ?? this.#startedAt) + WAITER_GRACE_MS);
      }
    }
    for (const release of (await this.ctx.storage.list<ReleaseGrant>({ prefix: RELEASE })).values()) times.push(release.expiresAt);
    for (const delivery of (await this.ctx.storage.get<Delivery[]>(DELIVERIES)) ?? []) times.push(delivery.nextAt);
    if (times.length === 0) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    await this.ctx.storage.setAlarm(Math.max(now, Math.min(...times)));
  }
}

/** Who asks, named by the edge: an agent by its name; a session as its minter, the session's label only beside it. */
async function requesterOf(db: Database, actor: GateActor, vaultId: string): Promise<PrincipalRef> {
  if (actor.kind === "agent") return { kind: "agent", id: actor.id, name: actor.name };
  return principalRefOf(db, {
    kind: "vault_session",
    companyId: actor.companyId,
    id: actor.id,
    vaultId,
    companyRole: "member",
    role: "proxy",
    mintedBy: actor.root,
  });
}

/** The request log's row for a call whose client went away while it waited: no request is left to write it. */
function logGone(db: Database, row: HeldRequestRow, now: number): Promise<void> {
  const logged = {
    companyId: row.companyId,
    vaultId: row.vaultId,
    actorType: row.actorType,
    actorId: row.actorId,
    service: row.serviceName,
    method: row.method,
    host: row.host,
    path: row.path,
    status: 403,
    latencyMs: now - row.createdAt,
    bytesIn: null,
    bytesOut: null,
    denial: "request_approval_expired",
    createdAt: row.createdAt,
  };
  return writeRequestLogRows(db, [logged], now - REQUEST_LOG_RETENTION_MS);
}
