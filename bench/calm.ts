/**
 * Whether the machine is quiet enough for a measurement to judge a goal. On 2 cores a busy
 * machine moved /proxy's ratio to the floor by 40 points (issue: results.md made at load 7.5
 * showed the floor *with* two Durable Object calls faster than without), so a goal's inputs are
 * measured only once the 1-minute load average has fallen to CALM_LOAD, waiting up to a limit,
 * and a goal whose inputs began above it is reported "not judged", never met or not met.
 */
import os from "node:os";
import { setTimeout as delay } from "node:timers/promises";

/** At most this 1-minute load average when a goal's measurement starts (one core's worth on two). */
export const CALM_LOAD = Number(process.env.BENCH_CALM_LOAD ?? 1);

export const loadNow = (): number => Math.round((os.loadavg()[0] ?? 0) * 100) / 100;

/**
 * Waits until the 1-minute load average is at most CALM_LOAD or `limitMs` has passed, and returns
 * the load at the end. The bench's own previous windows count too: the load average decays with a
 * one-minute time constant, so a run that measures back to back would judge its own heat.
 */
export async function waitForCalm(limitMs: number, log: (line: string) => void): Promise<number> {
  const until = Date.now() + limitMs;
  let load = loadNow();
  if (load <= CALM_LOAD) return load;
  log(`load ${load} is above ${CALM_LOAD}: waiting up to ${Math.round(limitMs / 1000)} s for the machine to calm`);
  while (load > CALM_LOAD && Date.now() < until) {
    await delay(1_000);
    load = loadNow();
  }
  if (load > CALM_LOAD) log(`still at load ${load}: measuring anyway; goals from this measurement will say "not judged"`);
  return load;
}
