/**
 * Points in time as filters take them (`since`, `until`): an ISO 8601 day (midnight UTC), an ISO
 * 8601 date-time with its offset, or epoch milliseconds. A date-time without an offset is refused
 * (ISO reads it as the reader's local time, which an edge cannot know), and so is a day that does
 * not exist (2026-02-31), which `Date.parse` would roll over into March.
 */

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?$/;
const EPOCH_MS = /^\d{1,15}$/;
/** The last instant a filter may name: past it `Date` itself gives up (and no log lives that long). */
export const LATEST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The rule in words, for error messages: "must be <rule>". */
export const INSTANT_RULE = "an ISO 8601 date or date-time with its offset (2026-05-01, 2026-05-01T09:00:00Z) or epoch milliseconds";

/**
 * Epoch milliseconds of `text`, or undefined when it is not one of the accepted forms.
 * @example
 * parseInstant("2026-05-01") // 1777593600000
 * parseInstant("2026-05-01T11:00+02:00") // 1777626000000
 * parseInstant("2026-05-01T09:00") // undefined: no offset
 */
export function parseInstant(text: string): number | undefined {
  if (EPOCH_MS.test(text)) {
    const ms = Number(text);
    return ms <= LATEST_INSTANT ? ms : undefined;
  }
  const match = ISO_8601.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour = "00", minute = "00", second = "00", fraction = "", zone = "Z"] = match;
  const fields = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  const [y, mo, d, h, mi, s] = fields;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, Number(fraction.padEnd(3, "0").slice(0, 3)));
  const back = new Date(wall);
  // Date.UTC rolls every field over (Feb 31 → Mar 3, 24:00 → the next day): a value that did not survive as given is no such time.
  const exact =
    back.getUTCFullYear() === y &&
    back.getUTCMonth() === mo - 1 &&
    back.getUTCDate() === d &&
    back.getUTCHours() === h &&
    back.getUTCMinutes() === mi &&
    back.getUTCSeconds() === s;
  if (!exact) return undefined;
  const offset = zoneOffsetMinutes(zone);
  if (offset === undefined) return undefined;
  const ms = wall - offset * 60_000;
  return ms >= 0 && ms <= LATEST_INSTANT ? ms : undefined;
}

/** "Z" → 0, "+02:00" → 120, "-05:30" → -330; undefined past ±23:59. */
function zoneOffsetMinutes(zone: string): number | undefined {
  if (zone === "Z") return 0;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 23 || minutes > 59) return undefined;
  return (zone.startsWith("-") ? -1 : 1) * (hours * 60 + minutes);
}
