/**
 * Substitutions (Agent Vault's, as its services carry them): a credential placed into a request
 * where a placeholder stands — Twilio's `/Accounts/__sid__/…`, a legacy `?api_key=__key__`, or a
 * header value the agent writes. The placeholder is matched literally and case-sensitively, only
 * in the surfaces the substitution declares (`in`): that scoping is the security boundary, so a
 * placeholder anywhere else (another surface, the body, the host) passes through untouched.
 *
 * Placeholder rules, as Agent Vault's: at least 4 characters, only RFC 3986 unreserved characters
 * (`A-Z a-z 0-9 - . _ ~`, so its encoded and decoded forms are the same and it is matched on the
 * wire-encoded path and query), at least one letter or digit, and a delimiter — `__` or a
 * character outside `[A-Za-z0-9_]` — so an ordinary URL word (`account_sid`) can never be one.
 * The value is percent-encoded in the path (one segment: a `/` in it never adds a segment) and
 * the query, and goes as it is into a header, where it must be header-safe (502
 * `credential_invalid` otherwise, as for injected headers).
 *
 * Every placeholder of a surface is replaced in one pass, so a credential whose value happens to
 * contain another placeholder is never substituted again.
 */
import { credentialKeysOf, headerSafeValue, type InjectedAuth } from "./inject-auth.ts";

export const SUBSTITUTION_SURFACES = ["path", "query", "header"] as const;
export type SubstitutionSurface = (typeof SUBSTITUTION_SURFACES)[number];
/** Where a substitution applies when it names no surface (`header` is opt-in, as in Agent Vault). */
export const DEFAULT_SUBSTITUTION_SURFACES: readonly SubstitutionSurface[] = ["path", "query"];

export const MIN_PLACEHOLDER_LENGTH = 4;
export const MAX_PLACEHOLDER_LENGTH = 128;
export const MAX_SUBSTITUTIONS = 20;

/** A substitution as a service stores it (`in` filled in). */
export type Substitution = { key: string; placeholder: string; in: readonly SubstitutionSurface[] };
/** A substitution with its credential's value, ready to apply. The value is secret. */
export type ResolvedSubstitution = Substitution & { value: string };

const UNRESERVED = /^[A-Za-z0-9._~-]*$/;

/**
 * Why a placeholder is unsafe, or null.
 *
 * @example placeholderProblem("__sid__") // null
 * @example placeholderProblem("account_sid") // "… must contain a delimiter …"
 */
export function placeholderProblem(placeholder: string): string | null {
  const hint = "(the convention: __name__)";
  if (placeholder.length < MIN_PLACEHOLDER_LENGTH) return `a placeholder has at least ${MIN_PLACEHOLDER_LENGTH} characters ${hint}`;
  if (placeholder.length > MAX_PLACEHOLDER_LENGTH) return `a placeholder has at most ${MAX_PLACEHOLDER_LENGTH} characters`;
  if (!UNRESERVED.test(placeholder)) return `a placeholder uses only RFC 3986 unreserved characters: A-Z a-z 0-9 - . _ ~ ${hint}`;
  if (!/[A-Za-z0-9]/.test(placeholder)) return `a placeholder contains at least one letter or digit ${hint}`;
  if (!placeholder.includes("__") && !/[^A-Za-z0-9_]/.test(placeholder)) {
    return `a placeholder must contain a delimiter, "__" or one of - . ~, so it never matches an ordinary URL word ${hint}`;
  }
  return null;
}

/** The credential keys substitutions name, once each, in order. */
export const substitutionKeys = (substitutions: readonly Pick<Substitution, "key">[] | null | undefined): string[] => [
  ...new Set((substitutions ?? []).map((s) => s.key)),
];

/**
 * Every credential key a service sends to its upstream, once each: its auth's, then its
 * substitutions'. What "a service sends this key" means wherever that matters (who must type a
 * value, what a proposal exposes, what the proxy decrypts).
 *
 * @example keysSentBy({ auth: { type: "passthrough" }, substitutions: [{ key: "TW_SID", placeholder: "__sid__", in: ["path"] }] }) // ["TW_SID"]
 */
export const keysSentBy = (service: { auth: InjectedAuth; substitutions?: readonly Pick<Substitution, "key">[] | null | undefined }): string[] => [
  ...new Set([...credentialKeysOf(service.auth), ...substitutionKeys(service.substitutions)]),
];

/**
 * A value as one path segment: percent-encoded like `encodeURIComponent`, keeping the characters a
 * segment may hold as they are (`: @ $ & + =`); `.` and `..` are encoded whole, so a value can
 * never make a dot segment the upstream would resolve.
 *
 * @example pathSegmentValue("123:AAH/x") // "123:AAH%2Fx"
 */
export function pathSegmentValue(value: string): string {
  if (value === "." || value === "..") return value.replaceAll(".", "%2E");
  return encodeURIComponent(value).replace(/%(3A|40|24|26|2B|3D)/g, (escaped) => decodeURIComponent(escaped));
}

/** A value in a query string: every character but the unreserved ones percent-encoded. */
export const queryValue = (value: string): string => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const escapeForPattern = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Replaces every placeholder of `subs` in `text` in one pass, longest first; `encode` makes each value fit. */
function replaceAll(text: string, subs: readonly ResolvedSubstitution[], encode: (s: ResolvedSubstitution) => string): string {
  if (subs.length === 0) return text;
  const byPlaceholder = new Map(subs.map((s) => [s.placeholder, s]));
  const alternatives = [...byPlaceholder.keys()].sort((a, b) => b.length - a.length).map(escapeForPattern);
  return text.replace(new RegExp(alternatives.join("|"), "g"), (found) => {
    const sub = byPlaceholder.get(found);
    return sub ? encode(sub) : found;
  });
}

const on = (subs: readonly ResolvedSubstitution[], surface: SubstitutionSurface) => subs.filter((s) => s.in.includes(surface));

/**
 * The request with each substitution applied in its own surfaces: `path` and `search` as they
 * arrived on the wire (percent-encoded), `headers` the agent's own (never the injected ones).
 * Throws 502 `credential_invalid` for a header value that cannot travel in a header.
 *
 * @example substitute({ path: "/Accounts/__sid__/Calls", search: "", headers: new Headers() }, [{ key: "TW_SID", placeholder: "__sid__", in: ["path"], value: "AC1" }])
 * // { path: "/Accounts/AC1/Calls", search: "", headers }
 */
export function substitute(
  request: { path: string; search: string; headers: Headers },
  subs: readonly ResolvedSubstitution[],
): { path: string; search: string; headers: Headers } {
  if (subs.length === 0) return request;
  const path = replaceAll(request.path, on(subs, "path"), (s) => pathSegmentValue(s.value));
  const search = replaceAll(request.search, on(subs, "query"), (s) => queryValue(s.value));
  const inHeaders = on(subs, "header");
  if (inHeaders.length === 0) return { path, search, headers: request.headers };
  const headers = new Headers();
  for (const [name, value] of request.headers)
    headers.append(
      name,
      replaceAll(value, inHeaders, (s) => headerSafeValue(s.key, s.value)),
    );
  return { path, search, headers };
}
