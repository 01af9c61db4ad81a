/**
 * Summarizes a V8 CPU profile taken inside workerd (bench/profile-edge.ts): the Worker runs as
 * one esbuild bundle, so each frame is mapped back through the bundle's source map to the file
 * it came from (workers/proxy/…, node_modules/hono/…), then counted by area and by function, per
 * request. Self time says where the CPU is spent; inclusive time of the edge's own functions says
 * what each step of the hot path costs with everything it calls (the runtime's native APIs
 * included: a `crypto.subtle` call or a `Headers` copy shows as a native frame under the edge's
 * function that made it).
 */
import { readFile } from "node:fs/promises";
import { SourceMap } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT } from "../test/cli/support/edge.ts";
import type { Inspector } from "./inspector.ts";
import type { CpuProfile } from "./profile.ts";

/** Per script id: its URL and, for a bundle, its source map and the directory its sources are relative to. */
export type ScriptMaps = Map<string, { url: string; map?: SourceMap; mapDir?: string }>;

export type WorkerLine = { name: string; msPerRequest: number; share: number };
/**
 * A step of a path (e.g. "the token's SHA-256 and MAC"): a sample belongs to the innermost step
 * on its stack, so a step nested in another (the token inside admission) is not counted twice,
 * and native work (a `crypto.subtle` call) counts for the step whose code called it.
 */
export type Step = { name: string; holds(place: Place): boolean };
export type WorkerProfileSummary = {
  samples: number;
  /** Sampled time that was not idle, per request. */
  busyMsPerRequest: number;
  /** Of which in JavaScript frames (the Worker's, its dependencies', the runtime's JS). */
  jsMsPerRequest: number;
  areas: WorkerLine[];
  functions: WorkerLine[];
  /** The edge's (or the floor Worker's) own functions, with everything they call. */
  inclusive: WorkerLine[];
  /** Every busy sample in exactly one step (or, outside every step, by area); empty without steps. */
  steps: WorkerLine[];
};

/**
 * The scripts parsed in the Worker's isolate and the source maps of those that have one (read from
 * disk: wrangler writes the bundle and its map under .wrangler/tmp while it runs).
 */
export async function bundleSourceMaps(inspector: Inspector): Promise<ScriptMaps> {
  const scripts: { scriptId: string; url: string; sourceMapURL: string }[] = [];
  inspector.on("Debugger.scriptParsed", (p) => scripts.push({ scriptId: String(p.scriptId), url: String(p.url), sourceMapURL: String(p.sourceMapURL ?? "") }));
  // Enabling the debugger replays a scriptParsed event for every script already parsed; its reply comes after them.
  await inspector.send("Debugger.enable");
  await inspector.send("Debugger.disable");
  const maps: ScriptMaps = new Map();
  for (const script of scripts) {
    maps.set(script.scriptId, { url: script.url });
    if (!script.sourceMapURL || !script.url.startsWith("file://") || script.url.includes("/node_modules/")) continue;
    const file = path.resolve(path.dirname(fileURLToPath(script.url)), script.sourceMapURL);
    try {
      maps.set(script.scriptId, { url: script.url, map: new SourceMap(JSON.parse(await readFile(file, "utf8"))), mapDir: path.dirname(file) });
    } catch {
      // Unmapped, its frames keep the bundle's name.
    }
  }
  return maps;
}

type Frame = CpuProfile["nodes"][number]["callFrame"];
export type Place = { name: string; file: string; line: number };

/** A frame's function and the source file it came from (the repository's or a package's path). */
function placeOf(frame: Frame, maps: ScriptMaps): Place {
  const fn = frame.functionName || "(anonymous)";
  const script = maps.get(frame.scriptId ?? "");
  const url = script?.url ?? frame.url;
  if (!url) return { name: fn, file: "", line: 0 };
  const entry = script?.map?.findEntry(frame.lineNumber, frame.columnNumber ?? 0);
  const original = entry && "originalSource" in entry ? entry : undefined;
  const file = original ? repositoryPath(path.resolve(script?.mapDir ?? "", String(original.originalSource))) : url;
  const line = original ? Number(original.originalLine) + 1 : frame.lineNumber + 1;
  return { name: `${fn} (${file}:${line})`, file, line };
}

