/**
 * `npm run bench -- --profile`: the MITM children run with `node --cpu-prof`; this reads the
 * profiles they leave and says where their busy CPU time went while a given scenario was being
 * measured (samples outside its counted windows, such as startup and other scenarios, are
 * left out; so is idle time), by area and by function (self time).
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/** V8's CPU profile, as `node --cpu-prof` writes it and as the inspector's `Profiler.stop` returns it. */
export type CpuProfile = {
  nodes: {
    id: number;
    callFrame: { functionName: string; scriptId?: string; url: string; lineNumber: number; columnNumber?: number };
    children?: number[];
  }[];
  /** Microseconds on the profiled process's monotonic clock (for Node, process.hrtime, shared by every process). */
  startTime: number;
  endTime?: number;
  samples: number[];
  timeDeltas: number[];
};

/** A counted window, in microseconds of process.hrtime. */
export type Window = { startUs: number; endUs: number };

export type ProfileLine = { name: string; selfMs: number; share: number };
export type ProfileSummary = { busyMs: number; areas: ProfileLine[]; functions: ProfileLine[] };

/** Where a sampled frame's code lives, in a few words. */
function areaOf(functionName: string, url: string): string {
  if (url.includes("/cli/")) return "Edgevault CLI code (cli/)";
  if (url.includes("/workers/")) return "Edgevault shared code (workers/lib)";
  if (url.includes("node_modules/")) return "dependencies";
  if (/^node:(_tls|tls|internal\/tls)/.test(url)) return "Node TLS (JS)";
  if (/^node:(_http|http|internal\/http)/.test(url)) return "Node HTTP (JS)";
  if (/^node:(internal\/streams|stream)/.test(url)) return "Node streams";
  if (/^node:(net|internal\/stream_base|internal\/net)/.test(url)) return "Node sockets (JS)";
  if (url.startsWith("node:")) return "Node, other JS";
  if (functionName === "(garbage collector)") return "garbage collection";
  if (functionName === "(program)") return "V8/Node outside JS (program)";
  return "native: syscalls, OpenSSL, HTTP parser";
}

export async function summarizeProfiles(dir: string, windows: readonly Window[], top = 12): Promise<ProfileSummary> {
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  let busyUs = 0;
  const counted = (at: number) => windows.some((w) => at >= w.startUs && at <= w.endUs);
  for (const file of (await readdir(dir)).filter((f) => f.endsWith(".cpuprofile"))) {
    const profile = JSON.parse(await readFile(path.join(dir, file), "utf8")) as CpuProfile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    let at = profile.startTime;
    profile.samples.forEach((id, i) => {
      const us = profile.timeDeltas[i] ?? 0;
      at += us;
      const frame = byId.get(id);
      // Waiting for I/O is not cost: only busy samples inside a counted window count.
      if (!frame || frame.functionName === "(idle)" || !counted(at)) return;
      busyUs += us;
      const where = frame.url ? ` (${frame.url.replace(/^.*\/(node_modules|cli|workers)\//, "$1/")}:${frame.lineNumber + 1})` : "";
      const name = `${frame.functionName || "(anonymous)"}${where}`;
      functions.set(name, (functions.get(name) ?? 0) + us);
      const area = areaOf(frame.functionName, frame.url);
      areas.set(area, (areas.get(area) ?? 0) + us);
    });
  }
  const lines = (map: Map<string, number>, limit: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, selfMs: us / 1000, share: busyUs ? us / busyUs : 0 }));
  return { busyMs: busyUs / 1000, areas: lines(areas, 20), functions: lines(functions, top) };
}
