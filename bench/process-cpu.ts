/**
 * CPU time of the processes the bench started, read from /proc and grouped by component: each
 * direct child of the bench (the edge's and the floor's `wrangler dev` with their workerd, the
 * servers, each MITM listener, mitmdump) with everything below it. On a machine shared with
 * other work, req/s and latency move with everyone else's load; CPU spent per request moves much
 * less, so it is reported beside them, counting only the components a scenario goes through.
 * Linux only (empty elsewhere).
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { Measurement, RunWindow } from "./measurement.ts";
import type { Window } from "./profile.ts";

/** The bench's parts, as they show in the process tree. */
export type Component = "edge" | "floor" | "servers" | "mitm-stub" | "mitm-edge" | "mitmdump" | "relay" | "mitm-floor" | "other";

/** CPU ms so far, per component, and within each per program (node, workerd, python…). */
export type CpuSnapshot = Map<Component, Map<string, number>>;

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

type Stat = { ppid: number; ticks: number; program: string };

function readStat(pid: string): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const program = text.slice(text.indexOf("(") + 1, text.lastIndexOf(")"));
    // The program name is in parentheses and may hold spaces: fields are counted after it.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]), program };
  } catch {
    return undefined;
  }
}

function componentOf(pid: number): Component {
  let command: string;
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "other";
  }
  if (command.includes("servers.child.ts")) return "servers";
  if (command.includes("mitm.child.ts")) return command.includes("mitm-edge") ? "mitm-edge" : "mitm-stub";
  if (command.includes("relay.child.ts")) return "relay";
  if (command.includes("mitm-floor.child.ts")) return "mitm-floor";
  if (command.includes("wrangler.floor.toml")) return "floor";
  if (command.includes("wrangler")) return "edge";
  if (command.includes("mitmdump")) return "mitmdump";
  return "other";
}

const components = new Map<number, Component>();

/** The bench's direct children that make up `component` (e.g. the edge's `wrangler dev`). */
export function componentRoots(component: Component): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name) && readStat(name)?.ppid === process.pid)
    .map(Number)
    .filter((pid) => componentOf(pid) === component);
}

/** CPU used so far by every live descendant of this process, by component and program. */
export function cpuSnapshot(): CpuSnapshot {
  const snapshot: CpuSnapshot = new Map();
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return snapshot;
  }
  const stats = new Map<number, Stat>();
  for (const pid of entries) {
    const stat = readStat(pid);
    if (stat) stats.set(Number(pid), stat);
  }
  const children = new Map<number, number[]>();
  for (const [pid, stat] of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  const msPerTick = 1000 / clockTicks();
  for (const top of children.get(process.pid) ?? []) {
    let component = components.get(top);
    if (!component) {
      component = componentOf(top);
      components.set(top, component);
    }
    const programs = snapshot.get(component) ?? new Map<string, number>();
    const pending = [top];
    while (pending.length) {
      const pid = pending.pop() as number;
      const stat = stats.get(pid);
      if (stat) programs.set(stat.program, (programs.get(stat.program) ?? 0) + stat.ticks * msPerTick);
      pending.push(...(children.get(pid) ?? []));
    }
    snapshot.set(component, programs);
  }
  return snapshot;
}

/** CPU ms used so far by everything in a snapshot. */
export function totalCpuMs(snapshot: CpuSnapshot): number {
  let total = 0;
  for (const programs of snapshot.values()) for (const ms of programs.values()) total += ms;
  return total;
}

/** CPU ms used between two snapshots by the given components, in all and per "component/program". */
export function cpuUsed(before: CpuSnapshot, after: CpuSnapshot, only: readonly Component[]): { total: number; parts: Record<string, number> } {
  const parts: Record<string, number> = {};
  let total = 0;
  for (const component of only) {
    for (const [program, ms] of after.get(component) ?? []) {
      const used = ms - (before.get(component)?.get(program) ?? 0);
      if (used <= 0) continue;
      parts[`${component}/${program}`] = used;
      total += used;
    }
  }
  return { total, parts };
}

/**
 * Runs a measurement and adds the CPU per request it cost the components it goes through and
 * the load generator, read at the counted window's edges.
 */
export async function withCpu(window: RunWindow, uses: readonly Component[], run: () => Promise<Measurement>): Promise<Measurement & { window: Window }> {
  let server = cpuSnapshot();
  let client = process.cpuUsage();
  let serverUsed: { total: number; parts: Record<string, number> } | undefined;
  let clientUsed = Number.NaN;
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  let startUs = nowUs();
  let endUs = Number.NaN;
  const close = () => {
    endUs = nowUs();
    serverUsed = cpuUsed(server, cpuSnapshot(), uses);
    const used = process.cpuUsage(client);
    clientUsed = (used.user + used.system) / 1000;
  };
  const opened = setTimeout(() => {
    startUs = nowUs();
    server = cpuSnapshot();
    client = process.cpuUsage();
  }, window.warmupMs);
  const closed = setTimeout(close, window.warmupMs + window.durationMs);
  const measured = await run();
  clearTimeout(opened);
  clearTimeout(closed);
  // A busy event loop can run the closing timer after the run: the window then ends here, a little late.
  if (!serverUsed) close();
  const perRequest = (ms: number) => (measured.requests ? ms / measured.requests : Number.NaN);
  return {
    ...measured,
    serverCpuMs: perRequest(serverUsed?.total ?? Number.NaN),
    serverCpuParts: Object.fromEntries(Object.entries(serverUsed?.parts ?? {}).map(([part, ms]) => [part, perRequest(ms)])),
    clientCpuMs: perRequest(clientUsed),
    window: { startUs, endUs },
  };
}
