/**
 * How a service's credential becomes request headers. The auth config names credential keys
 * (never values); values are looked up per request and only ever written into headers here.
 *
 * Auth types (wire-compatible with Agent Vault's broker config):
 * - `bearer {token: KEY}`                 → `Authorization: Bearer <KEY>`
 * - `basic {username: KEY, password?: KEY}` → `Authorization: Basic base64(<u>:<p>)`; both are
 *   credential key names (as in Agent Vault); no password means an empty one (Stripe style)
 * - `api-key {key: KEY, header?, prefix?}` → `<header>: <prefix><KEY>`; header defaults to
 *   `Authorization`, prefix to nothing
 * - `custom {headers: {Name: "… {{ KEY }} …"}}` → each header rendered from its template
 * - `passthrough`                         → nothing injected. The agent's own headers pass, but
 *   its `Authorization` is always its Edgevault token and is stripped (forward-headers.ts):
 *   passthrough lets a host through the edge without a credential, it never relays the agent's.
 *
 * A credential value that cannot be a header value (CR, LF, other control characters,
 * non-ASCII) is refused with 502 `credential_invalid` naming the key, never the value: it would
 * otherwise smuggle headers or fail opaquely inside fetch. Basic auth base64-encodes, so only
 * control characters and a `:` in the username are refused there.
 */
import { z } from "@hono/zod-openapi";
import type { ServiceAuth } from "../db/schema.ts";
import { AppError } from "./app-error.ts";
import { isInjectableHeaderName } from "./forward-headers.ts";
import { CredentialKey } from "./openapi.ts";

export const CREDENTIAL_KEY_PATTERN = /^[A-Z][A-Z0-9_]*$/;
const MAX_CUSTOM_HEADERS = 20;
const MAX_TEMPLATE_LENGTH = 4096;
/** `{{ KEY }}` with optional spaces; the capture is checked against the key pattern separately. */
const PLACEHOLDER = /\{\{\s*([^{}\s]*)\s*\}\}/g;
/** Header-safe literal text: visible ASCII, space and tab. */
const HEADER_TEXT = /^[\t\x20-\x7e]*$/;

const HeaderName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9-]+$/, "header names use letters, digits and hyphens")
  .refine(isInjectableHeaderName, "this header is set by the proxy itself and cannot be injected");

const HeaderText = z.string().max(256).regex(HEADER_TEXT, "visible ASCII only: no line breaks or control characters");

/** A header value template: literal text with `{{ KEY }}` placeholders. */
const Template = z
  .string()
  .max(MAX_TEMPLATE_LENGTH)
  .superRefine((template, ctx) => {
    const problem = templateProblem(template);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** Auth config of a service, as stored and as accepted by the services API and proposals. */
export const ServiceAuthSchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("bearer"), token: CredentialKey }).strict(),
    z.object({ type: z.literal("basic"), username: CredentialKey, password: CredentialKey.optional() }).strict(),
    z
      .object({
        type: z.literal("api-key"),
        key: CredentialKey,
        header: HeaderName.default("Authorization"),
        prefix: HeaderText.optional(),
      })
      .strict(),
    z
      .object({
        type: z.literal("custom"),
        headers: z
          .record(HeaderName, Template)
          .superRefine((headers, ctx) => {
            const names = Object.keys(headers).map((name) => name.toLowerCase());
            if (names.length === 0) ctx.addIssue({ code: "custom", message: "custom auth needs at least one header" });
            if (names.length > MAX_CUSTOM_HEADERS) ctx.addIssue({ code: "custom", message: `at most ${MAX_CUSTOM_HEADERS} headers` });
            if (new Set(names).size !== names.length) ctx.addIssue({ code: "custom", message: "header names must differ ignoring case" });
          }),
      })
      .strict(),
    z.object({ type: z.literal("passthrough") }).strict(),
  ])
  .openapi("ServiceAuth", {
    example: { type: "bearer", token: "STRIPE_KEY" },
    description: "How the credential is attached. Fields name credential keys (UPPER_SNAKE_CASE), never values.",
  });

// The schema's output must be storable as the table's ServiceAuth type.
type AssertStorable<T extends ServiceAuth> = T;
export type ParsedServiceAuth = AssertStorable<z.infer<typeof ServiceAuthSchema>>;

