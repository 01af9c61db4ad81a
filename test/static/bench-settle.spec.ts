/**
 * The work behind priming does not land in the window (issue 24): after a case is primed, the
 * window opens only once the bench's processes have been idle for a few intervals in a row.
 */
import { describe, expect, it } from "vitest";
import { settle } from "../../bench/settle.ts";

/** CPU readings, one per read; the clock only moves through `sleep`, so nothing here waits. */
function machine(usedPerInterval: number[]) {
  let total = 0;
  let reads = 0;
  const readCpuMs = () => {
    if (reads > 0) total += usedPerInterval[reads - 1] ?? 0;
    reads += 1;
    return total;
  };
  return { readCpuMs, reads: () => reads };
}
const sleep = async () => undefined;
const settling = { intervalMs: 100, idleCpuMsPerInterval: 10, quietIntervals: 3, limitMs: 2_000 };

describe("settling after priming", () => {
  it("waits through busy intervals and opens after three idle ones in a row", async () => {
    const m = machine([90, 80, 4, 50, 3, 2, 9, 0]);
    const settled = await settle({ ...settling, readCpuMs: m.readCpuMs }, sleep);
    expect(settled.idle).toBe(true);
    // A busy interval between idle ones starts the count again: 90, 80, 4, 50, then 3, 2, 9.
    expect(m.reads()).toBe(8);
  });

  it("opens after the quiet intervals when nothing was running", async () => {
    const m = machine([0, 0, 0, 0, 0]);
    expect((await settle({ ...settling, readCpuMs: m.readCpuMs }, sleep)).idle).toBe(true);
    expect(m.reads()).toBe(4);
  });

  it("gives up at the limit and says the processes were still busy", async () => {
    const m = machine(Array.from({ length: 100 }, () => 50));
    const settled = await settle({ ...settling, readCpuMs: m.readCpuMs }, sleep);
    expect(settled.idle).toBe(false);
    expect(m.reads()).toBe(1 + settling.limitMs / settling.intervalMs);
  });
});
