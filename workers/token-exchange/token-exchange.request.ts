/**
 * RFC 8693 token exchange, the pure part: reading the request (form-encoded per the RFC, JSON
 * accepted too), the RFC 6749 error shape, the delegation (`act`) chain and scope narrowing.
 */
import { AppError } from "../lib/app-error.ts";
import type { OAuthErrorCode } from "../lib/error-codes.ts";
import { MAX_ACT_DEPTH, type ActClaim } from "../lib/crypto/jwt-svid.ts";

export const GRANT_TYPE_TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
export const TOKEN_TYPE_JWT = "urn:ietf:params:oauth:token-type:jwt";
export const TOKEN_TYPE_ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token";
/** Token types we accept as input (SVIDs and our own exchanged tokens are JWTs). */
const INPUT_TOKEN_TYPES = [TOKEN_TYPE_JWT];
/** What a client may ask for; we always issue a JWT access token. */
const REQUESTABLE_TOKEN_TYPES = [TOKEN_TYPE_JWT, TOKEN_TYPE_ACCESS_TOKEN];

/**
 * An RFC 6749 §5.2 error. Still an AppError, so app.ts's one error handler writes it (status
 * 400, `no-store`); `error_description` rides in `extra` next to the project's `message`, which
 * OAuth clients ignore as an unknown member.
 */
export function oauthError(code: OAuthErrorCode, description: string): AppError {
  return new AppError(400, code, description, { extra: { error_description: description } });
}

/** Request parameters by name; every value a name was given, in order. */
export type RawParams = Map<string, string[]>;

const REPEATABLE = new Set(["audience", "resource"]);
const MAX_TARGETS = 10;
const MAX_TARGET_LENGTH = 512;
const MAX_SCOPE_TOKENS = 50;

export function paramsFromForm(body: string): RawParams {
  const params: RawParams = new Map();
  for (const [name, value] of new URLSearchParams(body)) {
    params.set(name, [...(params.get(name) ?? []), value]);
  }
  return params;
}

/** A JSON object of strings (arrays of strings allowed for `audience` and `resource`). */
export function paramsFromJson(value: unknown): RawParams {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw oauthError("invalid_request", "The body must be a JSON object");
  const params: RawParams = new Map();
  for (const [name, raw] of Object.entries(value)) {
    if (raw === null || raw === undefined) continue;
    if (typeof raw === "string") params.set(name, [raw]);
    else if (REPEATABLE.has(name) && Array.isArray(raw) && raw.every((v): v is string => typeof v === "string")) params.set(name, raw);
    else throw oauthError("invalid_request", `${name} must be a string${REPEATABLE.has(name) ? " or an array of strings" : ""}`);
  }
  return params;
}

export type TokenExchangeRequest = {
  subjectToken: string;
  actorToken?: string;
  /** `audience` and `resource` values together: the issued token's `aud` (none: the edge itself, RFC 8693 makes both optional). */
  targets: string[];
  /** Requested scopes; undefined when `scope` was not sent. */
  scope?: string[];
};

/**
 * Validates the parameters in the order a client fixes them: grant type, then tokens and their
 * types, then target and scope. Unknown parameters are ignored (RFC 6749 §3.2); empty values
 * count as absent (§3.1); a non-repeatable parameter sent twice is `invalid_request`.
 */
