import { describe, expect, it } from "vitest";
import { matchScope, normalizedScopes, PASSPORT_SCOPE_PATTERN, scopesBeyond } from "../../../workers/lib/crypto/passport-scopes.ts";

/** [granted, requested, the scope that covers it (null: refused)]: Vane's rules, `*`, `cat:*`, `cat:name`, left to right. */
const MATCHES: [string[], string, string | null][] = [
  [["*"], "tool:search", "*"],
  [["*"], "*", "*"],
  [["tool:*"], "tool:search", "tool:*"],
  [["tool:*"], "tool:web-search", "tool:*"],
  [["tool:*"], "tool:*", "tool:*"],
  [["tool:*"], "attest:write", null],
  [["tool:*"], "*", null],
  [["tool:*"], "toolbox:search", null],
  [["tool:search"], "tool:search", "tool:search"],
  [["tool:search"], "tool:searcher", null],
  [["tool:search"], "tool:*", null],
  [["tool:search"], "resource:search", null],
  [["attest:write", "tool:*"], "tool:search", "tool:*"],
  [["tool:search", "tool:*"], "tool:search", "tool:search"],
  [["tool:*", "*"], "resource:read", "*"],
  [[], "tool:search", null],
];

describe("passport scopes match as Vane documents: `*`, `category:*`, `category:name`, first match wins", () => {
  it.each(MATCHES)("granted %j, asked %s: covered by %s", (granted, requested, expected) => {
    expect(matchScope(granted, requested)).toBe(expected);
  });

  it("a grant covers a request only when every asked scope is covered: a wildcard is never widened", () => {
    expect(scopesBeyond(["tool:*", "attest:write"], ["tool:search", "attest:write"])).toEqual([]);
    expect(scopesBeyond(["tool:search"], ["tool:search", "tool:*", "*"])).toEqual(["tool:*", "*"]);
    expect(scopesBeyond(["*"], ["anything:at-all", "*"])).toEqual([]);
  });

  it("the grammar takes Vane's shapes and MCP tool names, nothing else", () => {
    for (const good of ["*", "tool:*", "tool:search", "tool:web-search", "tool:fs/read_file", "attest:write", "resource:read", "tool:v1.2"]) {
      expect(PASSPORT_SCOPE_PATTERN.test(good), good).toBe(true);
    }
    for (const bad of ["", "tool", "tool:", ":search", "Tool:search", "tool:sea rch", "*:*", "tool:*x", "tool:a:b", `tool:${"x".repeat(129)}`]) {
      expect(PASSPORT_SCOPE_PATTERN.test(bad), bad).toBe(false);
    }
  });

  it("a stored grant is sorted and each scope once, so the same set always reads back as the same text", () => {
    expect(normalizedScopes(["tool:search", "attest:write", "tool:search"])).toEqual(["attest:write", "tool:search"]);
    expect(JSON.stringify(normalizedScopes(["b:x", "a:y"]))).toBe(JSON.stringify(normalizedScopes(["a:y", "b:x", "a:y"])));
  });
});
