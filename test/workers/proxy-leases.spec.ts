/**
 * The in-flight slot's release rides on the caller's next admit (workers/proxy/lease-releases.ts):
 * a warm proxied request costs one ActorGate round trip, its release included. A release waits
 * only while at most half of `max_concurrent` is in flight, and never longer than RELEASE_WAIT_MS.
 */
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { gateLookupCount } from "../../workers/auth/actor-gate-client.ts";
import { holdReleaseTimers, RELEASE_WAIT_MS, releaseLater, releaseNow, takeReleases } from "../../workers/proxy/lease-releases.ts";
import { agentGate, call } from "./helpers.ts";
import { type ProxySetup, proxyFetch, proxySetup } from "./proxy-support.ts";
import { requestId } from "./upstream.ts";

async function withMaxConcurrent(maxConcurrent: number): Promise<ProxySetup> {
  const s = await proxySetup();
  await call("PATCH", `/v1/vaults/${s.vault}`, { token: s.company.ownerKey, body: { rate_limit: { max_concurrent: maxConcurrent } } });
  return s;
}

async function proxied(s: ProxySetup): Promise<number> {
  const response = await proxyFetch(s, `/r/${requestId()}/x`);
  await response.arrayBuffer();
  return response.status;
}

describe("in-flight releases", () => {
  it("a finished request's slot is freed by the next admit, without a round trip of its own", async () => {
    const s = await withMaxConcurrent(4);
    const gate = await agentGate(s.company.id, s.agent.name);
    // However slow the machine, no release timer fires while the round trips are counted.
    const startTimers = holdReleaseTimers();
    onTestFinished(startTimers);
    expect(await proxied(s)).toBe(200);
    const before = gateLookupCount();
    expect([await proxied(s), await proxied(s), await proxied(s)]).toEqual([200, 200, 200]);
    // Three requests, three gate calls: each admit carried the previous request's release.
    expect(gateLookupCount() - before).toBe(3);
    // Only the last request's slot is still held, waiting for an admit that does not come…
    expect(await gate.inFlight()).toBe(1);
    // …so it is sent by itself within the bound once its timer runs.
    startTimers();
    await vi.waitFor(async () => expect(await gate.inFlight()).toBe(0), { timeout: RELEASE_WAIT_MS * 10, interval: 100 });
  });

  it("under max_concurrent: 1 a slot is released at once, never held back", async () => {
    const s = await withMaxConcurrent(1);
    const gate = await agentGate(s.company.id, s.agent.name);
    // A slot held back would wait for a timer that does not run while this test holds them.
    const startTimers = holdReleaseTimers();
    onTestFinished(startTimers);
    expect(await proxied(s)).toBe(200);
    const before = gateLookupCount();
    expect(await proxied(s)).toBe(200);
    // The admit and its own release, sent as the body ends.
    await vi.waitFor(() => expect(gateLookupCount() - before).toBe(2), { timeout: RELEASE_WAIT_MS * 10, interval: 10 });
    await vi.waitFor(async () => expect(await gate.inFlight()).toBe(0), { timeout: RELEASE_WAIT_MS * 10, interval: 50 });
  });

  it("a release sent by itself rides on every admit until the gate acknowledges it (an admit may overtake it)", async () => {
    const gate = `test-gate-${requestId()}`;
    const lease = { vaultId: "v", leaseId: "l-1" };
    let acknowledge = () => {};
    const sent: string[][] = [];
    const release = releaseNow(gate, lease, (leases) => {
      sent.push(leases.map((each) => each.leaseId));
      return new Promise<void>((resolve) => {
        acknowledge = resolve;
      });
    });
    expect(sent).toEqual([["l-1"]]);
    // Not yet acknowledged: the next admit carries it too, and the one after.
    expect(takeReleases(gate)).toEqual([lease]);
    expect(takeReleases(gate)).toEqual([lease]);
    acknowledge();
    await release;
    expect(takeReleases(gate)).toEqual([]);
  });

  it("slots finishing while one wait runs share its timer: one send carries them all, within the bound", async () => {
    const gate = `test-gate-${requestId()}`;
    const waits: Promise<unknown>[] = [];
    const sent: string[][] = [];
    const send = async (leases: { leaseId: string }[]) => {
      sent.push(leases.map((each) => each.leaseId));
    };
    for (const leaseId of ["a", "b", "c"]) releaseLater(gate, { vaultId: "v", leaseId }, (p) => waits.push(p), send);
    expect(waits.length).toBe(1);
    await Promise.all(waits);
    expect(sent).toEqual([["a", "b", "c"]]);
    // The next slot starts a timer of its own.
    releaseLater(gate, { vaultId: "v", leaseId: "d" }, (p) => waits.push(p), send);
    expect(waits.length).toBe(2);
    await Promise.all(waits);
    expect(sent).toEqual([["a", "b", "c"], ["d"]]);
  });
});
