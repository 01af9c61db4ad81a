/**
 * Token bucket plus in-flight limit for one (actor, vault). Pure: the ActorGate Durable Object
 * owns the state and calls these single-threaded, so under concurrent load exactly the budget
 * is admitted. Defaults match Agent Vault's: 20 req/s, burst 200, 64 concurrent.
 */
export type RateLimit = { ratePerSecond: number; burst: number; maxConcurrent: number };

export const DEFAULT_RATE_LIMIT: RateLimit = { ratePerSecond: 20, burst: 200, maxConcurrent: 64 };

/** An override as stored for a vault or an agent (db/schema.ts's RateLimitOverride); any field may be absent. */
type RateLimitOverride = Partial<RateLimit>;

/** Vault overrides apply first, then the agent's own (more specific) overrides. */
export function effectiveRateLimit(vault: RateLimitOverride | null | undefined, agent: RateLimitOverride | null | undefined): RateLimit {
  return { ...DEFAULT_RATE_LIMIT, ...stripUndefined(vault), ...stripUndefined(agent) };
}

function stripUndefined(override: RateLimitOverride | null | undefined): Partial<RateLimit> {
  if (!override) return {};
  return Object.fromEntries(Object.entries(override).filter(([, v]) => typeof v === "number" && v > 0)) as Partial<RateLimit>;
}

export type Bucket = { tokens: number; updatedAt: number; inFlight: Map<string, number> };

export type Admission =
  | { admitted: true; remaining: number; leaseId: string }
  | { admitted: false; reason: "rate_limited" | "too_many_in_flight"; retryAfterSeconds: number; remaining: number };

export function newBucket(limit: RateLimit, now: number): Bucket {
  return { tokens: limit.burst, updatedAt: now, inFlight: new Map() };
}

/**
 * Takes one unit from the bucket and one in-flight slot. Leases older than `leaseTtlMs` are
 * dropped first, so a lost release (a crashed isolate) cannot leak a slot forever.
 */
export function admit(bucket: Bucket, limit: RateLimit, now: number, leaseId: string, leaseTtlMs: number): Admission {
  for (const [id, startedAt] of bucket.inFlight) if (now - startedAt > leaseTtlMs) bucket.inFlight.delete(id);
  const elapsed = Math.max(0, now - bucket.updatedAt) / 1000;
  bucket.tokens = Math.min(limit.burst, bucket.tokens + elapsed * limit.ratePerSecond);
  bucket.updatedAt = now;
  if (bucket.inFlight.size >= limit.maxConcurrent) {
    return { admitted: false, reason: "too_many_in_flight", retryAfterSeconds: 1, remaining: Math.floor(bucket.tokens) };
  }
  if (bucket.tokens < 1) {
    const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / limit.ratePerSecond));
    return { admitted: false, reason: "rate_limited", retryAfterSeconds, remaining: 0 };
  }
  bucket.tokens -= 1;
  bucket.inFlight.set(leaseId, now);
  return { admitted: true, remaining: Math.floor(bucket.tokens), leaseId };
}

export function release(bucket: Bucket, leaseId: string): void {
  bucket.inFlight.delete(leaseId);
}
