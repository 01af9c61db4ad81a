import { describe, expect, it } from "vitest";
import type { ServiceAuth } from "../../../workers/db/schema.ts";
import { credentialKeysOf, injectedHeaders } from "../../../workers/lib/http/inject-auth.ts";
import { ServiceAuthSchema } from "../../../workers/services/services.contract.ts";

const creds = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe("auth config schema", () => {
  it.each([
    [{ type: "bearer", token: "STRIPE_KEY" }],
    [{ type: "basic", username: "TWILIO_SID", password: "TWILIO_TOKEN" }],
    [{ type: "basic", username: "STRIPE_KEY" }],
    [{ type: "api-key", key: "ANTHROPIC_KEY", header: "x-api-key" }],
    [{ type: "api-key", key: "GH_TOKEN", header: "Authorization", prefix: "token " }],
    [{ type: "custom", headers: { "X-Auth": "Key {{ API_KEY }}", "X-Tenant": "{{TENANT_ID}}", "anthropic-version": "2023-06-01" } }],
    [{ type: "custom", headers: { Authorization: "Bearer {{  A_1  }}:{{B}}" } }],
    [{ type: "passthrough" }],
  ])("accepts %j", (auth) => {
    expect(ServiceAuthSchema.safeParse(auth)).toMatchObject({ success: true, data: auth });
  });

  it("api-key header defaults to Authorization (as in Agent Vault)", () => {
    expect(ServiceAuthSchema.parse({ type: "api-key", key: "K" })).toEqual({ type: "api-key", key: "K", header: "Authorization" });
  });

  it.each([
    [{}, "no type"],
    [{ type: "oauth", token: "K" }, "oauth without its client and token endpoint"],
    [{ type: "oauth2", token: "K" }, "unknown type"],
    [{ type: "bearer" }, "missing token"],
    [{ type: "bearer", token: "stripe_key" }, "lower-case key"],
    [{ type: "bearer", token: "1KEY" }, "key starting with a digit"],
    [{ type: "bearer", token: "{{ KEY }}" }, "a template where a key is expected"],
    [{ type: "bearer", token: "sk_live_actual_secret" }, "a value where a key is expected"],
    [{ type: "bearer", token: "K", header: "X" }, "unknown field"],
    [{ type: "basic", password: "P" }, "basic without username"],
    [{ type: "basic", username: "U", password: "bad key" }, "bad password key"],
    [{ type: "api-key", key: "K", header: "X Api" }, "header with a space"],
    [{ type: "api-key", key: "K", header: "X-Api\r\nX-Evil" }, "header with CRLF"],
    [{ type: "api-key", key: "K", header: "Host" }, "Host"],
    [{ type: "api-key", key: "K", header: "content-length" }, "Content-Length"],
    [{ type: "api-key", key: "K", header: "X-Forwarded-For" }, "X-Forwarded-For"],
    [{ type: "api-key", key: "K", header: "cf-connecting-ip" }, "cf-*"],
    [{ type: "api-key", key: "K", header: "X-Vault" }, "X-Vault"],
    [{ type: "api-key", key: "K", header: "Transfer-Encoding" }, "hop-by-hop"],
    [{ type: "api-key", key: "K", prefix: "Token\r\n" }, "prefix with CRLF"],
    [{ type: "custom", headers: {} }, "no headers"],
    [{ type: "custom", headers: { "X-A": "{{ lower }}" } }, "lower-case template key"],
    [{ type: "custom", headers: { "X-A": "{{ }}" } }, "empty placeholder"],
    [{ type: "custom", headers: { "X-A": "{{ KEY" } }, "unclosed placeholder"],
    [{ type: "custom", headers: { "X-A": "KEY }}" } }, "unopened placeholder"],
    [{ type: "custom", headers: { "X-A": "{{ A B }}" } }, "two words"],
    [{ type: "custom", headers: { "X-A": "a\r\nX-Evil: 1 {{ K }}" } }, "CRLF in template"],
    [{ type: "custom", headers: { "X-A": "{{ K }}", "x-a": "{{ K }}" } }, "names equal ignoring case"],
    [{ type: "custom", headers: { Host: "{{ K }}" } }, "Host in custom"],
    [{ type: "custom", headers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, "{{ K }}"])) }, "too many headers"],
    [{ type: "passthrough", token: "K" }, "fields on passthrough"],
  ])("refuses %j (%s)", (auth, _why) => {
    expect(ServiceAuthSchema.safeParse(auth).success).toBe(false);
  });
});

