/**
 * Text that others wrote (an agent's proposal message, a slot's instructions, a service
 * description) is printed only after its control characters are made visible: an agent must not
 * be able to drive the reviewer's terminal with escape sequences, or hide text with bidi overrides,
 * in the very output the reviewer reads before approving.
 */

/** C0/C1 controls except tab and newline, DEL, line/paragraph separators, bidi embeddings and isolates. */
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * The text with every unsafe character written as `\u{…}`; newlines and tabs are kept.
 * @example
 * safeText("ok\x1b[2Jcleared") // "ok\\u{1b}[2Jcleared"
 */
export function safeText(text: string): string {
  return text.replace(UNSAFE, (ch) => `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`);
}

/**
 * Safe text on one line, for a table cell: line breaks and tabs become spaces, and anything
 * past `max` characters becomes "…".
 * @example
 * oneLine("first line\nsecond", 12) // "first line …"
 */
export function oneLine(text: string, max = 60): string {
  const flat = safeText(text).replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Safe text as an indented block: every line after the first is indented by `indent`, so a
 * multi-line message stays under its label.
 * @example
 * indented("a\nb", "  ") // "a\n  b"
 */
export function indented(text: string, indent: string): string {
  return safeText(text).replace(/\r?\n/g, `\n${indent}`);
}
