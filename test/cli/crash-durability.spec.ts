/**
 * Durability: the local edge killed with SIGKILL (wrangler and workerd) in the middle of a burst
 * of writes, then restarted on the same state: every write it acknowledged is there.
 */
import { afterAll, describe, expect, it } from "vitest";
import { launchEdge, type OwnEdge } from "./support/edge.ts";

/** Writers that keep sending until the edge is dead, so the kill always lands with writes in flight. */
const WRITERS = 16;
const KILL_AFTER_ACKS = 30;

describe("an edge killed mid-burst keeps every acknowledged write", { timeout: 240_000 }, () => {
  const edges: OwnEdge[] = [];
  afterAll(async () => {
    await edges.at(-1)?.stop();
  });

  it(`SIGKILL after ${KILL_AFTER_ACKS} concurrent writes were acknowledged, others in flight; after a restart all acknowledged are there`, async () => {
    const edge = await launchEdge();
    edges.push(edge);
    const company = await edge.createCompany();
    const vault = "durable";
    expect((await edge.call("POST", "/v1/vaults", company.ownerKey, { name: vault })).status).toBe(201);

    const acknowledged: string[] = [];
    let cutOff = 0;
    let next = 0;
    let crashed: Promise<void> | undefined;
    let dead = false;
    // Half create vaults, half set credentials: two tables, two kinds of batch.
    const writer = async () => {
      while (!dead) {
        const i = next++;
        const [path, body, name] =
          i % 2 === 0
            ? (["/v1/vaults", { name: `v-${i}` }, `vault v-${i}`] as const)
            : (["/v1/credentials", { vault, credentials: { [`KEY_${i}`]: `value-${i}` } }, `credential KEY_${i}`] as const);
        try {
          const res = await edge.call("POST", path, company.ownerKey, body);
          if (res.status === 200 || res.status === 201) {
            acknowledged.push(name);
            if (acknowledged.length === KILL_AFTER_ACKS) {
              crashed = edge.crash().then(() => {
                dead = true;
              });
            }
          }
        } catch {
          // The connection died with the edge: not acknowledged, so either outcome is fine.
          cutOff++;
          if (crashed) await crashed;
        }
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, writer));
    await crashed;
    expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    // The kill cut writes off mid-flight: what this test is about.
    expect(cutOff).toBeGreaterThan(0);

    const again = await launchEdge(edge.identity);
    edges.push(again);
    const vaults = (await again.call("GET", "/v1/vaults", company.ownerKey)).body as { vaults: { name: string }[] };
    const credentials = (await again.call("GET", `/v1/credentials?vault=${vault}`, company.ownerKey)).body as { keys: string[] };
    const present = new Set([...vaults.vaults.map((v) => `vault ${v.name}`), ...(credentials.keys ?? []).map((k) => `credential ${k}`)]);
    expect(acknowledged.filter((name) => !present.has(name))).toEqual([]);
    console.log(`durability: ${acknowledged.length} writes acknowledged before SIGKILL, ${cutOff} cut off; all ${acknowledged.length} present after restart`);
  });
});