describe("credential keys an auth config references", () => {
  it.each<[ServiceAuth, string[]]>([
    [{ type: "bearer", token: "A" }, ["A"]],
    [{ type: "basic", username: "U", password: "P" }, ["U", "P"]],
    [{ type: "basic", username: "U" }, ["U"]],
    [{ type: "basic", username: "U", password: "U" }, ["U"]],
    [{ type: "api-key", key: "K", header: "x-api-key" }, ["K"]],
    [{ type: "custom", headers: { "X-A": "{{ A }} and {{B}}", "X-B": "{{ A }}-{{ C_2 }}", "X-C": "literal" } }, ["A", "B", "C_2"]],
    [{ type: "passthrough" }, []],
  ])("%j → %j", (auth, keys) => {
    expect(credentialKeysOf(auth)).toEqual(keys);
  });
});

describe("injected headers", () => {
  it("bearer", () => {
    expect(injectedHeaders({ type: "bearer", token: "STRIPE_KEY" }, creds({ STRIPE_KEY: "sk_live_x" }))).toEqual({
      headers: { Authorization: "Bearer sk_live_x" },
    });
  });

  it("basic: base64 of username:password; no password means empty; UTF-8 is fine", () => {
    expect(injectedHeaders({ type: "basic", username: "U", password: "P" }, creds({ U: "AC123", P: "tok" }))).toEqual({
      headers: { Authorization: `Basic ${btoa("AC123:tok")}` },
    });
    expect(injectedHeaders({ type: "basic", username: "U" }, creds({ U: "sk_test" }))).toEqual({ headers: { Authorization: `Basic ${btoa("sk_test:")}` } });
    expect(injectedHeaders({ type: "basic", username: "U", password: "P" }, creds({ U: "zoë", P: "pässwörd" }))).toEqual({
      headers: { Authorization: "Basic em/Dqzpww6Rzc3fDtnJk" },
    });
  });

  it("api-key with and without prefix", () => {
    expect(injectedHeaders({ type: "api-key", key: "K", header: "x-api-key" }, creds({ K: "v" }))).toEqual({ headers: { "x-api-key": "v" } });
    expect(injectedHeaders({ type: "api-key", key: "K", header: "Authorization", prefix: "token " }, creds({ K: "ghp_x" }))).toEqual({
      headers: { Authorization: "token ghp_x" },
    });
  });

  it("custom templates, spaces optional, literal headers kept", () => {
    const auth: ServiceAuth = { type: "custom", headers: { "X-Auth": "Key {{ A }}:{{B}}", "X-Static": "v1" } };
    expect(injectedHeaders(auth, creds({ A: "a$1", B: "$&b" }))).toEqual({ headers: { "X-Auth": "Key a$1:$&b", "X-Static": "v1" } });
  });

  it("passthrough injects nothing", () => {
    expect(injectedHeaders({ type: "passthrough" }, creds({}))).toEqual({ headers: {} });
  });

  it("names the first missing key", () => {
    expect(injectedHeaders({ type: "basic", username: "U", password: "P" }, creds({ U: "u" }))).toEqual({ missing: "P" });
    expect(injectedHeaders({ type: "custom", headers: { "X-A": "{{ A }}{{ B }}" } }, creds({}))).toEqual({ missing: "A" });
  });

  it.each([
    ["v\r\nX-Injected: 1", "CRLF"],
    ["v\n", "trailing newline"],
    ["v\r", "CR"],
    ["v\u0000", "NUL"],
    ["v\u0007", "control"],
    ["vé", "non-ASCII"],
    ["v\u2028", "line separator"],
  ])("a credential that cannot be a header value is refused with 502 credential_invalid (%s)", (value) => {
    for (const auth of [
      { type: "bearer", token: "K" },
      { type: "api-key", key: "K", header: "x-api-key" },
      { type: "custom", headers: { "X-A": "{{ K }}" } },
    ] satisfies ServiceAuth[]) {
      let thrown: unknown;
      try {
        injectedHeaders(auth, creds({ K: value }));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ status: 502, code: "credential_invalid", extra: { key: "K" } });
      expect((thrown as Error).message).not.toContain(value);
    }
  });

  it("basic refuses line breaks, control characters and ':' in the username", () => {
    for (const [u, p] of [
      ["u\n", "p"],
      ["u", "p\r\n"],
      ["u\u0000", "p"],
      ["a:b", "p"],
    ]) {
      expect(() => injectedHeaders({ type: "basic", username: "U", password: "P" }, creds({ U: u ?? "", P: p ?? "" }))).toThrow(
        expect.objectContaining({ code: "credential_invalid" }),
      );
    }
    expect(injectedHeaders({ type: "basic", username: "U", password: "P" }, creds({ U: "u", P: "a:b" }))).toEqual({
      headers: { Authorization: `Basic ${btoa("u:a:b")}` },
    });
  });
});
