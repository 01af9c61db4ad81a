/** A run: `warmupMs` of load that is not counted, then `durationMs` that is, on the same connections. */
export type RunWindow = { warmupMs: number; durationMs: number };

/** What one measured run yields, whichever client made it. Latencies in milliseconds. */
export type Measurement = {
  /** 2xx responses completed inside the measuring window. */
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx answers, socket errors and timeouts. */
  errors: number;
  /** CPU ms per request of the processes the scenario goes through (servers, Workers, proxies), when known. */
  serverCpuMs?: number;
  /** The same by "component/program" (e.g. "floor/workerd"). */
  serverCpuParts?: Record<string, number>;
  /** CPU ms per request of the load generator itself. */
  clientCpuMs?: number;
  /** The 1-minute load average when the measurement began (over rounds: the highest). */
  loadAtStart?: number;
  /** For a median over rounds: the rounds it was taken from, in order (a goal compares a pair round by round, bench/goals.ts). */
  rounds?: Measurement[];
};

/**
 * Collects per-request latencies (ms, sub-millisecond precision) and turns them into a
 * Measurement. With a window, only answers completed inside it count, and req/s is their number
 * over the window's length: the warm-up before it (connections opening, caches filling) and the
 * tail after it (requests still in flight when the run stops) are not counted.
 */
export class Latencies {
  #values: number[] = [];
  #errors = 0;
  readonly #start: number;
  readonly #end: number;

  /** @param window performance.now() times between which answers count (default: always). */
  constructor(window: { start: number; end: number } = { start: 0, end: Number.POSITIVE_INFINITY }) {
    this.#start = window.start;
    this.#end = window.end;
  }

  #inWindow(): boolean {
    const now = performance.now();
    return now >= this.#start && now <= this.#end;
  }

  record(ms: number): void {
    if (this.#inWindow()) this.#values.push(ms);
  }

  error(): void {
    if (this.#inWindow()) this.#errors += 1;
  }

  summary(seconds: number): Measurement {
    const sorted = Float64Array.from(this.#values).sort();
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
    return { requests: sorted.length, rps: sorted.length / seconds, p50: at(0.5), p99: at(0.99), errors: this.#errors };
  }
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
}

/** The median of a few measurements of one case, field by field (rounds of the same run), keeping the rounds. */
export function medianOf(runs: readonly Measurement[]): Measurement {
  const of = (pick: (m: Measurement) => number) => median(runs.map(pick));
  return {
    requests: of((m) => m.requests),
    rps: of((m) => m.rps),
    p50: of((m) => m.p50),
    p99: of((m) => m.p99),
    errors: of((m) => m.errors),
    serverCpuMs: of((m) => m.serverCpuMs ?? Number.NaN),
    serverCpuParts: Object.fromEntries(
      [...new Set(runs.flatMap((m) => Object.keys(m.serverCpuParts ?? {})))].map((part) => [part, of((m) => m.serverCpuParts?.[part] ?? 0)]),
    ),
    clientCpuMs: of((m) => m.clientCpuMs ?? Number.NaN),
    // The highest, not the median: one round measured on a busy machine is enough to doubt the median.
    ...(runs.some((m) => m.loadAtStart !== undefined) ? { loadAtStart: Math.max(...runs.map((m) => m.loadAtStart ?? 0)) } : {}),
    rounds: runs.map(({ rounds: _, ...round }) => round),
  };
}
