/**
 * Passport scopes, as Vane documents them: `category:name`, `category:*` (every name of the
 * category) and `*` (everything), matched left to right against what is asked. The same rule
 * decides what a verifier lets a passport do (`tool:<name>` per MCP tool call) and what the edge
 * lets an agent put into a passport of its own: a requested scope must be covered by one a person
 * granted, so a wildcard is never widened (`tool:*` covers `tool:*` and `tool:search`, `*` covers
 * anything, `tool:search` covers only itself).
 */

/** A category: lowercase, as Vane's standard ones (`tool`, `attest`, `resource`). */
const CATEGORY = "[a-z][a-z0-9_-]{0,31}";
/** A name: what MCP allows in a tool name (letters, digits, `_ - . /`), at most 128 characters. */
const NAME = "[A-Za-z0-9_./-]{1,128}";

export const PASSPORT_SCOPE_PATTERN = new RegExp(`^(\\*|${CATEGORY}:(\\*|${NAME}))$`);
export const PASSPORT_SCOPE_RULE = "`*`, `category:*` or `category:name` (category: lowercase letters, digits, `_`, `-`; name: letters, digits, `_ . / -`)";
/** Scopes one passport (or one agent's grant) may carry. */
export const MAX_PASSPORT_SCOPES = 32;
/** What a passport carries when its issuer names no scopes (Vane's default). */
export const DEFAULT_PASSPORT_SCOPES = ["tool:*", "attest:write"] as const;

/**
 * The first scope of `granted` that covers `requested`, or null: `*` covers anything, `cat:*`
 * anything starting `cat:`, any scope covers itself. A requested wildcard is covered only by an
 * equal or wider one, since `tool:*` starts with `tool:` and `*` with nothing shorter.
 *
 * @example matchScope(["attest:write", "tool:*"], "tool:search") // "tool:*"
 */
export function matchScope(granted: readonly string[], requested: string): string | null {
  for (const scope of granted) {
    if (scope === "*" || scope === requested) return scope;
    if (scope.endsWith(":*") && requested.startsWith(scope.slice(0, -1))) return scope;
  }
  return null;
}

/** The requested scopes no granted scope covers (empty: all of them are within the grant). */
export function scopesBeyond(granted: readonly string[], requested: readonly string[]): string[] {
  return requested.filter((scope) => matchScope(granted, scope) === null);
}

/** A grant as stored: each scope once, sorted, so the same set always reads back as the same text. */
export function normalizedScopes(scopes: readonly string[]): string[] {
  return [...new Set(scopes)].sort();
}
