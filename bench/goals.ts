/**
 * The bench's goals (issue 24), each judged from this run's own numbers by request rate or
 * latency AND by CPU per request (workerd alone for Worker paths), and only from measurements
 * that began on a quiet machine: a goal any of whose inputs began above CALM_LOAD is "not judged",
 * whatever the numbers say.
 */
import { CALM_LOAD } from "./calm.ts";
import { type Measurement, median } from "./measurement.ts";
import type { Results } from "./report.ts";

export type Verdict = "met" | "not met" | "not measured" | "not judged";
export type GoalResult = { goal: string; measured: string; verdict: Verdict };

/** One way a goal is judged: a number and whether it holds. */
type Criterion = { says: string; holds: boolean };

const pct = (ratio: number) => `${(ratio * 100).toFixed(0)} %`;
const ms = (value: number) => (value < 10 ? value.toFixed(2) : value.toFixed(1));
const signed = (value: number) => `${value < 0 ? "−" : "+"}${ms(Math.abs(value))}`;
const known = (value: number | undefined): value is number => value !== undefined && Number.isFinite(value);

export function find(results: Pick<Results, "scenarios">, id: string, connections: number): Measurement | undefined {
  return results.scenarios.find((s) => s.id === id)?.byConnections[String(connections)];
}

/**
 * A goal from its inputs and criteria: not measured when an input or a criterion is missing, not
 * judged when an input began on a busy machine, else met only when every criterion holds.
 */
function judge(goal: string, inputs: readonly (Measurement | undefined)[], criteria: readonly (Criterion | undefined)[]): GoalResult {
  if (inputs.some((m) => m === undefined) || criteria.some((c) => c === undefined) || criteria.length === 0) {
    return { goal, measured: "not measured", verdict: "not measured" };
  }
  const said = (criteria as Criterion[]).map((c) => c.says).join("; ");
  const busiest = Math.max(...inputs.map((m) => m?.loadAtStart ?? 0));
  if (busiest > CALM_LOAD) return { goal, measured: `${said} — machine busy (load ${busiest.toFixed(2)})`, verdict: "not judged" };
  return { goal, measured: said, verdict: (criteria as Criterion[]).every((c) => c.holds) ? "met" : "not met" };
}

/**
 * The rounds of a pair, matched: each round's measurement of `ours` with the same round's of
 * `base`. A goal compares them round by round and takes the median of those comparisons, so a
 * machine that slows between rounds moves both sides of each comparison, never only one of them
 * (the median of each side alone could pair a fast round of one with a slow round of the other).
 * Without rounds (a hand-made result), the two medians are the one pair.
 */
function rounds(ours: Measurement, base: Measurement): [Measurement, Measurement][] {
  const a = ours.rounds ?? [];
  const b = base.rounds ?? [];
  const n = Math.min(a.length, b.length);
  if (n === 0) return [[ours, base]];
  return a.slice(0, n).map((m, i) => [m, b[i] ?? base]);
}

/** `compare` of each round's pair, then their median; undefined when a round lacks a number. */
function perRound(
  ours: Measurement,
  base: Measurement,
  compare: (o: Measurement, b: Measurement) => number | undefined,
): { median: number; each: number[] } | undefined {
  const each = rounds(ours, base).map(([o, b]) => compare(o, b));
  if (!each.every(known)) return undefined;
  return { median: median(each), each };
}

/** "; rounds 89 % / 91 % / 95 %": what each round's pair gave, when there was more than one. */
const roundsSaid = (each: readonly number[], format: (value: number) => string): string => (each.length > 1 ? `; rounds ${each.map(format).join(" / ")}` : "");
const times = (ratio: number) => `${ratio.toFixed(2)}×`;

/** `ours` at least `share` of `base`'s req/s, round by round. */
function rateAtLeast(ours: Measurement | undefined, base: Measurement | undefined, share: number): Criterion | undefined {
  if (!ours || !base) return undefined;
  const ratio = perRound(ours, base, (o, b) => (known(o.rps) && known(b.rps) && b.rps > 0 ? o.rps / b.rps : undefined));
  if (!ratio) return undefined;
  return {
    says: `by req/s ${pct(ratio.median)} (${ours.rps.toFixed(0)} vs ${base.rps.toFixed(0)}${roundsSaid(ratio.each, pct)})`,
    holds: ratio.median >= share,
  };
}

