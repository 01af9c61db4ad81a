/**
 * `--auth` and `--header` of `vault service add|update`: a service's auth config (the edge's
 * `ServiceAuth`, workers/services/services.contract.ts) written as flags. They name credential
 * keys, never values, so nothing here is secret. Checked before any request with the contract's
 * limits and patterns, worded for the command line; the edge stays the authority (e.g. for
 * headers the proxy sets itself).
 */
import {
  CREDENTIAL_PLACEHOLDER,
  HEADER_NAME_PATTERN,
  HEADER_TEXT_PATTERN,
  MAX_CUSTOM_HEADERS,
  MAX_HEADER_NAME_LENGTH,
  MAX_HEADER_PREFIX_LENGTH,
  MAX_TEMPLATE_LENGTH,
  type ServiceAuthInput,
} from "../workers/services/services.contract.ts";
import { z } from "zod";
import { OAUTH_GRANTS, OAUTH_TOKEN_AUTH, OAuthAuthSchema } from "../workers/services/oauth-auth.contract.ts";
import { PROVIDER_IDS, templateById } from "../workers/oauth/provider-catalog.contract.ts";
import type { OptionSpec } from "./command/command.ts";
import { UsageError } from "./cli-error.ts";
import { CredentialKey } from "./command/names.ts";
import { oneLine } from "./terminal-text.ts";

/** The flag forms, for errors and help. */
export const AUTH_FORMS =
  "bearer:<KEY>, basic:<USER_KEY>[:<PASS_KEY>], api-key:<KEY>[:<Header>[:<prefix>]], custom (with --header), passthrough or oauth:<SECRET_KEY>[:<REFRESH_KEY>] (with --client-id and --provider or --token-endpoint)";

/** For `--help` of add and update: every form with what the proxy sends. */
export const AUTH_HELP = `Auth (--auth), naming credential keys of the vault, never values:
  bearer:<KEY>                        Authorization: Bearer <KEY>
  basic:<USER_KEY>[:<PASS_KEY>]       Authorization: Basic base64(<USER_KEY>:<PASS_KEY>);
                                      no PASS_KEY means an empty password (Stripe style)
  api-key:<KEY>[:<Header>[:<prefix>]] <Header>: <prefix><KEY>; Header defaults to
                                      Authorization, prefix to nothing (it may hold
                                      spaces and colons: api-key:KEY:Authorization:Token )
  custom --header '<Header>: <template>'...
                                      each header from its template, where {{ KEY }} is
                                      replaced by the credential; repeat --header (up to ${MAX_CUSTOM_HEADERS}).
                                      custom:<Header>=<template> is short for one header.
  passthrough                         nothing added: the host is reachable without a
                                      credential (the agent's token is never forwarded)
  oauth:<SECRET_KEY>[:<REFRESH_KEY>]  Authorization: Bearer <access token>, which the edge
                                      obtains and refreshes at the token endpoint with the
                                      client secret <SECRET_KEY> and, with <REFRESH_KEY>, a
                                      person's refresh token (connect it with vault oauth
                                      connect); without it the client credentials grant.
                                      With --client-id, and --provider <id> (the catalog:
                                      vault oauth providers) or --token-endpoint <url>;
                                      --oauth-scope (repeatable), --token-auth, --audience`;

const bad = (message: string) => new UsageError(`--auth: ${message} (forms: ${AUTH_FORMS})`);

function key(value: string | undefined, role: string, form: string): string {
  if (value === undefined || value === "") throw bad(`${form} needs ${role}`);
  const parsed = CredentialKey.safeParse(value);
  if (!parsed.success) throw bad(`${role} "${oneLine(value, 40)}" ${parsed.error.issues[0]?.message ?? "is not a credential key"}`);
  return parsed.data;
}

function headerName(name: string, where: string): string {
  if (name.length === 0 || name.length > MAX_HEADER_NAME_LENGTH || !HEADER_NAME_PATTERN.test(name))
    throw new UsageError(`${where}: the header name "${oneLine(name, 40)}" must be letters, digits and hyphens (e.g. X-Api-Key)`);
  return name;
}

function template(text: string, name: string): string {
  const where = `--header ${name}`;
  if (text.length > MAX_TEMPLATE_LENGTH) throw new UsageError(`${where}: the template is longer than ${MAX_TEMPLATE_LENGTH} characters`);
  for (const [, placeholder = ""] of text.matchAll(CREDENTIAL_PLACEHOLDER)) {
    if (!CredentialKey.safeParse(placeholder).success)
      throw new UsageError(`${where}: "{{ ${oneLine(placeholder, 40)} }}" is not a credential key (UPPER_SNAKE_CASE, like {{ API_KEY }})`);
  }
  const literal = text.replace(CREDENTIAL_PLACEHOLDER, "");
  if (literal.includes("{{") || literal.includes("}}")) throw new UsageError(`${where}: unbalanced "{{" or "}}"; write placeholders as {{ KEY }}`);
  if (!HEADER_TEXT_PATTERN.test(literal)) throw new UsageError(`${where}: the template must be visible ASCII, without line breaks or control characters`);
  return text;
}

