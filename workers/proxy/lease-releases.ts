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
 */
import type { LeaseRef } from "../../durable-objects/actor-gate.rpc.ts";

/** How long a finished request's slot waits for the next admit before it is sent by itself. */
export const RELEASE_WAIT_MS = 1_000;

type Waiting = LeaseRef & { sent: boolean };

/** Gate name → slots waiting for that gate's next admit. Isolate-local, as the request log's buffer is. */
const waiting = new Map<string, Waiting[]>();

/** Takes every slot waiting for this gate: they go with its next admit (or release). */
export function takeReleases(gate: string): LeaseRef[] {
  const slots = waiting.get(gate);
  if (!slots) return [];
  waiting.delete(gate);
  return slots.map((slot) => {
    slot.sent = true;
    return { vaultId: slot.vaultId, leaseId: slot.leaseId };
  });
}

/**
 * Lets a finished request's slot wait for the gate's next admit; if none took it within
 * `RELEASE_WAIT_MS`, `send` releases it (with any others waiting for that gate) by itself.
 */
export function releaseLater(gate: string, lease: LeaseRef, waitUntil: (p: Promise<unknown>) => void, send: (leases: LeaseRef[]) => Promise<void>): void {
  const slot: Waiting = { ...lease, sent: false };
  const slots = waiting.get(gate);
  if (slots) slots.push(slot);
  else waiting.set(gate, [slot]);
  waitUntil(
    new Promise((resolve) => setTimeout(resolve, RELEASE_WAIT_MS)).then(async () => {
      if (slot.sent) return;
      // A release that fails is not retried: the gate reclaims the slot after LEASE_TTL_MS.
      await send(takeReleases(gate)).catch(() => undefined);
    }),
  );
}
