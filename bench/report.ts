/**
 * The bench's results: one JSON document (bench/results.json) and the same as Markdown
 * (bench/results.md), with the machine's facts, every scenario at 1 and 16 connections, the
 * leaf-certificate timings, and each goal judged met or not met from this run's own numbers.
 */
import { CALM_LOAD } from "./calm.ts";
import type { GoalResult } from "./goals.ts";
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

const ms = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? "–" : value < 10 ? value.toFixed(2) : value.toFixed(1));
const rps = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? "–" : value.toFixed(0));
const pct = (ratio: number) => `${(ratio * 100).toFixed(0)} %`;
const cpu = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? "–" : value.toFixed(2));

/** The highest 1-minute load at which the scenario's measurements began. */
function loadAt(...measurements: (Measurement | undefined)[]): string {
  const loads = measurements.map((m) => m?.loadAtStart).filter((l): l is number => l !== undefined);
  return loads.length ? Math.max(...loads).toFixed(2) : "–";
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
    `- Load average (1 / 5 / 15 min): **${load(m.loadAverageAtStart)}** at start, ${load(m.loadAverageAtEnd)} at the end. With ${m.cores} cores, a load above ${m.cores} means other work was competing for the CPU. Each goal's measurements waited for a 1-minute load of at most ${CALM_LOAD}; a goal whose measurements began above it says *not judged*.`,
    `- Each measurement: ${results.durationMs / 1000} s counted after ${results.warmupMs / 1000} s of warm-up on the same connections; ${results.rounds} round${results.rounds > 1 ? "s" : ""} (every scenario measured once per round, all at one connection before any at 16, every other round in reverse; the median is shown, and a goal takes the median of its pair's per-round comparisons); ${results.wallSeconds.toFixed(0)} s in all`,
    `- Versions: ${Object.entries(results.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
    "",
    "## Goals",
    "",
    "| goal | measured | |",
    "|---|---|---|",
    ...results.goals.map((g) => `| ${g.goal} | ${g.measured} | ${g.verdict === "not met" ? "**not met**" : g.verdict} |`),
    "",
    "## Scenarios",
    "",
    "Keep-alive connections; latency in ms from a request's first byte written to its answer's last byte read. CPU: ms of CPU per request at 16 connections, of the processes the scenario goes through (the Workers' `wrangler dev` with their workerd, proxies, loopback servers; their idle work included) and of the load generator.",
    "",
    "| scenario | req/s @1 | p50 @1 | p99 @1 | req/s @16 | p50 @16 | p99 @16 | server CPU | client CPU | errors | load at start |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...results.scenarios.map((s) => {
      const one = s.byConnections["1"];
      const many = s.byConnections["16"];
      const errors = (one?.errors ?? 0) + (many?.errors ?? 0);
      return `| ${s.title}${s.note ? ` (${s.note})` : ""} | ${rps(one?.rps)} | ${ms(one?.p50)} | ${ms(one?.p99)} | ${rps(many?.rps)} | ${ms(many?.p50)} | ${ms(many?.p99)} | ${cpu(many?.serverCpuMs)} | ${cpu(many?.clientCpuMs)} | ${errors} | ${loadAt(one, many)} |`;
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
      "CPU ms per request by process (component/program; each Worker runs as `wrangler dev` does, without wrangler's inspector: one Node process and two workerd, wrangler's proxy Worker and the Worker itself).",
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
