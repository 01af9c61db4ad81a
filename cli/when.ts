/**
 * `--since` / `--until` on the command line: a duration back from now (`30m`, `1h`, `2d`, `1h30m`)
 * or a date or time. Converted here, to an instant the edge takes (lib/instant.ts), so the edge
 * never needs the caller's clock or time zone. A time without an offset is the caller's local
 * time, as people mean it at a terminal; a bare day is midnight UTC, as the edge reads it.
 */
import { z } from "zod";
import { parseInstant } from "../workers/lib/instant.ts";
import { durationSeconds } from "./duration.ts";

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;

/** `2026-05-15 09:00` in this machine's time zone; undefined if there is no such local time (Feb 31, 25:00). */
function localTime(text: string): number | undefined {
  const match = LOCAL_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0));
  const at = new Date(year ?? 0, (month ?? 0) - 1, day, hour, minute, second);
  // Date rolls every field over (Feb 31 → Mar 3): a time that did not survive as given does not exist.
  const exact = at.getFullYear() === year && at.getMonth() + 1 === month && at.getDate() === day && at.getHours() === hour && at.getMinutes() === minute;
  return exact ? at.getTime() : undefined;
}

/**
 * Epoch milliseconds of a `--since`/`--until` value, `now` being the reference for durations.
 * @example
 * whenOf("2h", Date.UTC(2026, 4, 1, 12)) // Date.UTC(2026, 4, 1, 10)
 * whenOf("2026-05-01T09:00:00Z") // Date.UTC(2026, 4, 1, 9)
 */
export function whenOf(text: string, now = Date.now()): number | undefined {
  const seconds = durationSeconds(text);
  if (seconds !== undefined) return now - seconds * 1000;
  return parseInstant(text) ?? localTime(text);
}

/** The flag's schema: the instant as epoch milliseconds. */
export const When = z.string().transform((value, ctx) => {
  const at = whenOf(value);
  if (at === undefined) {
    ctx.addIssue({
      code: "custom",
      message: "must be a duration back from now (30m, 1h, 2d), a day (2026-05-15, UTC) or a time (2026-05-15T09:00 local, 2026-05-15T09:00:00Z)",
    });
    return z.NEVER;
  }
  return at;
});
