/**
 * A native CPU profile of workerd with Linux `perf`, for what V8's profiler cannot see: the runtime's
 * C++ (its event loop, `Headers`, streams, the RPC between a Worker and its Durable Objects), malloc,
 * garbage collection, SQLite behind local D1 and Durable Object storage, and the kernel. workerd's
 * binary keeps its symbols, and V8's builtins (the interpreter among them) live in it, so nearly
 * every sample has a name. No inspector is attached, so the Worker runs as it does in `npm run bench`.
 *
 * Each `wrangler dev` runs two workerd: the Worker's own runtime (the Worker, its Durable Objects,
 * miniflare's D1) and wrangler's proxy runtime in front of it (not in production). They are told apart
 * by the persistence directory: only the Worker's runtime holds files open under it.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export type NativeProcess = { pid: number; role: "worker runtime" | "wrangler's proxy runtime"; threads: number[] };

/** The workerd processes below `root` (a `wrangler dev`'s pid), each with its role. */
export function workerdProcesses(root: number): NativeProcess[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // The process ended while being listed.
    }
  }
  const below = (pid: number): boolean => {
    for (let at = parentOf.get(pid); at !== undefined && at > 1; at = parentOf.get(at)) if (at === root) return true;
    return false;
  };
  const found: NativeProcess[] = [];
  for (const pid of parentOf.keys()) {
    if (!below(pid)) continue;
    let program = "";
    try {
      program = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      continue;
    }
    if (program !== "workerd") continue;
    found.push({ pid, role: holdsPersistedFiles(pid) ? "worker runtime" : "wrangler's proxy runtime", threads: threadsOf(pid) });
  }
  return found;
}

/** A process's threads now (V8's helper threads live as long as the isolate: read them after the window). */
export function threadsOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [pid];
  }
}

