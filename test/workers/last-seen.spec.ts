/**
 * Agents' last-seen moments reach D1 in batches (durable-objects/last-seen-writes.ts): a proxied
 * request is seen within the batch's window, agents seen together share one write, a moment never
 * moves back, a write whose gate went away is scheduled again, and a write that fails tells every
 * gate in it (each writes again on its next request).
 */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { createDatabase, type Database } from "../../workers/db/client.ts";
import { LAST_SEEN_BATCH_MS, queueLastSeen } from "../../durable-objects/last-seen-writes.ts";
import { createCompany, inviteAgent } from "./helpers.ts";
import { proxyFetch, proxySetup } from "./proxy-support.ts";
import { requestId } from "./upstream.ts";

async function lastSeenAt(companyId: string, name: string): Promise<number | null> {
  const row = await env.DB.prepare("SELECT last_seen_at AS at FROM agents WHERE company_id = ? AND name = ?")
    .bind(companyId, name)
    .first<{ at: number | null }>();
  return row?.at ?? null;
}

async function agentIds(companyId: string, names: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) {
    const row = await env.DB.prepare("SELECT id FROM agents WHERE company_id = ? AND name = ?").bind(companyId, name).first<{ id: string }>();
    if (!row) throw new Error(`no agent ${name}`);
    ids.push(row.id);
  }
  return ids;
}

describe("agents' last-seen, written in batches", () => {
  it("a proxied request's agent is seen in D1 within the batch's window", async () => {
    const s = await proxySetup();
    const before = Date.now();
    const response = await proxyFetch(s, `/r/${requestId()}/x`);
    await response.arrayBuffer();
    expect(response.status).toBe(200);
    await vi.waitFor(async () => expect(await lastSeenAt(s.company.id, s.agent.name)).toBeGreaterThanOrEqual(before), {
      timeout: LAST_SEEN_BATCH_MS * 10,
      interval: 50,
    });
  });

  it("agents seen together share one write, and no moment moves back", async () => {
    const company = await createCompany();
    const names = [await inviteAgent(company.ownerKey), await inviteAgent(company.ownerKey), await inviteAgent(company.ownerKey)].map((a) => a.name);
    const [a, b, c] = await agentIds(company.id, names);
    // A channel's presence wrote a later moment for the last one meanwhile.
    await env.DB.prepare("UPDATE agents SET last_seen_at = ? WHERE id = ?").bind(9_000_000_000_000, c).run();
    const writes: Promise<unknown>[] = [];
    const db = () => createDatabase(env.DB);
    const failed = vi.fn();
    queueLastSeen(a as string, 1_000, failed, db, (p) => writes.push(p));
    queueLastSeen(b as string, 2_000, failed, db, (p) => writes.push(p));
    queueLastSeen(a as string, 3_000, failed, db, (p) => writes.push(p));
    queueLastSeen(c as string, 4_000, failed, db, (p) => writes.push(p));
    expect(writes.length).toBe(1);
    await Promise.all(writes);
    expect(failed).not.toHaveBeenCalled();
    expect(await Promise.all(names.map((name) => lastSeenAt(company.id, name)))).toEqual([3_000, 2_000, 9_000_000_000_000]);
  });

  it("a batch whose write never ran (its gate went away) is scheduled again by the next gate", async () => {
    const writes: Promise<unknown>[] = [];
    const db = () => createDatabase(env.DB);
    const lost = () => {};
    queueLastSeen("agent-lost-1", 1_000, lost, db, () => {});
    queueLastSeen("agent-lost-2", 1_000, lost, db, (p) => writes.push(p));
    // Within the bound the open batch is trusted to be written…
    expect(writes.length).toBe(0);
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + LAST_SEEN_BATCH_MS * 11);
      // …past it, the next gate schedules it again.
      queueLastSeen("agent-lost-3", 1_000, lost, db, (p) => writes.push(p));
    } finally {
      vi.useRealTimers();
    }
    expect(writes.length).toBe(1);
    await Promise.all(writes);
  });

  it("a write that fails tells every gate in it", async () => {
    const broken = (() => {
      throw new Error("D1 is unreachable");
    }) as unknown as () => Database;
    const writes: Promise<unknown>[] = [];
    const failedA = vi.fn();
    const failedB = vi.fn();
    queueLastSeen("agent-a", 1_000, failedA, broken, (p) => writes.push(p));
    queueLastSeen("agent-b", 1_000, failedB, broken, (p) => writes.push(p));
    await Promise.allSettled(writes);
    expect([failedA.mock.calls.length, failedB.mock.calls.length]).toEqual([1, 1]);
  });
});