/** CPU per request of `part` (or of every process the scenario goes through): ours at most `limit` × base's, round by round. */
function cpuAtMost(ours: Measurement | undefined, base: Measurement | undefined, limit: number, parts?: { ours: string; base: string }): Criterion | undefined {
  if (!ours || !base) return undefined;
  const of = (m: Measurement, part: string | undefined) => (part ? m.serverCpuParts?.[part] : m.serverCpuMs);
  const a = of(ours, parts?.ours);
  const b = of(base, parts?.base);
  const ratio = perRound(ours, base, (o, bm) => {
    const x = of(o, parts?.ours);
    const y = of(bm, parts?.base);
    return known(x) && known(y) && y > 0 ? x / y : undefined;
  });
  if (!ratio || !known(a) || !known(b)) return undefined;
  const what = parts ? "workerd CPU per request" : "server CPU per request";
  return {
    says: `by ${what} ${a.toFixed(2)} vs ${b.toFixed(2)} ms (${times(ratio.median)}${roundsSaid(ratio.each, times)}, at most ${Number(limit.toFixed(2))}×)`,
    holds: ratio.median <= limit,
  };
}

/** What `ours` adds over `base` at a latency quantile, round by round: at most `limit` ms. */
function addedAtMost(
  ours: Measurement | undefined,
  base: Measurement | undefined,
  quantile: "p50" | "p99",
  limit: number,
  baseName = "",
): Criterion | undefined {
  if (!ours || !base) return undefined;
  const added = perRound(ours, base, (o, b) => (known(o[quantile]) && known(b[quantile]) ? o[quantile] - b[quantile] : undefined));
  if (!added) return undefined;
  return {
    says: `${signed(added.median)} ms (${ms(ours[quantile])} vs ${ms(base[quantile])}${baseName}${roundsSaid(added.each, signed)})`,
    holds: added.median <= limit,
  };
}

const WORKERD = { ours: "edge/workerd", base: "floor/workerd" };
const EDGE_WORKERD = { ours: "edge/workerd", base: "edge/workerd" };
const FLOOR_WORKERD = { ours: "floor/workerd", base: "floor/workerd" };
const connectionsLabel = (c: number) => `${c} connection${c > 1 ? "s" : ""}`;