/** The flags an `oauth` auth takes besides `--auth oauth:…`, for add and update alike. */
export const OAUTH_OPTIONS = {
  "client-id": { type: "string", placeholder: "id", schema: z.string().min(1).max(512).optional(), description: "--auth oauth: the OAuth client's id" },
  provider: {
    type: "string",
    placeholder: "id",
    schema: z.enum(PROVIDER_IDS).optional(),
    description: `--auth oauth: a provider of the catalog, for its token endpoint (${PROVIDER_IDS.join(", ")})`,
  },
  "token-endpoint": {
    type: "string",
    placeholder: "url",
    schema: z.string().url().optional(),
    description: "--auth oauth: the provider's token endpoint (https)",
  },
  "oauth-scope": {
    type: "string",
    multiple: true,
    placeholder: "scope",
    schema: z.array(z.string()),
    description: "--auth oauth: a scope (repeatable): asked for at the connect, or with the client credentials grant",
  },
  "token-auth": {
    type: "string",
    placeholder: "method",
    schema: z.enum(OAUTH_TOKEN_AUTH).optional(),
    description: `--auth oauth: ${OAUTH_TOKEN_AUTH.join(" or ")}`,
  },
  audience: {
    type: "string",
    placeholder: "uri",
    schema: z.string().min(1).max(512).optional(),
    description: "--auth oauth: the client credentials grant's audience",
  },
} as const satisfies Record<string, OptionSpec>;

export type OAuthFlags = {
  "client-id"?: string | undefined;
  provider?: (typeof PROVIDER_IDS)[number] | undefined;
  "token-endpoint"?: string | undefined;
  "oauth-scope"?: readonly string[];
  "token-auth"?: (typeof OAUTH_TOKEN_AUTH)[number] | undefined;
  audience?: string | undefined;
};

/** `oauth:<SECRET_KEY>[:<REFRESH_KEY>]` with its flags, checked by the contract's own schema. */
function oauthAuth(rest: string | undefined, flags: OAuthFlags): ServiceAuthInput {
  const [secretKey, refreshKey, ...extra] = (rest ?? "").split(":");
  if (extra.length > 0) throw bad("oauth takes at most two keys: oauth:<SECRET_KEY>:<REFRESH_KEY>");
  const template = flags.provider ? templateById(flags.provider) : undefined;
  const tokenEndpoint = flags["token-endpoint"] ?? template?.token_endpoint;
  if (!flags["client-id"]) throw new UsageError("--auth oauth needs --client-id <the OAuth client's id>");
  if (!tokenEndpoint) throw new UsageError("--auth oauth needs --provider <id> (vault oauth providers) or --token-endpoint <url>");
  const auth = {
    type: "oauth" as const,
    client_id: flags["client-id"],
    client_secret_key: key(secretKey, "the client secret's key", "oauth:<SECRET_KEY>[:<REFRESH_KEY>]"),
    ...(refreshKey ? { refresh_token_key: key(refreshKey, "the refresh token's key", "oauth:<SECRET_KEY>:<REFRESH_KEY>") } : { grant: OAUTH_GRANTS[1] }),
    token_endpoint: tokenEndpoint,
    ...(flags["oauth-scope"]?.length ? { scopes: [...flags["oauth-scope"]] } : {}),
    ...(flags["token-auth"]
      ? { token_auth: flags["token-auth"] }
      : template && template.token_auth !== "client_secret_post"
        ? { token_auth: template.token_auth }
        : {}),
    ...(flags.audience ? { audience: flags.audience } : {}),
  };
  const checked = OAuthAuthSchema.safeParse(auth);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new UsageError(`--auth oauth: ${issue?.path.join(".") || "auth"} ${oneLine(issue?.message ?? "is invalid", 200)}`);
  }
  return checked.data;
}

/**
 * One custom header, `Name: template` (as curl -H writes it) or `Name=template`: the name ends
 * at the first ":" or "=", which a header name cannot contain.
 * @example
 * customHeader("X-Api-Key: {{ API_KEY }}") // ["X-Api-Key", "{{ API_KEY }}"]
 */
export function customHeader(text: string): [string, string] {
  const end = text.search(/[:=]/);
  if (end === -1) throw new UsageError(`--header: write it as '<Header>: <template>', e.g. --header 'X-Api-Key: {{ API_KEY }}'`);
  const name = headerName(text.slice(0, end).trim(), "--header");
  return [name, template(text.slice(end + 1).replace(/^[ \t]+/, ""), name)];
}

