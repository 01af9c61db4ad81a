/**
 * When an access token is used, when it is refreshed, and how long a refused refresh waits before
 * the token endpoint is asked again. Pure: the token broker (durable-objects/oauth-tokens.ts) and
 * the proxy's copy in each isolate (proxy/oauth-access.ts) read the same numbers.
 */

/** A token response without `expires_in` is taken to last an hour (Agent Vault's rule). */
export const DEFAULT_EXPIRES_IN_S = 3600;
/** The longest a token is kept, whatever `expires_in` says (1e308 would otherwise be kept for ever). */
export const MAX_EXPIRES_IN_S = 365 * 24 * 3600;
/** Used until this long before the provider says it expires: clocks differ, requests take time. */
export const EXPIRY_MARGIN_S = 60;
/** The background refresh starts at most this long before a token stops being used. */
export const MAX_REFRESH_LEAD_S = 300;

export type TokenLifetime = {
  /** Until when the token is handed out. */
  usableUntil: number;
  /** From when the first request to use it also starts a refresh in the background, so none ever waits for one. */
  refreshFrom: number;
};

/**
 * A token obtained at `obtainedAt` (ms) is used until `expires_in − 60 s` (3600 s when absent); one
 * that lives two minutes or less, until half its life, so it is ever used at all. Its refresh starts
 * in the last quarter of that, at most 5 minutes early.
 *
 * @example tokenLifetime(0, 3600) // { usableUntil: 3_540_000, refreshFrom: 3_240_000 }
 * @example tokenLifetime(0, undefined) // the same: an hour when the provider does not say
 * @example tokenLifetime(0, 0) // { usableUntil: 0, refreshFrom: 0 }: expired already, used for the request that got it only
 */
export function tokenLifetime(obtainedAt: number, expiresIn: number | undefined): TokenLifetime {
  // `expires_in: 0` says the token is good for now and no longer: it is handed to the request that asked, and never kept.
  if (expiresIn !== undefined && expiresIn <= 0) return { usableUntil: obtainedAt, refreshFrom: obtainedAt };
  const lifetime = expiresIn !== undefined && !Number.isNaN(expiresIn) ? Math.min(expiresIn, MAX_EXPIRES_IN_S) : DEFAULT_EXPIRES_IN_S;
  const usable = lifetime > 2 * EXPIRY_MARGIN_S ? lifetime - EXPIRY_MARGIN_S : lifetime / 2;
  const lead = Math.min(MAX_REFRESH_LEAD_S, usable / 4);
  return { usableUntil: obtainedAt + usable * 1000, refreshFrom: obtainedAt + (usable - lead) * 1000 };
}

/**
 * At most one refresh per credential this often because an upstream answered 401: an upstream that
 * always does (a wrong scope, a broken API) would otherwise cost a token call per request. A 401
 * within this long of the last such refresh goes back to the agent as it is.
 */
export const REJECTED_REFRESH_GAP_MS = 30_000;

/** A provider's refusal (a revoked grant or client) is asked again after 30 s, then twice as long each time, at most an hour. */
export const DENIED_BACKOFF_MS = { first: 30_000, max: 3_600_000 };
/** Anything else on the way (unreachable, a 5xx, a malformed answer) after 2 s, doubling to a minute. */
export const FAILED_BACKOFF_MS = { first: 2_000, max: 60_000 };

/**
 * How long to wait after the `attempt`-th refusal in a row (1-based).
 *
 * @example backoffMs(DENIED_BACKOFF_MS, 1) // 30_000
 * @example backoffMs(DENIED_BACKOFF_MS, 3) // 120_000
 */
export function backoffMs(schedule: { first: number; max: number }, attempt: number): number {
  return Math.min(schedule.max, schedule.first * 2 ** Math.max(0, Math.min(attempt, 30) - 1));
}
