/**
 * An OAuth endpoint the edge itself calls or sends a browser to (a service's token endpoint, a
 * provider's authorization endpoint, an OIDC discovery URL): held to the upstreams' rules, because
 * a token endpoint receives a client secret and a refresh token just as an upstream receives a
 * credential. `https` with a public host (ssrf.ts: no IP literals, internal names or metadata
 * aliases); plain `http` and loopback only where private upstreams are allowed (local dev). No
 * userinfo, no fragment; a path and a query may follow (Entra's tenant, Salesforce's path).
 * Pure, like the rest of lib/http/: the services' writes, the connect flow and the token broker
 * (durable-objects/oauth-tokens.ts, at every call) check the same way.
 */
import { AppError } from "../app-error.ts";
import { checkHostname, type HostCheckOptions, printable } from "./ssrf.ts";

export const MAX_OAUTH_ENDPOINT_LENGTH = 2048;

/** Which endpoint: named in the refusal, so an admin knows which field to fix. */
export type OAuthEndpointKind = "token endpoint" | "authorization endpoint" | "discovery URL";

/**
 * The endpoint in canonical form (lower-case host, default port dropped), or 400
 * `invalid_oauth_endpoint` saying why.
 *
 * @example parseOAuthEndpoint("https://GitHub.com/login/oauth/access_token", "token endpoint", { allowPrivate: false })
 * // "https://github.com/login/oauth/access_token"
 * @example parseOAuthEndpoint("http://127.0.0.1:9/token", "token endpoint", { allowPrivate: false }) // throws: https only
 */
export function parseOAuthEndpoint(raw: string, kind: OAuthEndpointKind, options: HostCheckOptions): string {
  const bad = (reason: string) => new AppError(400, "invalid_oauth_endpoint", `Invalid ${kind} "${printable(raw)}": ${reason}`, { extra: { field: kind } });
  if (raw.length > MAX_OAUTH_ENDPOINT_LENGTH) throw bad(`longer than ${MAX_OAUTH_ENDPOINT_LENGTH} characters`);
  // The authority as written, before any parser normalises it: what ssrf.ts judges is what is sent.
  const written = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^#]*)(#.*)?$/.exec(raw);
  if (!written) throw bad("give an absolute URL, like https://provider.example/oauth/token");
  const scheme = (written[1] ?? "").toLowerCase();
  const authority = written[2] ?? "";
  if (written[4] !== undefined) throw bad("a fragment (#…) is not allowed");
  if (scheme !== "https" && !(scheme === "http" && options.allowPrivate))
    throw bad(options.allowPrivate ? "the scheme must be https or http" : "the scheme must be https");
  if (authority.includes("@")) throw bad("userinfo (user@host) is not allowed");
  if (/[\s\x00-\x1f\x7f]/.test(raw)) throw bad("whitespace and control characters are not allowed");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad("not a URL");
  }
  const hostname = url.hostname.startsWith("[") ? url.hostname : url.hostname.toLowerCase();
  const verdict = checkHostname(hostname, options);
  if (!verdict.ok) throw bad(verdict.reason);
  // Plain http is for a developer's own machine only, never for a name that resolves elsewhere.
  if (scheme === "http" && !isLoopbackName(verdict.hostname)) throw bad("plain http is only for loopback hosts (127.0.0.1, localhost); use https");
  return url.href;
}

/**
 * The origin of a parsed endpoint, for checks that compare where two endpoints live.
 *
 * @example endpointHost("https://login.microsoftonline.com/common/oauth2/v2.0/token") // "login.microsoftonline.com"
 */
export function endpointHost(endpoint: string): string {
  return new URL(endpoint).host;
}

function isLoopbackName(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
