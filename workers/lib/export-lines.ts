/**
 * Lines for a SIEM: one JSON object a line (NDJSON), or RFC 4180 CSV. Shared by the edge's
 * exports and the CLI's, so both write the same bytes. A CSV cell that a spreadsheet would run as
 * a formula (`=`, `+`, `-`, `@`, tab or carriage return first) is prefixed with `'`: log text is
 * partly chosen by others (an agent's name, a label).
 */

/** One NDJSON line, newline included. */
export function ndjsonLine(record: unknown): string {
  return `${JSON.stringify(record)}\n`;
}

/**
 * One CSV row, CRLF included: objects as JSON text, null and undefined as empty cells.
 * @example csvRow([1, "a,b", null, { k: 1 }]) // '1,"a,b",,"{""k"":1}"\r\n'
 */
export function csvRow(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = typeof value === "object" ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value === "string") text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
