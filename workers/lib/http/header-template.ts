/**
 * Header values a service injects: literal text that must be header-safe, with `{{ KEY }}`
 * placeholders naming credential keys. Shared by the services contract (which validates a
 * template), the proxy's injection (lib/http/inject-auth.ts) and the CLI's flags.
 */

/** Header-safe literal text: visible ASCII, space and tab. */
export const HEADER_TEXT_PATTERN = /^[\t\x20-\x7e]*$/;
/** `{{ KEY }}` with optional spaces; the capture is checked against the key pattern separately. Global: use with matchAll/replace only. */
export const CREDENTIAL_PLACEHOLDER = /\{\{\s*([^{}\s]*)\s*\}\}/g;

/**
 * The credential keys a header template names, in order.
 *
 * @example placeholderKeys("Token {{ API_KEY }}:{{SECRET}}") // ["API_KEY", "SECRET"]
 */
export function placeholderKeys(template: string): string[] {
  return [...template.matchAll(CREDENTIAL_PLACEHOLDER)].map((m) => m[1] ?? "");
}