export function parseTokenExchangeRequest(params: RawParams): TokenExchangeRequest {
  const values = (name: string) => (params.get(name) ?? []).filter((v) => v !== "");
  const single = (name: string): string | undefined => {
    const all = values(name);
    if (all.length > 1) throw oauthError("invalid_request", `${name} was sent more than once`);
    return all[0];
  };

  const grantType = single("grant_type");
  if (!grantType) throw oauthError("invalid_request", "grant_type is required");
  if (grantType !== GRANT_TYPE_TOKEN_EXCHANGE) throw oauthError("unsupported_grant_type", `Only ${GRANT_TYPE_TOKEN_EXCHANGE} is supported`);

  const subjectToken = single("subject_token");
  if (!subjectToken) throw oauthError("invalid_request", "subject_token is required");
  const subjectTokenType = single("subject_token_type");
  if (!subjectTokenType) throw oauthError("invalid_request", "subject_token_type is required");
  if (!INPUT_TOKEN_TYPES.includes(subjectTokenType)) throw oauthError("invalid_request", `subject_token_type must be ${TOKEN_TYPE_JWT} (a JWT-SVID)`);

  const actorToken = single("actor_token");
  const actorTokenType = single("actor_token_type");
  if (actorToken && !actorTokenType) throw oauthError("invalid_request", "actor_token_type is required with actor_token");
  if (!actorToken && actorTokenType) throw oauthError("invalid_request", "actor_token_type is only allowed with actor_token");
  if (actorTokenType && !INPUT_TOKEN_TYPES.includes(actorTokenType)) throw oauthError("invalid_request", `actor_token_type must be ${TOKEN_TYPE_JWT}`);

  const requestedTokenType = single("requested_token_type");
  if (requestedTokenType && !REQUESTABLE_TOKEN_TYPES.includes(requestedTokenType)) {
    throw oauthError("invalid_request", `requested_token_type must be ${TOKEN_TYPE_JWT} or ${TOKEN_TYPE_ACCESS_TOKEN}`);
  }

  const targets = parseTargets(values("audience"), values("resource"));
  const scopeText = single("scope");
  const scope = scopeText === undefined ? undefined : parseScope(scopeText);
  return { subjectToken, ...(actorToken ? { actorToken } : {}), targets, ...(scope ? { scope } : {}) };
}

function parseTargets(audience: string[], resource: string[]): string[] {
  if (audience.length + resource.length > MAX_TARGETS) throw oauthError("invalid_target", `At most ${MAX_TARGETS} audience and resource values`);
  for (const value of [...audience, ...resource]) {
    if (value.length > MAX_TARGET_LENGTH || !/^[\x21-\x7e]+$/.test(value)) {
      throw oauthError("invalid_target", `Targets must be 1-${MAX_TARGET_LENGTH} printable characters without spaces`);
    }
  }
  for (const value of resource) {
    // RFC 8707 §2: an absolute URI without a fragment.
    if (!isAbsoluteUri(value) || value.includes("#")) throw oauthError("invalid_target", `resource must be an absolute URI without a fragment: ${value}`);
  }
  return [...new Set([...audience, ...resource])];
}

function isAbsoluteUri(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/** RFC 6749 §3.3 scope: space-delimited tokens of %x21 / %x23-5B / %x5D-7E. */
function parseScope(text: string): string[] {
  const tokens = text.split(" ");
  if (tokens.some((t) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(t))) throw oauthError("invalid_scope", "scope must be space-separated scope tokens");
  if (tokens.length > MAX_SCOPE_TOKENS) throw oauthError("invalid_scope", `At most ${MAX_SCOPE_TOKENS} scopes`);
  return [...new Set(tokens)];
}

/**
 * The scopes to grant: what was requested, which must lie within `allowed` (else
 * `invalid_scope`), or everything allowed when nothing was requested.
 */
export function grantScope(requested: string[] | undefined, allowed: string[]): string[] {
  if (requested === undefined) return [...allowed];
  const beyond = requested.filter((s) => !allowed.includes(s));
  if (beyond.length > 0) throw oauthError("invalid_scope", `Not granted to this subject and actor: ${beyond.join(" ")}`);
  return requested;
}

/** Intersection of scope sets, ignoring those that are undefined (no limit). */
export function intersectScopes(...sets: (string[] | undefined)[]): string[] {
  const limits = sets.filter((s): s is string[] => s !== undefined);
  const [first, ...rest] = limits;
  if (!first) return [];
  return [...new Set(first)].filter((s) => rest.every((set) => set.includes(s)));
}

/**
 * The `act` claim for a new token: the presenting actor is the current (outermost) actor; if
 * the actor's own token was itself delegated, its chain is nested inside as prior actors.
 */
export function actClaimFor(actor: { spiffeId: string; act?: ActClaim }): ActClaim {
  let depth = 1;
  for (let link = actor.act; link; link = link.act) depth++;
  if (depth > MAX_ACT_DEPTH) throw oauthError("invalid_request", `The delegation chain would be deeper than ${MAX_ACT_DEPTH}`);
  return actor.act ? { sub: actor.spiffeId, act: actor.act } : { sub: actor.spiffeId };
}
