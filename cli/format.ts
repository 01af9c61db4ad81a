/** Plain-text tables for listings: left-aligned columns, two spaces apart, a header row. */

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
