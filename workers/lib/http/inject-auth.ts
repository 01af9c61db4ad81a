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
 * - `oauth {client_id, client_secret_key, refresh_token_key?, token_endpoint, …}` →
 *   `Authorization: Bearer <access token>`: the token broker (durable-objects/oauth-tokens.ts)
 *   obtains the access token with the client secret and refresh token, which go to the token
 *   endpoint only, never upstream; the proxy hands the access token here as `OAUTH_ACCESS_TOKEN`.
 *
 * A credential value that cannot be a header value (CR, LF, other control characters,
 * non-ASCII) is refused with 502 `credential_invalid` naming the key, never the value: it would
 * otherwise smuggle headers or fail opaquely inside fetch. Basic auth base64-encodes, so only
 * control characters and a `:` in the username are refused there.
 *
 * The config's schema and its rules (`ServiceAuthSchema`) are in services/services.contract.ts;
 * `InjectedAuth` is its shape as injection reads it (lib/ imports no feature; the proxy hands a
 * stored `ServiceAuth` here, so typecheck holds the two together).
 */
import { AppError } from "../app-error.ts";
import { CREDENTIAL_PLACEHOLDER, HEADER_TEXT_PATTERN, placeholderKeys } from "./header-template.ts";

/** A service's auth config, as validated by the services contract and stored with the service. */
export type InjectedAuth =
  | { type: "bearer"; token: string }
  | { type: "basic"; username: string; password?: string | undefined }
  | { type: "api-key"; key: string; header: string; prefix?: string | undefined }
  | { type: "custom"; headers: Record<string, string> }
  | { type: "passthrough" }
  | { type: "oauth"; client_secret_key: string; refresh_token_key?: string | undefined };

/**
 * The access token the proxy obtained for an `oauth` service, under a name no credential key can
 * have (keys are UPPER_SNAKE_CASE): it is injected and redacted like a credential, never stored as one.
 */
export const OAUTH_ACCESS_TOKEN = "oauth_access_token";

/**
 * Every credential key an auth config references, once each, in order of appearance.
 *
 * @example credentialKeysOf({ type: "basic", username: "TWILIO_SID", password: "TWILIO_TOKEN" }) // ["TWILIO_SID", "TWILIO_TOKEN"]
 */
export function credentialKeysOf(auth: InjectedAuth): string[] {
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
    case "oauth":
      return auth.refresh_token_key ? [auth.client_secret_key, auth.refresh_token_key] : [auth.client_secret_key];
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
export function injectedHeaders(auth: InjectedAuth, credentials: ReadonlyMap<string, string>): { headers: Record<string, string> } | { missing: string } {
  // An oauth service's keys go to its token endpoint; what goes upstream is the access token obtained with them.
  const missing = (auth.type === "oauth" ? [OAUTH_ACCESS_TOKEN] : credentialKeysOf(auth)).find((key) => !credentials.has(key));
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
        headers[name] = template.replace(CREDENTIAL_PLACEHOLDER, (_match, key: string) => value(key));
      }
      return { headers };
    }
    case "passthrough":
      return { headers: {} };
    case "oauth":
      return { headers: { Authorization: `Bearer ${value(OAUTH_ACCESS_TOKEN)}` } };
  }
}

/**
 * The credential material `injectedHeaders` puts on the wire, by key, for redacting an upstream
 * that echoes it back (lib/http/redaction.ts): each value it used, and for basic auth also the
 * base64 of `user:pass` the header carries (an echo of the header holds that, not either value's
 * own base64), named after the password's key (the username's when there is none).
 *
 * @example injectedSecrets({ type: "basic", username: "U", password: "P" }, new Map([["U", "ada"], ["P", "pw"]]))
 * // [{ key: "U", value: "ada" }, { key: "P", value: "pw" }, { key: "P", value: "YWRhOnB3" }]
 */
export function injectedSecrets(auth: InjectedAuth, credentials: ReadonlyMap<string, string>): { key: string; value: string }[] {
  const used = (auth.type === "oauth" ? [OAUTH_ACCESS_TOKEN] : credentialKeysOf(auth)).flatMap((key) => {
    const value = credentials.get(key);
    return value === undefined ? [] : [{ key, value }];
  });
  if (auth.type !== "basic") return used;
  const pair = `${credentials.get(auth.username) ?? ""}:${auth.password === undefined ? "" : (credentials.get(auth.password) ?? "")}`;
  return [...used, { key: auth.password ?? auth.username, value: base64Utf8(pair) }];
}

function invalidCredential(key: string, reason: string): AppError {
  return new AppError(502, "credential_invalid", `Credential "${key}" cannot be sent: ${reason}. Update its value in the vault.`, {
    extra: { key },
  });
}

/** A value as it may go into a header, or 502 `credential_invalid` naming its key (never the value). */
export function headerSafeValue(key: string, value: string): string {
  if (/[\r\n]/.test(value)) throw invalidCredential(key, "it contains a line break (often a trailing newline from a pasted value)");
  if (!HEADER_TEXT_PATTERN.test(value)) throw invalidCredential(key, "it contains control or non-ASCII characters, which a header cannot carry");
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
