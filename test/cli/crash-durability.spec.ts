/**
 * Durability: the local edge killed with SIGKILL (wrangler and workerd) in the middle of a burst
 * of writes, then restarted on the same state: every write it acknowledged is there.
 */
import { afterAll, describe, expect, it } from "vitest";
import { launchEdge, type OwnEdge } from "./support/edge.ts";

const BURST = 120;
const KILL_AFTER_ACKS = 30;

describe("an edge killed mid-burst keeps every acknowledged write", { timeout: 240_000 }, () => {
  const edges: OwnEdge[] = [];
  afterAll(async () => {
    await edges.at(-1)?.stop();
  });

  it(`SIGKILL after ${KILL_AFTER_ACKS} of ${BURST} concurrent writes were acknowledged; after a restart all acknowledged are there`, async () => {
    const edge = await launchEdge();
    edges.push(edge);
    const company = await edge.createCompany();
    const vault = "durable";
    expect((await edge.call("POST", "/v1/vaults", company.ownerKey, { name: vault })).status).toBe(201);

    const acknowledged: string[] = [];
    let crashed: Promise<void> | undefined;
    // Half create vaults, half set credentials: two tables, two kinds of batch.
    const writes = Array.from({ length: BURST }, async (_, i) => {
      const [path, body, name] =
        i % 2 === 0
          ? (["/v1/vaults", { name: `v-${i}` }, `vault v-${i}`] as const)
          : (["/v1/credentials", { vault, credentials: { [`KEY_${i}`]: `value-${i}` } }, `credential KEY_${i}`] as const);
      try {
        const res = await edge.call("POST", path, company.ownerKey, body);
        if (res.status === 200 || res.status === 201) {
          acknowledged.push(name);
          if (acknowledged.length === KILL_AFTER_ACKS) crashed = edge.crash();
        }
      } catch {
        // The connection died with the edge: not acknowledged, so either outcome is fine.
      }
    });
    await Promise.all(writes);
    await crashed;
    expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    expect(acknowledged.length).toBeLessThan(BURST);

    const again = await launchEdge(edge.identity);
    edges.push(again);
    const vaults = (await again.call("GET", "/v1/vaults", company.ownerKey)).body as { vaults: { name: string }[] };
    const credentials = (await again.call("GET", `/v1/credentials?vault=${vault}`, company.ownerKey)).body as { keys: string[] };
    const present = new Set([...vaults.vaults.map((v) => `vault ${v.name}`), ...(credentials.keys ?? []).map((k) => `credential ${k}`)]);
    expect(acknowledged.filter((name) => !present.has(name))).toEqual([]);
    console.log(`durability: ${acknowledged.length} of ${BURST} writes acknowledged before SIGKILL; all ${acknowledged.length} present after restart`);
  });
});
