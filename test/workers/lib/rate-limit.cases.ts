import { describe, expect, it } from "vitest";
import { admit, DEFAULT_RATE_LIMIT, effectiveRateLimit, newBucket, release } from "../../../workers/lib/rate-limit.ts";
import { StaleWhileRevalidate } from "../../../workers/lib/stale-while-revalidate.ts";

describe("token bucket and in-flight limit", () => {
  it("defaults match Agent Vault: 20 req/s, burst 200, 64 concurrent", () => {
    expect(DEFAULT_RATE_LIMIT).toEqual({ ratePerSecond: 20, burst: 200, maxConcurrent: 64 });
  });

  it("admits exactly the burst, then refills at the rate", () => {
    const limit = { ratePerSecond: 10, burst: 5, maxConcurrent: 100 };
    const bucket = newBucket(limit, 0);
    const results = Array.from({ length: 7 }, (_, i) => admit(bucket, limit, 0, String(i), 60_000));
    expect(results.filter((r) => r.admitted)).toHaveLength(5);
    const denied = results[5];
    expect(denied).toMatchObject({ admitted: false, reason: "rate_limited", remaining: 0, retryAfterSeconds: 1 });
    expect(admit(bucket, limit, 100, "a", 60_000).admitted).toBe(true); // 0.1 s later: one token back
    expect(admit(bucket, limit, 100, "b", 60_000).admitted).toBe(false);
  });

  it("limits requests in flight and frees a slot on release or lease expiry", () => {
    const limit = { ratePerSecond: 1000, burst: 1000, maxConcurrent: 2 };
    const bucket = newBucket(limit, 0);
    expect(admit(bucket, limit, 0, "1", 1000).admitted).toBe(true);
    expect(admit(bucket, limit, 0, "2", 1000).admitted).toBe(true);
    expect(admit(bucket, limit, 0, "3", 1000)).toMatchObject({ admitted: false, reason: "too_many_in_flight" });
    release(bucket, "1");
    expect(admit(bucket, limit, 0, "4", 1000).admitted).toBe(true);
    expect(admit(bucket, limit, 500, "5", 1000).admitted).toBe(false);
    expect(admit(bucket, limit, 1500, "6", 1000).admitted).toBe(true); // leases 2 and 4 expired
  });

  it("agent overrides beat vault overrides, which beat the defaults", () => {
    expect(effectiveRateLimit({ burst: 10, ratePerSecond: 1 }, { burst: 3 })).toEqual({ ratePerSecond: 1, burst: 3, maxConcurrent: 64 });
    expect(effectiveRateLimit(null, undefined)).toEqual(DEFAULT_RATE_LIMIT);
  });
});

describe("stale-while-revalidate cache", () => {
  it("serves fresh entries, serves stale ones while refreshing in the background, reloads expired ones", async () => {
    const cache = new StaleWhileRevalidate<number>({ freshMs: 100, maxStaleMs: 1000, maxEntries: 10 });
    let loads = 0;
    const load = async () => ++loads;
    const background: Promise<unknown>[] = [];
    const bg = (p: Promise<unknown>) => background.push(p);
    const t0 = Date.now();
    expect(await cache.get("k", load, bg, t0)).toBe(1);
    expect(await cache.get("k", load, bg, t0 + 50)).toBe(1);
    expect(await cache.get("k", load, bg, t0 + 500)).toBe(1); // stale: served, refresh started
    expect(background).toHaveLength(1);
    await Promise.all(background);
    expect(await cache.get("k", load, bg, Date.now())).toBe(2);
    expect(await cache.get("k", load, bg, Date.now() + 5000)).toBe(3); // too old: loaded first
  });

  it("shares one load between concurrent callers", async () => {
    const cache = new StaleWhileRevalidate<number>({ freshMs: 100, maxStaleMs: 1000, maxEntries: 10 });
    let loads = 0;
    const load = async () => ++loads;
    const values = await Promise.all([cache.get("k", load, () => undefined), cache.get("k", load, () => undefined)]);
    expect(values).toEqual([1, 1]);
    expect(loads).toBe(1);
  });
});