/**
 * The auth config that `--auth` (and `--header`, with custom) describe; undefined when neither
 * is given (an update that leaves auth alone).
 * @example
 * parseAuthFlags("api-key:OPENAI_KEY:Authorization:Bearer ", []) // { type: "api-key", key: "OPENAI_KEY", header: "Authorization", prefix: "Bearer " }
 * parseAuthFlags("custom", ["X-Token: {{ TOKEN }}"])             // { type: "custom", headers: { "X-Token": "{{ TOKEN }}" } }
 */
export function parseAuthFlags(auth: string, headers: readonly string[], oauth?: OAuthFlags): ServiceAuthInput;
export function parseAuthFlags(auth: string | undefined, headers: readonly string[], oauth?: OAuthFlags): ServiceAuthInput | undefined;
export function parseAuthFlags(auth: string | undefined, headers: readonly string[], oauth: OAuthFlags = {}): ServiceAuthInput | undefined {
  if (auth === undefined) {
    if (headers.length > 0) throw new UsageError("--header goes with --auth custom: --auth custom --header 'X-Api-Key: {{ API_KEY }}'");
    return undefined;
  }
  const colon = auth.indexOf(":");
  const type = colon === -1 ? auth : auth.slice(0, colon);
  const rest = colon === -1 ? undefined : auth.slice(colon + 1);
  if (type !== "custom" && headers.length > 0) throw new UsageError(`--header goes with --auth custom, not with --auth ${oneLine(type, 20)}`);
  switch (type) {
    case "bearer": {
      return { type, token: key(rest, "a credential key", "bearer:<KEY>") };
    }
    case "basic": {
      const [user, password, ...extra] = (rest ?? "").split(":");
      if (extra.length > 0) throw bad("basic takes at most two keys: basic:<USER_KEY>:<PASS_KEY>");
      const username = key(user, "a username key", "basic:<USER_KEY>[:<PASS_KEY>]");
      return password === undefined ? { type, username } : { type, username, password: key(password, "a password key", "basic:<USER_KEY>:<PASS_KEY>") };
    }
    case "api-key": {
      const parts = (rest ?? "").split(":");
      const apiKey = key(parts[0], "a credential key", "api-key:<KEY>[:<Header>[:<prefix>]]");
      const header = parts[1] ? headerName(parts[1], "--auth") : undefined;
      // The prefix is everything after the second colon, colons included ("Token: ").
      const prefix = parts.length > 2 ? parts.slice(2).join(":") : undefined;
      if (prefix !== undefined && (prefix.length > MAX_HEADER_PREFIX_LENGTH || !HEADER_TEXT_PATTERN.test(prefix))) {
        throw bad(`the api-key prefix must be at most ${MAX_HEADER_PREFIX_LENGTH} visible ASCII characters`);
      }
      return { type, key: apiKey, ...(header === undefined ? {} : { header }), ...(prefix ? { prefix } : {}) };
    }
    case "custom": {
      const all = [...(rest === undefined ? [] : [rest]), ...headers].map(customHeader);
      if (all.length === 0) throw bad("custom needs at least one --header '<Header>: <template>'");
      if (all.length > MAX_CUSTOM_HEADERS) throw bad(`custom takes at most ${MAX_CUSTOM_HEADERS} headers`);
      const names = all.map(([name]) => name.toLowerCase());
      const repeated = names.find((name, i) => names.indexOf(name) !== i);
      if (repeated !== undefined) throw new UsageError(`--header: "${repeated}" is given twice (header names ignore case)`);
      return { type, headers: Object.fromEntries(all) };
    }
    case "passthrough": {
      if (rest !== undefined) throw bad("passthrough takes no keys");
      return { type };
    }
    case "oauth":
      return oauthAuth(rest, oauth);
    default:
      throw bad(`unknown type "${oneLine(type, 20)}"`);
  }
}

/**
 * A service's auth in a few words, for tables: the type and what it sends.
 * @example
 * describeAuth({ type: "api-key", key: "OPENAI_KEY", header: "X-Api-Key" }) // "api-key X-Api-Key: OPENAI_KEY"
 */
export function describeAuth(auth: ServiceAuthInput): string {
  switch (auth.type) {
    case "bearer":
      return `bearer ${auth.token}`;
    case "basic":
      return `basic ${auth.username}${auth.password ? `:${auth.password}` : ""}`;
    case "api-key":
      return `api-key ${auth.header ?? "Authorization"}: ${auth.prefix ?? ""}${auth.key}`;
    case "custom":
      return `custom ${Object.keys(auth.headers).join(", ")}`;
    case "passthrough":
      return "passthrough";
    case "oauth":
      return `oauth ${auth.refresh_token_key ? `refresh token ${auth.refresh_token_key}` : "client credentials"} at ${new URL(auth.token_endpoint).host} (client ${auth.client_id}, secret ${auth.client_secret_key})`;
  }
}