/**
 * Every credential key an auth config references, once each, in order of appearance.
 *
 * @example credentialKeysOf({ type: "basic", username: "TWILIO_SID", password: "TWILIO_TOKEN" }) // ["TWILIO_SID", "TWILIO_TOKEN"]
 */
export function credentialKeysOf(auth: ServiceAuth): string[] {
  switch (auth.type) {
    case "bearer":
      return [auth.token];
    case "basic":
      return auth.password && auth.password !== auth.username ? [auth.username, auth.password] : [auth.username];
    case "api-key":
      return [auth.key];
    case "custom":
      return [...new Set(Object.values(auth.headers).flatMap(placeholderKeys))];
    case "passthrough":
      return [];
  }
}

/**
 * The headers to inject, or the first referenced key that has no credential (the proxy answers
 * 502 `credential_not_found` naming it). Throws 502 `credential_invalid` for a value that cannot
 * travel in a header.
 *
 * @example injectedHeaders({ type: "bearer", token: "STRIPE_KEY" }, new Map([["STRIPE_KEY", "sk_live_x"]]))
 * // { headers: { Authorization: "Bearer sk_live_x" } }
 */
export function injectedHeaders(auth: ServiceAuth, credentials: ReadonlyMap<string, string>): { headers: Record<string, string> } | { missing: string } {
  const missing = credentialKeysOf(auth).find((key) => !credentials.has(key));
  if (missing !== undefined) return { missing };
  const value = (key: string) => headerSafeValue(key, credentials.get(key) ?? "");
  switch (auth.type) {
    case "bearer":
      return { headers: { Authorization: `Bearer ${value(auth.token)}` } };
    case "basic": {
      const username = basicPart(auth.username, credentials.get(auth.username) ?? "");
      if (username.includes(":")) throw invalidCredential(auth.username, "a basic-auth username cannot contain ':'");
      const password = auth.password === undefined ? "" : basicPart(auth.password, credentials.get(auth.password) ?? "");
      return { headers: { Authorization: `Basic ${base64Utf8(`${username}:${password}`)}` } };
    }
    case "api-key":
      return { headers: { [auth.header]: `${auth.prefix ?? ""}${value(auth.key)}` } };
    case "custom": {
      const headers: Record<string, string> = {};
      for (const [name, template] of Object.entries(auth.headers)) {
        headers[name] = template.replace(PLACEHOLDER, (_match, key: string) => value(key));
      }
      return { headers };
    }
    case "passthrough":
      return { headers: {} };
  }
}

function placeholderKeys(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? "");
}

/** Why a template is unusable, or null. */
function templateProblem(template: string): string | null {
  for (const key of placeholderKeys(template)) {
    if (!CREDENTIAL_KEY_PATTERN.test(key)) return `"{{ ${key} }}" is not a credential key (UPPER_SNAKE_CASE, like {{ API_KEY }})`;
  }
  const literal = template.replace(PLACEHOLDER, "");
  if (literal.includes("{{") || literal.includes("}}")) return "unbalanced '{{' or '}}': write placeholders as {{ KEY }}";
  if (!HEADER_TEXT.test(literal)) return "visible ASCII only: no line breaks or control characters";
  return null;
}

function invalidCredential(key: string, reason: string): AppError {
  return new AppError(502, "credential_invalid", `Credential "${key}" cannot be sent: ${reason}. Update its value in the vault.`, {
    extra: { key },
  });
}

function headerSafeValue(key: string, value: string): string {
  if (/[\r\n]/.test(value)) throw invalidCredential(key, "it contains a line break (often a trailing newline from a pasted value)");
  if (!HEADER_TEXT.test(value)) throw invalidCredential(key, "it contains control or non-ASCII characters, which a header cannot carry");
  return value;
}

/** Basic auth is base64-encoded, so UTF-8 is fine; control characters are still a mistake. */
function basicPart(key: string, value: string): string {
  if (/[\r\n]/.test(value)) throw invalidCredential(key, "it contains a line break (often a trailing newline from a pasted value)");
  if (/[\x00-\x1f\x7f]/.test(value)) throw invalidCredential(key, "it contains control characters");
  return value;
}

function base64Utf8(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
