/**
 * Waits, after a case is primed and before its window opens, until the processes the bench started
 * have gone idle. Priming 1,000 agents sends 1,000 requests, and their work behind the response
 * (1,000 last-seen writes, ten batches of log rows, the chain sealing a thousand records) would
 * otherwise land in the window that follows, charged to requests that did not cause it; so would
 * the tail of the case before. In a steady stream that work is spread over a minute, not
 * crowded into the first seconds after a prime.
 */
import { setTimeout as delay } from "node:timers/promises";

export type Settling = {
  /** CPU ms used so far by everything the bench started. */
  readCpuMs: () => number;
  /** How often the CPU is read. */
  intervalMs: number;
  /** Idle: at most this much CPU per interval (wrangler's own watchers keep a little going). */
  idleCpuMsPerInterval: number;
  /** This many idle intervals in a row. */
  quietIntervals: number;
  /** Gives up waiting after this long. */
  limitMs: number;
};

/** Resolves with how long it waited and whether the processes went idle within the limit. */
export async function settle(s: Settling, sleep: (ms: number) => Promise<unknown> = delay): Promise<{ waitedMs: number; idle: boolean }> {
  const began = Date.now();
  let last = s.readCpuMs();
  let quiet = 0;
  for (let waited = 0; waited < s.limitMs; waited += s.intervalMs) {
    await sleep(s.intervalMs);
    const now = s.readCpuMs();
    quiet = now - last <= s.idleCpuMsPerInterval ? quiet + 1 : 0;
    last = now;
    if (quiet >= s.quietIntervals) return { waitedMs: Date.now() - began, idle: true };
  }
  return { waitedMs: Date.now() - began, idle: false };
}
