import { describe, expect, it } from "vitest";
import { AppError } from "../../../workers/lib/app-error.ts";
import {
  keysSentBy,
  pathSegmentValue,
  placeholderProblem,
  type ResolvedSubstitution,
  type Substitution,
  substitute,
} from "../../../workers/lib/http/substitutions.ts";
import { SubstitutionsSchema } from "../../../workers/services/request-rules.contract.ts";

const sub = (placeholder: string, value: string, surfaces: ResolvedSubstitution["in"], key = "KEY"): ResolvedSubstitution => ({
  key,
  placeholder,
  value,
  in: surfaces,
});
const request = (path: string, search = "", headers: Record<string, string> = {}) => ({ path, search, headers: new Headers(headers) });

describe("a placeholder is accepted only when it can never be an ordinary URL word (Agent Vault's rules)", () => {
  it.each(["__sid__", "__TW_SID__", "--sid--", "api.key", "x~tok", "a-b-c", "__1__"])("accepts %s", (placeholder) => {
    expect(placeholderProblem(placeholder)).toBeNull();
  });

  it.each([
    ["_a_", "shorter than 4 characters"],
    ["account_sid", "no delimiter: a real URL word"],
    ["ACCOUNTSID", "no delimiter"],
    ["____", "no letter or digit"],
    ["~~~~", "no letter or digit"],
    ["__s d__", "a space"],
    ["__sid__/", "a slash"],
    ["__s%20__", "percent-encoding"],
    ["{{sid}}", "braces"],
    ["__sïd__", "non-ASCII"],
    ["__sid__?x", "a query character"],
    [`__${"a".repeat(200)}__`, "too long"],
  ])("refuses %j (%s)", (placeholder) => {
    expect(placeholderProblem(placeholder)).not.toBeNull();
  });

  it("the schema fills `in` with path and query, refuses an empty or repeated surface and a placeholder declared twice", () => {
    expect(SubstitutionsSchema.parse([{ key: "TW_SID", placeholder: "__sid__" }])).toEqual([{ key: "TW_SID", placeholder: "__sid__", in: ["path", "query"] }]);
    expect(SubstitutionsSchema.parse([{ key: "K", placeholder: "__k__", in: ["header", "path"] }])[0]?.in).toEqual(["path", "header"]);
    for (const bad of [
      [{ key: "K", placeholder: "__k__", in: [] }],
      [{ key: "K", placeholder: "__k__", in: ["path", "path"] }],
      [{ key: "K", placeholder: "__k__", in: ["body"] }],
      [{ key: "lower", placeholder: "__k__" }],
      [
        { key: "A", placeholder: "__k__" },
        { key: "B", placeholder: "__k__" },
      ],
      [{ key: "K", placeholder: "__k__", extra: 1 }],
    ]) {
      expect(SubstitutionsSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe("a substitution applies only in its own surfaces", () => {
  it("path: the value becomes one percent-encoded segment", () => {
    const out = substitute(request("/2010-04-01/Accounts/__sid__/Calls.json"), [sub("__sid__", "AC 1/2?#%", ["path"])]);
    expect(out.path).toBe("/2010-04-01/Accounts/AC%201%2F2%3F%23%25/Calls.json");
  });

  it("path: characters a segment may hold stay as they are (a Telegram bot token)", () => {
    expect(substitute(request("/bot__TOKEN__/sendMessage"), [sub("__TOKEN__", "123456789:AAH-abc_DEF", ["path"])]).path).toBe(
      "/bot123456789:AAH-abc_DEF/sendMessage",
    );
  });

  it("path: a value that is a dot segment is encoded whole, so the upstream cannot resolve it", () => {
    expect(pathSegmentValue("..")).toBe("%2E%2E");
    expect(substitute(request("/a/__k__/b"), [sub("__k__", "..", ["path"])]).path).toBe("/a/%2E%2E/b");
  });

  it("query: the value is percent-encoded, every character but the unreserved ones", () => {
    expect(substitute(request("/v1", "?api_key=__key__&q=1"), [sub("__key__", "a&b=c d+e'", ["query"])]).search).toBe("?api_key=a%26b%3Dc%20d%2Be%27&q=1");
  });

  it("header: the value goes as it is into the agent's header values, never into names", () => {
    const out = substitute(request("/", "", { "X-Account": "acct __k__", __k__: "x" }), [sub("__k__", "AC-9", ["header"])]);
    expect(out.headers.get("x-account")).toBe("acct AC-9");
    expect(out.headers.get("__k__")).toBe("x");
  });

  it("a placeholder outside its surfaces passes literally", () => {
    const out = substitute(request("/p/__k__", "?q=__k__", { "X-A": "__k__" }), [sub("__k__", "secret-value", ["path"])]);
    expect(out.path).toBe("/p/secret-value");
    expect(out.search).toBe("?q=__k__");
    expect(out.headers.get("x-a")).toBe("__k__");
  });

  it("matching is literal and case-sensitive, and a percent-encoded spelling is not the placeholder", () => {
    const out = substitute(request("/__SID__/__sid__/%5F%5Fsid%5F%5F"), [sub("__sid__", "v", ["path"])]);
    expect(out.path).toBe("/__SID__/v/%5F%5Fsid%5F%5F");
  });

  it("one pass: a value that contains another placeholder is never substituted again; the longer placeholder wins", () => {
    const out = substitute(request("/__a__/__b__/__a__x__"), [
      sub("__a__", "has__b__", ["path"]),
      sub("__b__", "B", ["path"]),
      sub("__a__x__", "AX", ["path"]),
    ]);
    expect(out.path).toBe("/has__b__/B/AX");
  });

  it("a value that cannot travel in a header is 502 credential_invalid naming the key, never the value", () => {
    try {
      substitute(request("/", "", { "X-A": "__k__" }), [sub("__k__", "v\r\nX-Evil: 1", ["header"], "MY_KEY")]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("credential_invalid");
      expect((error as AppError).message).toContain("MY_KEY");
      expect((error as AppError).message).not.toContain("X-Evil");
    }
  });

  it("the keys a service sends are its auth's and its substitutions', once each", () => {
    const substitutions: Substitution[] = [
      { key: "P", placeholder: "__p__", in: ["path"] },
      { key: "S", placeholder: "__s__", in: ["query"] },
    ];
    expect(keysSentBy({ auth: { type: "basic", username: "U", password: "P" }, substitutions })).toEqual(["U", "P", "S"]);
    expect(keysSentBy({ auth: { type: "passthrough" }, substitutions: null })).toEqual([]);
  });
});