/** Judges every goal from the measured scenarios. */
export function judgeGoals(results: Pick<Results, "scenarios" | "leaf">): GoalResult[] {
  const at = (id: string, c: number) => find(results, id, c);
  const goals: GoalResult[] = [];

  for (const c of [1, 16]) {
    const proxy = at("proxy", c);
    const floor = at("floor", c);
    const floorOneCall = at("floor-admit", c);
    // By CPU the fair floor is the one that pays what /proxy pays: one Durable Object call.
    goals.push(
      judge(
        `/proxy ≥ 90 % of the floor's req/s, and workerd CPU per request ≤ 1.1 × the floor with one Durable Object call, at ${connectionsLabel(c)}`,
        [proxy, floor, floorOneCall],
        [rateAtLeast(proxy, floor, 0.9), cpuAtMost(proxy, floorOneCall, 1.1, WORKERD)],
      ),
    );
    // Not a goal: the same test put to the floor that does only what a proxy cannot skip, with
    // none of the edge's code (bench/floor-worker.ts). Where it fails too, the runtime sets the line.
    const work = at("floor-work", c);
    goals.push(
      judge(
        `reference: the floor that does only what a proxy cannot skip, held to the same, at ${connectionsLabel(c)}`,
        [work, floor, floorOneCall],
        [rateAtLeast(work, floor, 0.9), cpuAtMost(work, floorOneCall, 1.1, FLOOR_WORKERD)],
      ),
    );
  }
  {
    const proxy = at("proxy", 1);
    const floor = at("floor", 1);
    const work = at("floor-work", 1);
    for (const [quantile, limit] of [
      ["p50", 0.5],
      ["p99", 3],
    ] as const) {
      const criterion = addedAtMost(proxy, floor, quantile, limit);
      goals.push(judge(`/proxy adds ≤ ${limit} ms at ${quantile} over the floor, one connection`, [proxy, floor], [criterion]));
      goals.push(
        judge(
          `reference: the floor that does only what a proxy cannot skip adds ≤ ${limit} ms at ${quantile}`,
          [work, floor],
          [addedAtMost(work, floor, quantile, limit)],
        ),
      );
    }
  }
  /** The smallest and largest N measured as `<kind>-<N>`, when they differ. */
  const extremes = (kind: string): [number, number] | undefined => {
    const sizes = results.scenarios
      .filter((s) => s.id.startsWith(`${kind}-`))
      .map((s) => Number(s.id.slice(kind.length + 1)))
      .sort((a, b) => a - b);
    const smallest = sizes[0];
    const largest = sizes[sizes.length - 1];
    return smallest === undefined || largest === undefined || smallest === largest ? undefined : [smallest, largest];
  };
  for (const kind of ["services", "agents"] as const) {
    const sizes = extremes(kind);
    if (!sizes) continue;
    const [smallest, largest] = sizes;
    for (const c of [1, 16]) {
      const small = at(`${kind}-${smallest}`, c);
      const large = at(`${kind}-${largest}`, c);
      goals.push(
        judge(
          `/proxy with ${largest} ${kind} ≥ 90 % of ${smallest}, ${connectionsLabel(c)}`,
          [small, large],
          [rateAtLeast(large, small, 0.9), cpuAtMost(large, small, 1 / 0.9, EDGE_WORKERD)],
        ),
      );
    }
  }
  // Not a goal: the floor's one call spread over as many objects as the largest agents case, held to the same.
  const objects = extremes("floor-objects");
  if (objects) {
    const [fewest, most] = objects;
    for (const c of [1, 16]) {
      const few = at(`floor-objects-${fewest}`, c);
      const many = at(`floor-objects-${most}`, c);
      goals.push(
        judge(
          `reference: the floor's one Durable Object call spread over ${most} objects held to the same, ${connectionsLabel(c)}`,
          [few, many],
          [rateAtLeast(many, few, 0.9), cpuAtMost(many, few, 1 / 0.9, FLOOR_WORKERD)],
        ),
      );
    }
  }
  for (const c of [1, 16]) {
    const tunnel = at("tunnel", c);
    const direct = at("direct-tls", c);
    goals.push(
      judge(`tunnel ≥ 50 % of a direct connection, ${connectionsLabel(c)}`, [tunnel, direct], [rateAtLeast(tunnel, direct, 0.5), cpuAtMost(tunnel, direct, 2)]),
    );
    // Not a goal: Node's bare CONNECT relay (bench/relay.child.ts) held to the same.
    const relay = at("tunnel-floor", c);
    goals.push(
      judge(
        `reference: Node's bare CONNECT relay held to the same, ${connectionsLabel(c)}`,
        [relay, direct],
        [rateAtLeast(relay, direct, 0.5), cpuAtMost(relay, direct, 2)],
      ),
    );
  }
  {
    // Each MITM goal, and Node's bare intercepting proxy (bench/mitm-floor.child.ts, not a goal) held to the same test.
    const mitmdump = at("mitmdump", 16);
    const direct = at("direct-tls", 1);
    const tenTimesMitmdump = (id: string) => {
      const ours = at(id, 16);
      return { inputs: [ours, mitmdump], tests: [rateAtLeast(ours, mitmdump, 10), cpuAtMost(ours, mitmdump, 0.1)] };
    };
    const p50OverDirect = (id: string) => {
      const ours = at(id, 1);
      return { inputs: [ours, direct], tests: [addedAtMost(ours, direct, "p50", 0.3, " direct")] };
    };
    for (const [goal, { inputs, tests }] of [
      ["MITM's own cost: ≥ 10× mitmdump's intercepting req/s, and ≤ 1/10 of its CPU per request, at 16 connections", tenTimesMitmdump("mitm-stub")],
      ["reference: Node's bare intercepting proxy held to the same, at 16 connections", tenTimesMitmdump("mitm-floor")],
      ["MITM's own cost: p50 ≤ 0.3 ms at one connection (added over HTTPS straight to a server)", p50OverDirect("mitm-stub")],
      ["reference: Node's bare intercepting proxy held to the same p50", p50OverDirect("mitm-floor")],
    ] as const)
      goals.push(judge(goal, inputs, tests));
  }
  {
    const on = at("redaction-on", 1);
    const off = at("redaction-off", 1);
    const share = on && off ? perRound(on, off, (o, f) => (known(o.p50) && known(f.p50) && o.p50 > 0 ? (o.p50 - f.p50) / o.p50 : undefined)) : undefined;
    goals.push(
      judge(
        "redaction of a 1 MiB JSON answer ≤ 10 % of that request's time (p50, one connection) and CPU",
        [on, off],
        [
          share === undefined || !on || !off
            ? undefined
            : { says: `${pct(share.median)} of p50 (${ms(on.p50)} vs ${ms(off.p50)} ms${roundsSaid(share.each, pct)})`, holds: share.median <= 0.1 },
          cpuAtMost(on, off, 1 / 0.9, EDGE_WORKERD),
        ],
      ),
    );
  }
  goals.push({
    goal: "cold leaf certificate ≤ 10 ms (p50)",
    measured: `${ms(results.leaf.cold.p50)} ms p50, ${ms(results.leaf.cold.p99)} ms p99 (wall clock); ${ms(results.leaf.cold.cpuMs)} ms of CPU each`,
    verdict: results.leaf.cold.p50 <= 10 ? "met" : "not met",
  });
  return goals;
}

/** Every goal measured and judged on a quiet machine: only such a full run may replace bench/results.md. */
export const allJudged = (goals: readonly GoalResult[]): boolean => goals.every((g) => g.verdict === "met" || g.verdict === "not met");
