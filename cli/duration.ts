/** Durations on the command line (`--ttl 15m`): whole numbers with s, m, h or d, optionally combined (1h30m). */
import { z } from "zod";

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const DURATION = /^(?:\d+[smhd])+$/;

/** Seconds in a duration such as `15m`, `2h`, `7d` or `1h30m`; undefined if it is not one. */
export function durationSeconds(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)([smhd])/g)) total += Number(amount) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS];
  return total;
}

/** Formats seconds the way `--ttl` takes them, largest unit first: 5400 → "1h30m". */
export function formatDuration(seconds: number): string {
  let rest = seconds;
  let text = "";
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    const amount = Math.floor(rest / size);
    if (amount > 0) text += `${amount}${unit}`;
    rest -= amount * size;
  }
  return text || "0s";
}

/**
 * A `--ttl` flag: a duration within [min, max] seconds, as seconds.
 * @example
 * Ttl(60, 7 * 86_400).parse("2h") // 7200
 */
export const Ttl = (min: number, max: number) =>
  z.string().transform((value, ctx) => {
    const seconds = durationSeconds(value);
    if (seconds === undefined || seconds < min || seconds > max) {
      ctx.addIssue({ code: "custom", message: `must be a duration from ${formatDuration(min)} to ${formatDuration(max)}, such as 15m, 2h or 7d` });
      return z.NEVER;
    }
    return seconds;
  });
