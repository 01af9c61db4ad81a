import { describe, expect, it } from "vitest";
import { LATEST_INSTANT, parseInstant } from "../../../workers/lib/instant.ts";

describe("points in time as filters take them (lib/instant.ts)", () => {
  it("an ISO 8601 day is midnight UTC; a date-time counts its offset; digits are epoch milliseconds", () => {
    const nine = Date.UTC(2026, 4, 1, 9, 0, 0);
    expect(parseInstant("2026-05-01")).toBe(Date.UTC(2026, 4, 1));
    expect(parseInstant("2026-05-01T09:00Z")).toBe(nine);
    expect(parseInstant("2026-05-01T09:00:00Z")).toBe(nine);
    expect(parseInstant("2026-05-01T11:00:00+02:00")).toBe(nine);
    expect(parseInstant("2026-05-01T03:30:00-05:30")).toBe(nine);
    expect(parseInstant("2026-05-01T09:00:00.25Z")).toBe(nine + 250);
    expect(parseInstant("2026-05-01T09:00:00.123456789Z")).toBe(nine + 123);
    expect(parseInstant(String(nine))).toBe(nine);
    expect(parseInstant("0")).toBe(0);
    expect(parseInstant("2024-02-29")).toBe(Date.UTC(2024, 1, 29));
  });

  it("refuses what Date.parse would guess or roll over: no offset, no such day or hour, words, out of range", () => {
    for (const text of [
      "2026-05-01T09:00",
      "2026-05-01T09:00:00",
      "2026-02-31",
      "2025-02-29",
      "2026-13-01",
      "2026-05-01T24:00:00Z",
      "2026-05-01T09:60:00Z",
      "2026-05-01T09:00:60Z",
      "2026-05-01T09:00:00+24:00",
      "2026-05-01T09:00:00+02:60",
      "2026-05-01t09:00:00z",
      "2026-5-1",
      "1969-12-31T23:59:59Z",
      "yesterday",
      "24h",
      "-5",
      "1e12",
      "",
      " 2026-05-01",
      String(LATEST_INSTANT + 1),
      "9".repeat(16),
    ]) {
      expect(parseInstant(text), text).toBeUndefined();
    }
    expect(parseInstant(String(LATEST_INSTANT))).toBe(LATEST_INSTANT);
  });
});
