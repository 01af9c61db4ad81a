/**
 * Agents' last-seen moments, written to D1 together: every gate in an isolate hands its agent's
 * moment here (at most once a minute per agent, actor-gate.ts `LAST_SEEN_FLUSH_MS`), and one
 * statement per `LAST_SEEN_BATCH_MS` writes them all. With 1,000 agents that is about one write a
 * second in place of 17, and a thousand agents waking at once cost a handful of writes, not a
 * thousand (bench/README.md, issue 24: those single updates were what 1,000 agents cost over one).
 *
 * The batch is written from the gate that opened it (its `waitUntil`, its D1 binding); the others
 * only add to it. When the write fails every gate in it is told, and each writes again on its
 * agent's next request, as after a failed single update. No request waits on any of it.
 */
import type { Database } from "../workers/db/client.ts";
import { writeLastSeen } from "./actor-gate.queries.ts";

/** How long a batch stays open for more agents after its first. */
export const LAST_SEEN_BATCH_MS = 1_000;

/** The most agents one statement carries (D1 caps a statement at 100 KB; an entry is about 60 bytes). */
const MAX_ROWS = 500;

type Waiting = { at: number; failed: Array<() => void> };

/** Agent id → its latest moment and the gates to tell if the write fails. */
let open = new Map<string, Waiting>();
/** When the open batch's write was scheduled; undefined when none is. */
let scheduledAt: number | undefined;

/**
 * A write scheduled this long ago that has not run is taken as lost (the gate that scheduled it
 * went away with its timer), and the next gate schedules the batch again.
 */
const LOST_AFTER_MS = 10 * LAST_SEEN_BATCH_MS;

/**
 * Adds an agent's moment to the isolate's open batch, opening one (written `LAST_SEEN_BATCH_MS`
 * later, from this gate through `waitUntil`) when none is.
 */
export function queueLastSeen(agentId: string, at: number, failed: () => void, db: () => Database, waitUntil: (p: Promise<unknown>) => void): void {
  const waiting = open.get(agentId);
  if (waiting) {
    waiting.at = Math.max(waiting.at, at);
    waiting.failed.push(failed);
  } else open.set(agentId, { at, failed: [failed] });
  const now = Date.now();
  if (scheduledAt !== undefined && now - scheduledAt < LOST_AFTER_MS) return;
  scheduledAt = now;
  waitUntil(
    new Promise((resolve) => setTimeout(resolve, LAST_SEEN_BATCH_MS)).then(() => {
      const batch = [...open];
      open = new Map();
      scheduledAt = undefined;
      return batch.length === 0 ? undefined : writeInParts(db, batch);
    }),
  );
}

async function writeInParts(db: () => Database, batch: [string, Waiting][]): Promise<void> {
  for (let from = 0; from < batch.length; from += MAX_ROWS) {
    const part = batch.slice(from, from + MAX_ROWS);
    try {
      await writeLastSeen(db(), new Map(part.map(([agentId, { at }]) => [agentId, at])));
    } catch {
      for (const [, { failed }] of part) for (const tell of failed) tell();
    }
  }
}
