/**
 * The bench's results: one JSON document (bench/results.json) and the same as Markdown
 * (bench/results.md), with the machine's facts, every scenario at 1 and 16 connections, the
 * leaf-certificate timings, and each goal judged met or not met from this run's own numbers.
 */
import type { Measurement } from "./measurement.ts";
import type { ProfileSummary } from "./profile.ts";

export type Machine = {
  cpu: string;
  cores: number;
  node: string;
  os: string;
  loadAverageAtStart: [number, number, number];
  loadAverageAtEnd: [number, number, number];
};

export type ScenarioResult = {
  id: string;
  title: string;
  /** Connections → the median over the rounds. */
  byConnections: Record<string, Measurement>;
  note?: string;
};

/** Wall-clock p50/p99 of one operation, and the CPU it took on average (which other load moves much less). */
export type Timing = { count: number; p50: number; p99: number; perSecond: number; cpuMs: number };

export type GoalResult = { goal: string; measured: string; met: boolean | null };

export type Results = {
  measuredAt: string;
  mode: "quick" | "full";
  warmupMs: number;
  durationMs: number;
  rounds: number;
  wallSeconds: number;
  machine: Machine;
  versions: Record<string, string>;
  scenarios: ScenarioResult[];
  leaf: { cold: Timing; cached: Timing };
  goals: GoalResult[];
  checks: string[];
  notMeasured: string[];
  profiles?: Record<string, ProfileSummary>;
};

const signed = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? "–" : `${value < 0 ? "−" : "+"}${ms(Math.abs(value))}`);
const ms = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? "–" : value < 10 ? value.toFixed(2) : value.toFixed(1));
const rps = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? "–" : value.toFixed(0));
const pct = (ratio: number) => `${(ratio * 100).toFixed(0)} %`;
const cpu = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? "–" : value.toFixed(2));

/**
 * The same comparison by CPU per request (`base` over `other`): what the req/s ratio would be if
 * both were bound by CPU alone. Shown beside the req/s ratio because it moves much less with
 * other work on the machine.
 */
function byCpu(other: Measurement | undefined, base: Measurement | undefined): string {
  const a = other?.serverCpuMs;
  const b = base?.serverCpuMs;
  if (a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b) || a === 0) return "";
  return `; by server CPU per request ${cpu(a)} vs ${cpu(b)} ms: ${pct(b / a)}`;
}

export function find(results: Pick<Results, "scenarios">, id: string, connections: number): Measurement | undefined {
  return results.scenarios.find((s) => s.id === id)?.byConnections[String(connections)];
}

