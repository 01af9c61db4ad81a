/**
 * Passport scopes as Vane documents them: `*` covers anything, `category:*` anything in the
 * category, `category:name` exactly itself; the first granted scope that covers wins. An MCP tool
 * call needs `tool:<name>`.
 */

/**
 * The first of `granted` that covers `requested`, or null.
 * @example matchScope(["attest:write", "tool:*"], "tool:search") // "tool:*"
 */
export function matchScope(granted: readonly string[], requested: string): string | null {
  for (const scope of granted) {
    if (scope === "*" || scope === requested) return scope;
    if (scope.endsWith(":*") && requested.startsWith(scope.slice(0, -1))) return scope;
  }
  return null;
}

/** The scope a call of MCP tool `name` needs. */
export const toolScope = (name: string) => `tool:${name}`;
