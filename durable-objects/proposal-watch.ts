/**
 * One per proposal: its public record (so agents polling GET /v1/proposals/:id cost no D1
 * read), the requests long-polling it (?wait=), its 7-day expiry alarm, and its webhook
 * deliveries with retries. D1 stays the source of truth for decisions; the handler that
 * decides in D1 then calls `settle()` here, which wakes every waiter at once.
 */
import { DurableObject } from "cloudflare:workers";
import { createDatabase } from "../workers/db/client.ts";
import type { Env } from "../workers/env.ts";
import { eventForStatus, type ProposalEvent, type ProposalRecord, type ProposalView } from "../workers/proposals/proposal-view.ts";
import { newId } from "../workers/lib/crypto/tokens.ts";
import { WEBHOOK_RETRY_DELAYS_S } from "../workers/lib/crypto/webhook-signature.ts";
import { deliver, type WebhookDelivery } from "../workers/webhooks/webhook-delivery.ts";
import { expirePendingProposal, webhooksOfVault } from "./proposal-watch.queries.ts";
import type { ProposalWatchRpc } from "./proposal-watch.rpc.ts";

const RECORD = "record";
const DELIVERIES = "deliveries";

export class ProposalWatch extends DurableObject<Env> implements ProposalWatchRpc {
  #waiters = new Set<(view: ProposalView) => void>();
  #delivering: Promise<void> | undefined;

  /** Stores a new proposal's record, arms its expiry and announces it. */
  async open(record: ProposalRecord, approvalUrl: string): Promise<void> {
    await this.ctx.storage.put(RECORD, record);
    await this.#enqueue(record, "proposal.created", approvalUrl);
    await this.#arm();
  }

  /** The stored record, or null when this object never heard of the proposal. */
  async read(): Promise<ProposalRecord | null> {
    return this.#load();
  }

  /** Resolves with the view as soon as it is no longer pending, or after `timeoutMs`. */
  async wait(timeoutMs: number): Promise<ProposalView | null> {
    const record = await this.#load();
    if (record?.view.status !== "pending") return record?.view ?? null;
    return new Promise<ProposalView>((resolve) => {
      const done = (view: ProposalView) => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve(view);
      };
      const timer = setTimeout(() => done(record.view), timeoutMs);
      this.#waiters.add(done);
    });
  }

  /** Records a decision already written to D1, wakes the waiters and notifies webhooks. */
  async settle(view: ProposalView): Promise<void> {
    const record = await this.#load();
    if (record?.view.status !== "pending") return;
    const settled = { ...record, view };
    await this.ctx.storage.put(RECORD, settled);
    for (const wake of [...this.#waiters]) wake(view);
    await this.#enqueue(settled, eventForStatus(view.status));
    await this.#arm();
  }

  /** Expiry (7 days after creation) and webhook retries share the one alarm. */
  override async alarm(): Promise<void> {
    const record = await this.#load();
    if (!record) return;
    if (record.view.status === "pending" && Date.now() >= record.expiresAt) {
      // Someone decided in D1 just before expiry: their settle() is on its way; do not overwrite it.
      if (await expirePendingProposal(createDatabase(this.env.DB), record.view.id)) await this.settle({ ...record.view, status: "expired" });
    }
    await this.#deliverDue();
    await this.#arm();
  }

  /** Storage keeps its own in-memory cache, so reading it each time costs nothing extra. */
  async #load(): Promise<ProposalRecord | null> {
    return (await this.ctx.storage.get<ProposalRecord>(RECORD)) ?? null;
  }

  async #enqueue(record: ProposalRecord, event: ProposalEvent, approvalUrl?: string): Promise<void> {
    const hooks = await webhooksOfVault(createDatabase(this.env.DB), record.companyId, record.vaultId);
    const fresh: WebhookDelivery[] = hooks
      .filter((h) => h.events.includes(event))
      .map((h) => ({ id: newId("dlv"), webhookId: h.id, event, attempts: 0, nextAt: Date.now(), ...(approvalUrl ? { approvalUrl } : {}) }));
    if (fresh.length === 0) return;
    const queued = (await this.ctx.storage.get<WebhookDelivery[]>(DELIVERIES)) ?? [];
    await this.ctx.storage.put(DELIVERIES, [...queued, ...fresh]);
    // First attempts go out now rather than waiting for the alarm.
    this.ctx.waitUntil(this.#deliverDue());
  }

  /** One delivery pass at a time: a fetch lets other events in, and a delivery must not go twice. */
  #deliverDue(): Promise<void> {
    this.#delivering ??= this.#deliverPass().finally(() => (this.#delivering = undefined));
    return this.#delivering;
  }

  async #deliverPass(): Promise<void> {
    const record = await this.#load();
    const queued = (await this.ctx.storage.get<WebhookDelivery[]>(DELIVERIES)) ?? [];
    if (!record || queued.length === 0) return;
    const now = Date.now();
    const attempted = new Set<string>();
    const retries: WebhookDelivery[] = [];
    for (const delivery of queued) {
      if (delivery.nextAt > now) continue;
      attempted.add(delivery.id);
      const ok = await deliver(this.env, record.companyId, delivery, record.view).catch(() => false);
      const delay = WEBHOOK_RETRY_DELAYS_S[delivery.attempts];
      if (!ok && delay !== undefined) retries.push({ ...delivery, attempts: delivery.attempts + 1, nextAt: now + delay * 1000 });
    }
    // Re-read: deliveries enqueued while this pass was sending must not be lost.
    const current = (await this.ctx.storage.get<WebhookDelivery[]>(DELIVERIES)) ?? [];
    await this.ctx.storage.put(DELIVERIES, [...current.filter((d) => !attempted.has(d.id)), ...retries]);
    await this.#arm();
  }

  /** Points the alarm at whichever comes first: expiry of a pending proposal or a retry. */
  async #arm(): Promise<void> {
    const record = await this.#load();
    const queued = (await this.ctx.storage.get<WebhookDelivery[]>(DELIVERIES)) ?? [];
    const times = queued.map((d) => d.nextAt);
    if (record?.view.status === "pending") times.push(record.expiresAt);
    if (times.length === 0) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    await this.ctx.storage.setAlarm(Math.max(Date.now(), Math.min(...times)));
  }
}
