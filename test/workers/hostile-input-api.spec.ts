/**
 * Hostile input over every operation of /openapi.json (fast-check; the arbitraries and the
 * property are in hostile-input/property.ts): never a 5xx, every refusal a documented JSON error.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createCompany, createVault, inviteAgent } from "./helpers.ts";
import {
  bodyOf,
  contentType,
  fillPath,
  headerSafe,
  nasty,
  operations,
  resetCounts,
  SEED,
  type Sent,
  seen,
  unsent,
  violation,
} from "./hostile-input/property.ts";
import { BASE } from "./helpers.ts";

/** Cases per pass (two passes); with the proxy's and the local proxy's suites, over 10,000 a run. */
const API_RUNS = 2_500;

describe("hostile input, generated (fast-check)", () => {
  it(`every /openapi.json operation: no 5xx, every refusal a documented JSON error (${API_RUNS * 2} cases, seed ${SEED})`, { timeout: 300_000 }, async () => {
    resetCounts();
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "member" }]);
    const ops = await operations();
    expect(ops.length).toBeGreaterThan(60);
    const token = fc.constantFrom(company.ownerKey, company.ownerKey, agent.token, "evk_garbage_garbage", "", "Bearer", `${company.ownerKey}\u0000`);
    const operationCase = fc.constantFrom(...ops).chain((op) =>
      fc.record({
        op: fc.constant(op),
        segments: fc.array(fc.oneof(nasty, fc.constant(vault)), { minLength: 1, maxLength: 3 }),
        raw: fc.boolean(),
        query: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...(op.query.length ? op.query : ["q"])), nasty), nasty), { maxLength: 5 }),
        body: bodyOf(op.bodyKeys),
        contentType,
        token,
        xVault: fc.option(fc.oneof(fc.constant(vault), nasty), { nil: undefined }),
      }),
    );
    let cases = 0;
    const property = fc.asyncProperty(operationCase, async (c) => {
      cases += 1;
      const query = new URLSearchParams(c.query).toString();
      const headers: Record<string, string> = {};
      if (c.token) headers.Authorization = headerSafe(`Bearer ${c.token}`);
      if (c.contentType) headers["Content-Type"] = c.contentType;
      if (c.xVault !== undefined) headers["X-Vault"] = headerSafe(c.xVault);
      const hasBody = !["GET", "HEAD"].includes(c.op.method);
      const sent: Sent = {
        method: c.op.method,
        url: `${BASE}${fillPath(c.op.path, c.segments, c.raw)}${query ? `?${query}` : ""}`,
        headers,
        body: hasBody ? c.body : undefined,
      };
      const reason = await violation(sent);
      if (reason) throw new Error(`${c.op.method} ${c.op.path} → ${reason}`);
    });
    // Two passes: the whole table at random, then each operation's documented keys harder.
    await fc.assert(property, { seed: SEED, numRuns: API_RUNS, endOnFailure: true });
    await fc.assert(property, { seed: SEED + 1, numRuns: API_RUNS, endOnFailure: true });
    console.log(
      `hostile input: ${cases} generated requests over ${ops.length} operations, seed ${SEED}: no 5xx, every refusal documented (${JSON.stringify(seen)}; ${unsent.length} the fetch API would not build)`,
    );
    expect(cases).toBe(API_RUNS * 2);
    // Every case was answered by the edge, or could not even be built as a request.
    expect(Object.values(seen).reduce((sum, n) => sum + n, 0) + unsent.length).toBe(API_RUNS * 2);
  });
});
