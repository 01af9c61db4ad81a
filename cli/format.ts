/**
 * How results are printed: plain-text tables for listings (left-aligned columns, two spaces
 * apart, a header row), or JSON with `--json`.
 */
import type { CommandContext, OptionSpec } from "./command/command.ts";

/**
 * `--json`, declared the same way by every command that prints a result; `what` completes
 * "Print … as JSON" for its --help, and `more` may follow it.
 * @example
 * options: { json: JSON_OPTION("the created vault") }
 */
export const JSON_OPTION = (what: string, more?: string) =>
  ({ type: "boolean", description: `Print ${what} as JSON${more ? `: ${more}` : ""}` }) as const satisfies OptionSpec;

/** A result as pretty-printed JSON on stdout, the one shape `--json` prints. */
export function printJson(context: Pick<CommandContext, "out">, value: unknown): void {
  context.out(JSON.stringify(value, null, 2));
}

/**
 * @example
 * table(["NAME", "ROLE"], [["payments", "admin"]]) // "NAME      ROLE\npayments  admin"
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
