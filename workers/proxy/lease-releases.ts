/**
 * In-flight slots handed back without a Durable Object round trip of their own, so a warm
 * proxied request costs one round trip (the admit), its release included.
 *
 * When a request finishes, its slot waits in this isolate for the next admit to the same gate
 * and rides on it (`ActorGate.admit(…, released)` frees it before admitting). If no admit comes
 * within `RELEASE_WAIT_MS` (the agent went quiet, or its next requests land in other isolates),
 * the slot is sent by itself. The gate lets a release wait only while at most half the vault's
 * `max_concurrent` is in flight (`releaseMayWait`), so slots held back here never occupy more than
 * half of a caller's concurrency, and none for longer than `RELEASE_WAIT_MS`: under
 * `max_concurrent: 1` every slot is released at once, as before.
 *
 * A release sent by itself travels on its own stub, and the caller's next admit may reach the gate
 * before it (CI saw a 429 under `max_concurrent: 1` right after a 504). Until the gate acknowledges
 * it, such a release also rides on every admit from this isolate: freeing a slot twice is a no-op.
 */
import type { LeaseRef } from "../../durable-objects/actor-gate.rpc.ts";

/** How long a finished request's slot waits for the next admit before it is sent by itself. */
export const RELEASE_WAIT_MS = 1_000;

type Waiting = LeaseRef & { sent: boolean };

/** Gate name → slots waiting for that gate's next admit. Isolate-local, as the request log's buffer is. */
const waiting = new Map<string, Waiting[]>();

/** Gate name → releases sent by themselves that the gate has not yet acknowledged. */
const unacknowledged = new Map<string, Set<LeaseRef>>();

/**
 * Every slot waiting for this gate, taken (they go with its next admit or release), plus the
 * releases already sent by themselves and not yet acknowledged, which an admit may overtake.
 */
export function takeReleases(gate: string): LeaseRef[] {
  const slots = waiting.get(gate) ?? [];
  waiting.delete(gate);
  const taken = slots.map((slot) => {
    slot.sent = true;
    return { vaultId: slot.vaultId, leaseId: slot.leaseId };
  });
  const sent = unacknowledged.get(gate);
  return sent ? [...taken, ...sent] : taken;
}

/** Sends this gate's releases now, with any waiting for it; until acknowledged they also ride on admits. */
export function releaseNow(gate: string, lease: LeaseRef | undefined, send: (leases: LeaseRef[]) => Promise<void>): Promise<void> {
  const leases = lease ? [lease, ...takeReleases(gate)] : takeReleases(gate);
  if (leases.length === 0) return Promise.resolve();
  const pending = unacknowledged.get(gate) ?? new Set<LeaseRef>();
  unacknowledged.set(gate, pending);
  const mine = leases.filter((each) => !pending.has(each));
  for (const each of mine) pending.add(each);
  // A release that fails is not retried: the gate reclaims the slot after LEASE_TTL_MS.
  return send(leases)
    .catch(() => undefined)
    .finally(() => {
      for (const each of mine) pending.delete(each);
      if (pending.size === 0 && unacknowledged.get(gate) === pending) unacknowledged.delete(gate);
    });
}

/** Gates with a timer running to send their waiting slots: one timer per gate, not one per request. */
const timed = new Set<string>();

/**
 * Lets a finished request's slot wait for the gate's next admit; whatever no admit took within
 * `RELEASE_WAIT_MS` is sent by itself. One timer per gate covers every slot that waits while it
 * runs (a slot added late is sent sooner, never later), so a steady caller's requests set no timer
 * of their own; the timer lives in the request that started it (its `waitUntil`, its `send`).
 */
export function releaseLater(gate: string, lease: LeaseRef, waitUntil: (p: Promise<unknown>) => void, send: (leases: LeaseRef[]) => Promise<void>): void {
  const slot: Waiting = { ...lease, sent: false };
  const slots = waiting.get(gate);
  if (slots) slots.push(slot);
  else waiting.set(gate, [slot]);
  if (timed.has(gate)) return;
  timed.add(gate);
  waitUntil(
    releaseWait().then(async () => {
      timed.delete(gate);
      // An admit took them all meanwhile.
      if (!waiting.has(gate)) return;
      await releaseNow(gate, undefined, send);
    }),
  );
}

/** While true, release timers wait for the test that holds them before they start (`holdReleaseTimers`). */
let timersHeld = false;

async function releaseWait(): Promise<void> {
  // A held timer polls: a promise settled from the test's context would never resume this request's.
  while (timersHeld) await sleep(20);
  await sleep(RELEASE_WAIT_MS);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * For tests: release timers do not start until the returned function is called, and then run
 * their full RELEASE_WAIT_MS. A loaded machine may take longer than RELEASE_WAIT_MS over a few
 * requests (CI did), so a test that counts round trips holds the timers while it counts.
 */
export function holdReleaseTimers(): () => void {
  timersHeld = true;
  return () => {
    timersHeld = false;
  };
}
