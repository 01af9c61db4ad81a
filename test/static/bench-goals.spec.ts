/**
 * The bench cannot fool us (issue 24): a goal is judged only from measurements that began on a
 * quiet machine, by CPU per request as well as by request rate, and only a run whose every goal
 * was judged may replace bench/results.md.
 */
import { describe, expect, it } from "vitest";
import { allJudged, judgeGoals } from "../../bench/goals.ts";
import type { Measurement } from "../../bench/measurement.ts";
import type { Results, ScenarioResult } from "../../bench/report.ts";

const leaf = { cold: { count: 1, p50: 5, p99: 6, perSecond: 200, cpuMs: 5 }, cached: { count: 1, p50: 0.01, p99: 0.01, perSecond: 1e5, cpuMs: 0.01 } };

function measurement(rps: number, workerdMs: number, loadAtStart: number, part: string): Measurement {
  return { requests: rps, rps, p50: 1000 / rps, p99: 2000 / rps, errors: 0, serverCpuMs: workerdMs + 0.2, serverCpuParts: { [part]: workerdMs }, loadAtStart };
}

function run(proxy: { rps: number; workerdMs: number; load?: number }, workMs = 1.05): Pick<Results, "scenarios" | "leaf"> {
  const scenario = (id: string, m: (c: number) => Measurement): ScenarioResult => ({ id, title: id, byConnections: { "1": m(1), "16": m(16) } });
  return {
    leaf,
    scenarios: [
      scenario("floor", () => measurement(1000, 1.0, 0.4, "floor/workerd")),
      scenario("floor-admit", () => measurement(900, 1.0, 0.4, "floor/workerd")),
      scenario("floor-work", () => measurement(950, workMs, 0.4, "floor/workerd")),
      scenario("proxy", () => measurement(proxy.rps, proxy.workerdMs, proxy.load ?? 0.5, "edge/workerd")),
    ],
  };
}

const proxyGoals = (results: Pick<Results, "scenarios" | "leaf">) => judgeGoals(results).filter((g) => g.goal.startsWith("/proxy ≥ 90 %"));

describe("a bench goal is judged only on a quiet machine, by CPU as well as by req/s", () => {
  it("is met when both req/s and workerd CPU per request hold, from measurements that began calm", () => {
    const goals = proxyGoals(run({ rps: 950, workerdMs: 1.05 }));
    expect(goals.map((g) => g.verdict)).toEqual(["met", "met"]);
  });

  it("is not met when req/s holds but workerd CPU per request is over 1.1 × the floor with one Durable Object call", () => {
    const goals = proxyGoals(run({ rps: 950, workerdMs: 1.6 }));
    expect(goals.map((g) => g.verdict)).toEqual(["not met", "not met"]);
    expect(goals[0]?.measured).toContain("1.60 vs 1.00 ms");
  });

  it("holds the floor that does only the unavoidable work to the same, by the floor Worker's workerd, as a reference beside the goal", () => {
    const references = (workMs: number) =>
      judgeGoals(run({ rps: 950, workerdMs: 1.6 }, workMs)).filter((g) => g.goal.startsWith("reference: the floor") && g.goal.includes("held to the same"));
    expect(references(1.05).map((g) => g.verdict)).toEqual(["met", "met"]);
    const over = references(1.2);
    expect(over.map((g) => g.verdict)).toEqual(["not met", "not met"]);
    expect(over[0]?.measured).toContain("1.20 vs 1.00 ms");
  });

  it("says not judged, whatever the numbers, when a measurement began above load 1", () => {
    for (const rps of [500, 950]) {
      const goals = proxyGoals(run({ rps, workerdMs: 1.0, load: 2.3 }));
      expect(goals.map((g) => g.verdict)).toEqual(["not judged", "not judged"]);
      expect(goals[0]?.measured).toContain("machine busy (load 2.30)");
    }
  });

  it("leaves a goal whose inputs were not measured as not measured, and such a run may not replace results.md", () => {
    const goals = judgeGoals(run({ rps: 950, workerdMs: 1.0 }));
    expect(goals.find((g) => g.goal.startsWith("tunnel"))?.verdict).toBe("not measured");
    expect(allJudged(goals)).toBe(false);
    expect(allJudged(proxyGoals(run({ rps: 950, workerdMs: 1.0 })))).toBe(true);
    expect(allJudged(proxyGoals(run({ rps: 950, workerdMs: 1.0, load: 1.5 })))).toBe(false);
  });
});
