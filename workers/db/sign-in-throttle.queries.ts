/**
 * Attempt counters in fixed windows. Failed sign-ins are throttled per account and per client
 * IP; unauthenticated self-registrations per client IP.
 * Accounts: 5 failures per 15 minutes. IPs: 30 failures per 15 minutes (a shared office IP
 * must not lock everyone out after a few typos, but a guesser gets few tries per account).
 */
import { eq, inArray, sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { signInThrottle } from "./schema.ts";

export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_IP = 30;

export const throttleKeys = (email: string, ip: string) => ({ account: `account:${email}`, ip: `ip:${ip}` });

/** Seconds until the caller may try again, or 0 when not throttled. */
export async function throttledFor(db: Database, keys: { account: string; ip: string }, now = Date.now()): Promise<number> {
  const rows = await db.select().from(signInThrottle).where(inArray(signInThrottle.key, [keys.account, keys.ip])).all();
  let wait = 0;
  for (const row of rows) {
    const limit = row.key === keys.account ? MAX_FAILURES_PER_ACCOUNT : MAX_FAILURES_PER_IP;
    const windowEnds = row.windowStartedAt + SIGN_IN_WINDOW_MS;
    if (row.failures >= limit && windowEnds > now) wait = Math.max(wait, Math.ceil((windowEnds - now) / 1000));
  }
  return wait;
}

/** Counts one attempt under `key` in a fixed window (a new window starts once the old one ended). */
function countAttempt(db: Database, key: string, windowMs: number, now: number) {
  const expired = now - windowMs;
  return db
    .insert(signInThrottle)
    .values({ key, failures: 1, windowStartedAt: now })
    .onConflictDoUpdate({
      target: signInThrottle.key,
      set: {
        failures: sql`CASE WHEN ${signInThrottle.windowStartedAt} <= ${expired} THEN 1 ELSE ${signInThrottle.failures} + 1 END`,
        windowStartedAt: sql`CASE WHEN ${signInThrottle.windowStartedAt} <= ${expired} THEN ${now} ELSE ${signInThrottle.windowStartedAt} END`,
      },
    })
    .returning();
}

export async function recordFailure(db: Database, keys: { account: string; ip: string }, now = Date.now()): Promise<void> {
  await db.batch([countAttempt(db, keys.account, SIGN_IN_WINDOW_MS, now), countAttempt(db, keys.ip, SIGN_IN_WINDOW_MS, now)]);
}

/**
 * Counts an attempt and answers the seconds to wait when it is over `limit` in the window,
 * or 0. Used for unauthenticated writes such as agent self-registration.
 */
export async function overLimit(db: Database, key: string, limit: number, windowMs: number, now = Date.now()): Promise<number> {
  const [row] = await countAttempt(db, key, windowMs, now);
  if (!row || row.failures <= limit) return 0;
  return Math.max(1, Math.ceil((row.windowStartedAt + windowMs - now) / 1000));
}

export async function clearAccountFailures(db: Database, accountKey: string): Promise<void> {
  await db.delete(signInThrottle).where(eq(signInThrottle.key, accountKey));
}