function holdsPersistedFiles(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return /\.sqlite$/.test(readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Starts `perf record` on `pids` (call graphs by frame pointer); `stop` ends it and waits for its file. */
export function startPerf(pids: readonly number[], file: string, hz = 1999): { stop: () => Promise<void> } {
  const perf: ChildProcess = spawn("perf", ["record", "-F", String(hz), "-g", "-p", pids.join(","), "-o", file], { stdio: ["ignore", "ignore", "pipe"] });
  let errors = "";
  perf.stderr?.on("data", (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const ended = new Promise<number | null>((resolve) => perf.on("exit", (code) => resolve(code)));
  return {
    stop: async () => {
      perf.kill("SIGINT");
      const code = await ended;
      if (code !== 0 && !/wrote/.test(errors)) throw new Error(`perf record failed (${code}): ${errors.trim().slice(-400)}`);
    },
  };
}

/** Where a sample's own (innermost) frame belongs. */
export function categoryOf(dso: string, symbol: string): string {
  if (dso.startsWith("[kernel")) return "kernel (syscalls, loopback TCP, scheduling)";
  if (dso.includes("JIT") || dso.includes("perf-")) return "JavaScript: optimized code";
  if (/sqlite3/.test(symbol)) return "SQLite (local D1, Durable Object storage)";
  if (/tcmalloc|TCMalloc/.test(symbol)) return "malloc and free";
  if (/Scaveng|MarkCompact|Sweeper|Marking|Evacuat|GCTracer|CppHeap|cppgc|HeapTracer|GlobalHandles|TracedReference|Heap::/.test(symbol))
    return "garbage collection and handles";
  if (symbol.startsWith("Builtins_")) return "JavaScript: interpreter and builtins";
  if (symbol.startsWith("v8::")) return "V8 runtime (property lookup, objects, JSON)";
  if (/^(EVP_|ED25519|SHA|sha|aes|AES|bssl|BN_|ec_|x25519|gcm|CRYPTO|HMAC)/.test(symbol)) return "BoringSSL (crypto)";
  if (/capnp/.test(symbol)) return "Cap'n Proto (RPC to Durable Objects and services)";
  if (/^workerd::(api|jsg)::/.test(symbol)) return "workerd's APIs and JavaScript bindings";
  if (symbol.startsWith("workerd::")) return "workerd's request and I/O contexts";
  if (/kj::/.test(symbol)) return "kj: event loop, promises, strings, HTTP";
  if (dso.startsWith("libc")) return "libc (memcpy, string functions)";
  return "other";
}

export type NativeShare = { name: string; msPerRequest: number; share: number };
export type NativeProfile = {
  role: NativeProcess["role"];
  pid: number;
  msPerRequest: number;
  categories: NativeShare[];
  symbols: NativeShare[];
  /** The worker runtime's samples by what drove them (`driverOf`); absent for wrangler's proxy runtime. */
  drivers?: NativeShare[];
};

/** Where JavaScript enters a stack: its promise continuations, and the runtime calling into it (a handler, a Durable Object method). */
const JS_ENTRY = /workerd::jsg::Lock::runMicrotasks|workerd::jsg::FunctionWrapper/;
/** The runtime's APIs as a stack names them, below the JavaScript that called them. */
const RUNTIME_API =
  /^(workerd::api::[\w:]+|workerd::jsg::(?:Serializer|Deserializer)::\w+|workerd::IoContext::TimeoutManagerImpl|workerd::SqliteDatabase[\w:]*|workerd::server::ActorIdFactoryImpl::\w+)/;
const DRIVERS: [RegExp, string][] = [
  [/Sqlite|transactionSync|D1/, "SQLite (local D1, Durable Object storage)"],
  [/SubtleCrypto|TextEncoder|TextDecoder/, "crypto.subtle, TextEncoder"],
  [/JsRpc|Serializer|Deserializer|ActorIdFactory|DurableObjectNamespace/, "Durable Object calls (RPC, arguments and results)"],
  [/Timeout|setTimeout|clearTimeout/, "timers"],
  [/fetch|Response|Request|Stream|Headers|Reader|pumpTo|Fetcher|Body|CfProperty/, "fetch, Request, Response, streams, Headers"],
];

/** Work no JavaScript is running: what its stack holds, first match. */
const UNDRIVEN: [RegExp, string][] = [
  [/maglev|Maglev|Turbofan|OptimizedCompilation|compiler::|BaselineCompiler/, "V8 compiling (its helper threads)"],
  [/Scaveng|MarkCompact|Sweep|Marking|GCTracer|cppgc|HeapTracer|Heap::/, "garbage collection"],
  [/capnp/, "Cap'n Proto (Durable Object calls, local D1)"],
  [/Http(Server|Client|Input|Output|Service)|kj::.*Http/, "HTTP on the event loop (requests in and out, local D1)"],
  [/sqlite3|Sqlite/, "SQLite"],
];

/**
 * What drove a sample, from its stack (innermost frame first): work no JavaScript drove (the event
 * loop, the kernel, V8's compiler and GC threads), else the nearest runtime API below the
 * JavaScript that called it, else the JavaScript itself with the V8 runtime it drives. Unlike the
 * innermost frame's category, this charges a runtime call's C++, malloc and kernel time to the
 * call, and the interpreter, ICs and object creation to the code.
 */
export function driverOf(frames: readonly string[]): string {
  const entry = frames.findIndex((frame) => JS_ENTRY.test(frame));
  if (entry === -1) {
    const stack = frames.join(" ");
    return `no JavaScript: ${UNDRIVEN.find(([pattern]) => pattern.test(stack))?.[1] ?? "the event loop, the kernel, other"}`;
  }
  for (const frame of frames.slice(0, entry)) {
    const api = RUNTIME_API.exec(frame)?.[1];
    if (api) return DRIVERS.find(([pattern]) => pattern.test(api))?.[1] ?? "other runtime APIs";
  }
  return "JavaScript, and the V8 runtime it drives, with no runtime API below it";
}

/** The worker runtime's samples by `driverOf`, per request, from `perf script`'s call graphs. */
export async function summarizeDrivers(file: string, pid: number, requests: number): Promise<NativeShare[]> {
  const { stdout } = await execFileAsync("perf", ["script", "-i", file, "--pid", String(pid), "-F", "tid,period,ip,sym"], { maxBuffer: 1024 * 1024 * 1024 });
  const drivers = new Map<string, number>();
  let total = 0;
  for (const sample of stdout.split("\n\n")) {
    const [head, ...stack] = sample.trim().split("\n");
    const period = Number(/^\s*\d+\s+(\d+)/.exec(head ?? "")?.[1]);
    if (!Number.isFinite(period) || stack.length === 0) continue;
    const frames = stack.map((line) => line.trim().replace(/^[0-9a-f]+\s+/, ""));
    const driver = driverOf(frames);
    drivers.set(driver, (drivers.get(driver) ?? 0) + period);
    total += period;
  }
  return [...drivers].sort((a, b) => b[1] - a[1]).map(([name, ns]) => ({ name, msPerRequest: ns / 1e6 / requests, share: ns / (total || 1) }));
}

/** Sums a `perf record` file by process and category, per request. */
export async function summarizePerf(file: string, processes: readonly NativeProcess[], requests: number): Promise<NativeProfile[]> {
  const { stdout } = await execFileAsync(
    "perf",
    ["report", "-i", file, "--no-children", "--sort", "pid,dso,sym", "--stdio", "-g", "none", "-F", "period,pid,dso,sym"],
    {
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  const byPid = new Map<number, { total: number; categories: Map<string, number>; symbols: Map<string, number> }>();
  for (const line of stdout.split("\n")) {
    // "   1000500    15839:workerd   [JIT] tid 15839   [.] 0x…" — period, pid:comm, dso, [k] or [.], symbol.
    const match = /^\s*(\d+)\s+(\d+):\S+\s+(.+?)\s+\[(?:k|\.)\]\s+(.*)$/.exec(line);
    if (!match) continue;
    const [, period, pid, dso, symbol] = match as unknown as [string, string, string, string, string];
    const ns = Number(period);
    const entry = byPid.get(Number(pid)) ?? { total: 0, categories: new Map(), symbols: new Map() };
    byPid.set(Number(pid), entry);
    entry.total += ns;
    const category = categoryOf(dso.trim(), symbol.trim());
    entry.categories.set(category, (entry.categories.get(category) ?? 0) + ns);
    const name = symbol.trim().replace(/\(.*$/, "").slice(0, 120);
    entry.symbols.set(name, (entry.symbols.get(name) ?? 0) + ns);
  }
  const perRequest = (ns: number) => ns / 1e6 / requests;
  const ranked = (parts: Map<string, number>, total: number, limit: number): NativeShare[] =>
    [...parts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, ns]) => ({ name, msPerRequest: perRequest(ns), share: ns / total }));
  return processes.map(({ pid, role, threads }) => {
    // `perf report`'s pid column is a thread's id: a process's threads (V8's helpers) are summed here.
    const entry = { total: 0, categories: new Map<string, number>(), symbols: new Map<string, number>() };
    for (const thread of new Set([pid, ...threads])) {
      const part = byPid.get(thread);
      if (!part) continue;
      entry.total += part.total;
      for (const [name, ns] of part.categories) entry.categories.set(name, (entry.categories.get(name) ?? 0) + ns);
      for (const [name, ns] of part.symbols) entry.symbols.set(name, (entry.symbols.get(name) ?? 0) + ns);
    }
    return {
      role,
      pid,
      msPerRequest: perRequest(entry.total),
      categories: ranked(entry.categories, entry.total || 1, 20),
      symbols: ranked(entry.symbols, entry.total || 1, 25),
    };
  });
}
