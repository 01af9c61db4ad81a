/**
 * Attempt counters in fixed windows: sign-ins per account, client address and both together;
 * unauthenticated self-registrations per client address. A lock lifts by itself when its
 * window ends: refused attempts are not counted, so hammering a locked key never extends it.
 *
 * Sign-in limits per 15 minutes, and why:
 * - 5 per (account, address): a guesser gets few tries at one account from one place.
 * - 30 per address across accounts: one address cannot spray many accounts, yet a shared
 *   office address is not locked out after a few typos.
 * - 50 per account across all addresses: a guesser spread over many addresses is still
 *   bounded, while one address alone (at most 5 of those 50) can never lock the owner out.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../db/client.ts";
import { signInThrottle } from "../db/schema.ts";

export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
export const MAX_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS = 5;
export const MAX_ATTEMPTS_PER_ADDRESS = 30;
export const MAX_ATTEMPTS_PER_ACCOUNT = 50;

export type ThrottleKey = { key: string; limit: number };
/** The three counters one sign-in attempt is counted under. */
export type SignInThrottleKeys = { accountAddress: ThrottleKey; address: ThrottleKey; account: ThrottleKey };

/** `email` lower-cased; `addressKey` from lib/http/client-address.ts (an IPv6 /64, not the address). */
export const signInThrottleKeys = (email: string, addressKey: string): SignInThrottleKeys => ({
  accountAddress: { key: `account-ip:${email}|${addressKey}`, limit: MAX_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS },
  address: { key: `ip:${addressKey}`, limit: MAX_ATTEMPTS_PER_ADDRESS },
  account: { key: `account:${email}`, limit: MAX_ATTEMPTS_PER_ACCOUNT },
});

const CountedRow = z.object({ key: z.string(), window_started_at: z.number() });
export type SignInAttempt = { admitted: true; keys: SignInThrottleKeys; windows: Map<string, number> } | { admitted: false; retryAfterSeconds: number };

/**
 * Counts one sign-in attempt under every key, or under none when any key is already at its
 * limit — in one statement, before the password is checked. A check followed by a later write
 * lets parallel guesses all pass the check before any is recorded; here D1 runs the statements
 * one after another, so N parallel attempts admit at most the limit.
 *
 * All or nothing matters: an attempt refused on its (account, address) key must not count
 * against the account's wider budget, or one address could exhaust it and lock the owner out.
 * SQLite evaluates an INSERT's SELECT over its own target table in full before inserting
 * (and an uncorrelated NOT EXISTS once), so the condition sees the counters as they were.
 */
export async function admitSignInAttempt(db: Database, keys: SignInThrottleKeys, now = Date.now()): Promise<SignInAttempt> {
  const all = [keys.accountAddress, keys.address, keys.account];
  const expired = now - SIGN_IN_WINDOW_MS;
  const atLimit = sql.join(
    all.map((k) => sql`(t.key = ${k.key} AND t.failures >= ${k.limit})`),
    sql` OR `,
  );
  const rows = await db.all(sql`
    INSERT INTO sign_in_throttle (key, failures, window_started_at)
    SELECT column1, 1, ${now} FROM (VALUES ${sql.join(
      all.map((k) => sql`(${k.key})`),
      sql`, `,
    )})
    WHERE NOT EXISTS (SELECT 1 FROM sign_in_throttle AS t WHERE t.window_started_at > ${expired} AND (${atLimit}))
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN window_started_at <= ${expired} THEN 1 ELSE failures + 1 END,
      window_started_at = CASE WHEN window_started_at <= ${expired} THEN ${now} ELSE window_started_at END
    RETURNING key, window_started_at`);
  const counted = z.array(CountedRow).parse(rows);
  if (counted.length === all.length) return { admitted: true, keys, windows: new Map(counted.map((r) => [r.key, r.window_started_at])) };
  return { admitted: false, retryAfterSeconds: await secondsUntilUnlocked(db, all, now) };
}

/** Seconds until every key that refused an attempt is below its limit again (at least 1). */
async function secondsUntilUnlocked(db: Database, keys: readonly ThrottleKey[], now: number): Promise<number> {
  const rows = await db
    .select()
    .from(signInThrottle)
    .where(
      inArray(
        signInThrottle.key,
        keys.map((k) => k.key),
      ),
    )
    .all();
  let wait = 1;
  for (const row of rows) {
    const limit = keys.find((k) => k.key === row.key)?.limit ?? 0;
    const windowEnds = row.windowStartedAt + SIGN_IN_WINDOW_MS;
    if (row.failures >= limit && windowEnds > now) wait = Math.max(wait, Math.ceil((windowEnds - now) / 1000));
  }
  return wait;
}

/**
 * Takes back an admitted attempt whose password was right. The (account, address) counter is
 * cleared — that address just proved it knows the password, so its earlier failures were its
 * own typos; the wider counters also hold other addresses' attempts, so only this one is taken
 * back. Only within the window the attempt was counted in.
 */
export async function forgiveSignInAttempt(db: Database, attempt: Extract<SignInAttempt, { admitted: true }>): Promise<void> {
  const inWindow = (k: ThrottleKey) => and(eq(signInThrottle.key, k.key), eq(signInThrottle.windowStartedAt, attempt.windows.get(k.key) ?? -1));
  const { accountAddress, address, account } = attempt.keys;
  await db.batch([
    db.delete(signInThrottle).where(inWindow(accountAddress)),
    db
      .update(signInThrottle)
      .set({ failures: sql`max(${signInThrottle.failures} - 1, 0)` })
      .where(inWindow(address)),
    db
      .update(signInThrottle)
      .set({ failures: sql`max(${signInThrottle.failures} - 1, 0)` })
      .where(inWindow(account)),
  ]);
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

/**
 * Counts an attempt and answers the seconds to wait when it is over `limit` in the window,
 * or 0. Used for unauthenticated writes such as agent self-registration.
 */
export async function overLimit(db: Database, key: string, limit: number, windowMs: number, now = Date.now()): Promise<number> {
  const [row] = await countAttempt(db, key, windowMs, now);
  if (!row || row.failures <= limit) return 0;
  return Math.max(1, Math.ceil((row.windowStartedAt + windowMs - now) / 1000));
}