/** Judges every goal from the measured scenarios; a goal whose inputs were not measured is null. */
export function judgeGoals(results: Pick<Results, "scenarios" | "leaf" | "mode">): GoalResult[] {
  const goals: GoalResult[] = [];
  const at = (id: string, c: number) => find(results, id, c);

  for (const c of [1, 16]) {
    const proxy = at("proxy", c);
    const floor = at("floor", c);
    const ratio = proxy && floor ? proxy.rps / floor.rps : undefined;
    goals.push({
      goal: `/proxy ≥ 90 % of the floor's req/s at ${c} connection${c > 1 ? "s" : ""}`,
      measured:
        ratio === undefined ? "not measured" : `${pct(ratio)} (${rps(proxy?.rps)} vs ${rps(floor?.rps)} req/s)${byCpu(proxy, floor)}${byWorkerd(proxy, floor)}`,
      met: ratio === undefined ? null : ratio >= 0.9,
    });
  }
  {
    const proxy = at("proxy", 1);
    const floor = at("floor", 1);
    const p50 = proxy && floor ? proxy.p50 - floor.p50 : undefined;
    const p99 = proxy && floor ? proxy.p99 - floor.p99 : undefined;
    goals.push({
      goal: "/proxy adds ≤ 0.5 ms at p50 over the floor, one connection",
      measured: p50 === undefined ? "not measured" : `${signed(p50)} ms (${ms(proxy?.p50)} vs ${ms(floor?.p50)})`,
      met: p50 === undefined ? null : p50 <= 0.5,
    });
    goals.push({
      goal: "/proxy adds ≤ 3 ms at p99 over the floor, one connection",
      measured: p99 === undefined ? "not measured" : `${signed(p99)} ms (${ms(proxy?.p99)} vs ${ms(floor?.p99)})`,
      met: p99 === undefined ? null : p99 <= 3,
    });
  }
  for (const kind of ["services", "agents"] as const) {
    const sizes = results.scenarios
      .filter((s) => s.id.startsWith(`${kind}-`))
      .map((s) => Number(s.id.slice(kind.length + 1)))
      .sort((a, b) => a - b);
    const smallest = sizes[0];
    const largest = sizes[sizes.length - 1];
    for (const c of [1, 16]) {
      const small = smallest === undefined ? undefined : at(`${kind}-${smallest}`, c);
      const large = largest === undefined ? undefined : at(`${kind}-${largest}`, c);
      if (!small || !large || smallest === largest) continue;
      const ratio = large.rps / small.rps;
      goals.push({
        goal: `scaling: /proxy with ${largest} ${kind} within 10 % of ${smallest}, ${c} connection${c > 1 ? "s" : ""}`,
        measured: `${pct(ratio)} (${rps(large.rps)} vs ${rps(small.rps)} req/s)${byCpu(large, small)}`,
        met: ratio >= 0.9,
      });
    }
  }
  {
    const mitm = at("mitm-stub", 16);
    const reference = at("mitmdump", 16);
    const ratio = mitm && reference ? mitm.rps / reference.rps : undefined;
    goals.push({
      goal: "MITM's own cost: ≥ 10× mitmdump's intercepting req/s at 16 connections",
      measured: !reference
        ? "not measured: mitmdump not installed"
        : ratio === undefined
          ? "not measured"
          : `${ratio.toFixed(1)}× (${rps(mitm?.rps)} vs ${rps(reference.rps)} req/s)${timesByCpu(mitm, reference)}`,
      met: ratio === undefined ? null : ratio >= 10,
    });
  }
  {
    const mitm = at("mitm-stub", 1);
    const direct = at("direct-tls", 1);
    const added = mitm && direct ? mitm.p50 - direct.p50 : undefined;
    goals.push({
      goal: "MITM's own cost: p50 ≤ 0.3 ms at one connection (added over HTTPS straight to a server)",
      measured: added === undefined ? "not measured" : `${signed(added)} ms (${ms(mitm?.p50)} through the MITM vs ${ms(direct?.p50)} direct)`,
      met: added === undefined ? null : added <= 0.3,
    });
  }
  for (const c of [1, 16]) {
    const tunnel = at("tunnel", c);
    const direct = at("direct-tls", c);
    const ratio = tunnel && direct ? tunnel.rps / direct.rps : undefined;
    goals.push({
      goal: `tunnel ≥ 50 % of a direct connection's req/s at ${c} connection${c > 1 ? "s" : ""}`,
      measured: ratio === undefined ? "not measured" : `${pct(ratio)} (${rps(tunnel?.rps)} vs ${rps(direct?.rps)} req/s)${byCpu(tunnel, direct)}`,
      met: ratio === undefined ? null : ratio >= 0.5,
    });
  }
  goals.push({
    goal: "cold leaf certificate ≤ 10 ms (p50)",
    measured: `${ms(results.leaf.cold.p50)} ms p50, ${ms(results.leaf.cold.p99)} ms p99 (wall clock); ${ms(results.leaf.cold.cpuMs)} ms of CPU each`,
    met: results.leaf.cold.p50 <= 10,
  });
  return goals;
}

/** The Worker runtime's share alone (workerd), leaving out wrangler's Node processes, which production does not have. */
function byWorkerd(proxy: Measurement | undefined, floor: Measurement | undefined): string {
  const a = proxy?.serverCpuParts?.["edge/workerd"];
  const b = floor?.serverCpuParts?.["floor/workerd"];
  if (a === undefined || b === undefined || a === 0) return "";
  return `; workerd alone ${cpu(a)} vs ${cpu(b)} ms: ${pct(b / a)}`;
}

function timesByCpu(ours: Measurement | undefined, reference: Measurement | undefined): string {
  const a = ours?.serverCpuMs;
  const b = reference?.serverCpuMs;
  if (a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b) || a === 0) return "";
  return `; by server CPU per request ${cpu(a)} vs ${cpu(b)} ms: ${(b / a).toFixed(1)}×`;
}