/** A source file as the repository names it: `workers/proxy/…`, `node_modules/hono/…`, `.wrangler/tmp/…` (wrangler's own wrappers). */
function repositoryPath(file: string): string {
  const inPackages = file.lastIndexOf("/node_modules/");
  if (inPackages !== -1) return file.slice(inPackages + 1);
  return path.relative(ROOT, file);
}

/** Where a frame's time belongs, in a few words. */
function areaOf(frame: Frame, place: Place): string {
  if (frame.functionName === "(program)") return "runtime outside JavaScript (program: workerd's C++, I/O)";
  if (frame.functionName === "(garbage collector)") return "garbage collection";
  if (!place.file) return "runtime's native APIs called from JS (fetch, Headers, streams, crypto…)";
  const file = place.file;
  const feature = /^workers\/([^/]+)\//.exec(file)?.[1];
  if (feature === "lib") return `edge: workers/lib/${/^workers\/lib\/([^/]+)\//.exec(file)?.[1] ?? ""}`.replace(/\/$/, "");
  if (feature) return `edge: workers/${feature}`;
  if (file.startsWith("workers/")) return "edge: workers/*.ts (app, router, env)";
  if (file.startsWith("durable-objects/")) return "edge: durable-objects (ActorGate…)";
  if (file.startsWith("bench/")) return "floor Worker (bench/)";
  // drizzle-orm's own source map names its files `../src/…`, which lands beside the packages.
  if (file.startsWith("node_modules/src/")) return "dependency: drizzle-orm";
  const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1];
  if (pkg === "wrangler" || pkg === "miniflare") return "wrangler dev's wrappers (not in production)";
  if (pkg) return `dependency: ${pkg}`;
  if (file.startsWith("file://") && file.includes("/.wrangler/tmp/dev-")) return "the bundle's helpers (esbuild's __name…)";
  if (file.includes(".wrangler/") || file.startsWith("file://")) return "wrangler dev's wrappers (not in production)";
  if (/^(node-internal:|cloudflare:|cloudflare-internal:|node:)/.test(file)) return "runtime's own JavaScript (D1 client, node compat, cloudflare:*)";
  return `other: ${file}`;
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** The repository's own code: what the inclusive table lists. */
const ownCode = (file: string) => file.startsWith("workers/") || file.startsWith("durable-objects/") || file.startsWith("bench/");

export function summarizeWorkerProfile(profile: CpuProfile, maps: ScriptMaps, requests: number, steps: readonly Step[] = [], top = 25): WorkerProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const places = new Map(profile.nodes.map((n) => [n.id, placeOf(n.callFrame, maps)]));
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const bySteps = new Map<string, number>();
  let busyUs = 0;
  let jsUs = 0;
  let samples = 0;
  const cap = 2 * medianOf(profile.timeDeltas);
  profile.samples.forEach((id, i) => {
    // A sample's delta is the wall time since the previous sample, charged to this one. On a busy
    // machine the isolate's thread (and the sampler's) wait for a core, and the sample after the
    // wait would be charged the whole wait: capped at twice the median interval, a sample counts
    // for about the CPU time it stands for.
    const us = Math.min(profile.timeDeltas[i] ?? 0, cap);
    const node = byId.get(id);
    const place = places.get(id);
    if (!node || !place || node.callFrame.functionName === "(idle)") return;
    samples += 1;
    busyUs += us;
    if (place.file) jsUs += us;
    functions.set(place.name, (functions.get(place.name) ?? 0) + us);
    const area = areaOf(node.callFrame, place);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const seen = new Set<string>();
    let step: string | undefined;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const up = places.get(at);
      if (!up) continue;
      step ??= steps.find((s) => s.holds(up))?.name;
      if (ownCode(up.file) && !seen.has(up.name)) {
        seen.add(up.name);
        inclusive.set(up.name, (inclusive.get(up.name) ?? 0) + us);
      }
    }
    if (steps.length > 0) {
      const where = step ?? `outside every step: ${area}`;
      bySteps.set(where, (bySteps.get(where) ?? 0) + us);
    }
  });
  const perRequest = (us: number) => (requests ? us / 1000 / requests : Number.NaN);
  const lines = (map: Map<string, number>, limit: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, msPerRequest: perRequest(us), share: busyUs ? us / busyUs : 0 }));
  return {
    samples,
    busyMsPerRequest: perRequest(busyUs),
    jsMsPerRequest: perRequest(jsUs),
    areas: lines(areas, 30),
    functions: lines(functions, top),
    inclusive: lines(inclusive, top),
    steps: lines(bySteps, 40),
  };
}