export function renderMarkdown(results: Results): string {
  const m = results.machine;
  const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(" / ");
  const lines = [
    "# Benchmark results",
    "",
    `\`npm run bench${results.mode === "quick" ? " -- --quick" : ""}\`, ${results.measuredAt}. How to read this: [README.md](README.md).`,
    "",
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.os}, Node ${m.node}`,
    `- Load average (1 / 5 / 15 min): **${load(m.loadAverageAtStart)}** at start, ${load(m.loadAverageAtEnd)} at the end. With ${m.cores} cores, a load above ${m.cores} means other work was competing for the CPU: compare ratios within this run, not absolute numbers.`,
    `- Each measurement: ${results.durationMs / 1000} s counted after ${results.warmupMs / 1000} s of warm-up on the same connections; ${results.rounds} round${results.rounds > 1 ? "s" : ""} (every scenario measured once per round, in turn; the median is shown); ${results.wallSeconds.toFixed(0)} s in all`,
    `- Versions: ${Object.entries(results.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
    "",
    "## Goals",
    "",
    "| goal | measured | |",
    "|---|---|---|",
    ...results.goals.map((g) => `| ${g.goal} | ${g.measured} | ${g.met === null ? "not measured" : g.met ? "met" : "**not met**"} |`),
    "",
    "## Scenarios",
    "",
    "Keep-alive connections; latency in ms from a request's first byte written to its answer's last byte read. CPU: ms of CPU per request at 16 connections, of the processes the scenario goes through (the Workers' `wrangler dev` with their workerd, proxies, loopback servers; their idle work included) and of the load generator.",
    "",
    "| scenario | req/s @1 | p50 @1 | p99 @1 | req/s @16 | p50 @16 | p99 @16 | server CPU | client CPU | errors |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...results.scenarios.map((s) => {
      const one = s.byConnections["1"];
      const many = s.byConnections["16"];
      const errors = (one?.errors ?? 0) + (many?.errors ?? 0);
      return `| ${s.title}${s.note ? ` (${s.note})` : ""} | ${rps(one?.rps)} | ${ms(one?.p50)} | ${ms(one?.p99)} | ${rps(many?.rps)} | ${ms(many?.p50)} | ${ms(many?.p99)} | ${cpu(many?.serverCpuMs)} | ${cpu(many?.clientCpuMs)} | ${errors} |`;
    }),
    "",
    "## Leaf certificates (cli/mitm/certificates.ts, in a child process of their own)",
    "",
    "| | count | p50 ms | p99 ms | CPU ms each | per second |",
    "|---|---:|---:|---:|---:|---:|",
    `| cold: a new host (certificate and TLS context; the key pair is the process's, made once) | ${results.leaf.cold.count} | ${ms(results.leaf.cold.p50)} | ${ms(results.leaf.cold.p99)} | ${ms(results.leaf.cold.cpuMs)} | ${rps(results.leaf.cold.perSecond)} |`,
    `| cached: the same host again | ${results.leaf.cached.count} | ${results.leaf.cached.p50.toFixed(4)} | ${results.leaf.cached.p99.toFixed(4)} | ${results.leaf.cached.cpuMs.toFixed(4)} | ${rps(results.leaf.cached.perSecond)} |`,
    "",
  ];
  const breakdown = results.scenarios.filter((s) => Object.keys(s.byConnections["16"]?.serverCpuParts ?? {}).length > 0);
  if (breakdown.length) {
    lines.push(
      "## Where the CPU goes (16 connections)",
      "",
      "CPU ms per request by process (component/program; a `wrangler dev` is two Node processes and two workerd: wrangler's proxy Worker and the Worker itself).",
      "",
      "| scenario | CPU ms per request |",
      "|---|---|",
    );
    for (const scenario of breakdown) {
      const parts = Object.entries(scenario.byConnections["16"]?.serverCpuParts ?? {})
        .filter(([, value]) => value >= 0.005)
        .sort((a, b) => b[1] - a[1])
        .map(([part, value]) => `${part} ${cpu(value)}`);
      lines.push(`| ${scenario.title} | ${parts.join(", ")} |`);
    }
    lines.push("");
  }
  if (results.notMeasured.length) lines.push("## Not measured", "", ...results.notMeasured.map((n) => `- ${n}`), "");
  if (results.checks.length) lines.push("## Checks", "", ...results.checks.map((c) => `- ${c}`), "");
  if (results.profiles) {
    for (const [name, profile] of Object.entries(results.profiles)) {
      lines.push(`## CPU profile: ${name} (${profile.busyMs.toFixed(0)} ms busy while measured)`, "", "| area | self ms | share |", "|---|---:|---:|");
      for (const line of profile.areas) lines.push(`| ${line.name} | ${line.selfMs.toFixed(0)} | ${pct(line.share)} |`);
      lines.push("", "| function | self ms | share |", "|---|---:|---:|");
      for (const line of profile.functions) lines.push(`| ${line.name.replaceAll("|", "\\|")} | ${line.selfMs.toFixed(0)} | ${pct(line.share)} |`);
      lines.push("");
    }
  }
  return `${lines.join("\n")}`;
}
