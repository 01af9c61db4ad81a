/** The proxy's errors, worded and coded as seeds 000/001 define them. */
import { AppError } from "../lib/app-error.ts";
import { AUTH_TYPES } from "../services/services.contract.ts";
import type { ServiceRecord } from "./vault-config.ts";

export function noServiceForHost(host: string, vault: string, origin: string): AppError {
  return new AppError(403, "forbidden", `No broker service matching host "${host}" in vault "${vault}"`, {
    extra: {
      proposal_hint: { host, endpoint: "POST /v1/proposals", supported_auth_types: AUTH_TYPES },
      help: `Call GET ${origin}/discover to list the hosts this vault can reach; to ask for access, POST ${origin}/v1/proposals and show the user its approval_url. A vault admin can add one directly: edgevault vault service add <name> --host ${host} --auth bearer:<KEY> --vault ${vault}.`,
    },
  });
}

/**
 * A method the service's `methods` rule leaves out: refused before any credential is read, nothing
 * reaches the upstream. The hint names the proposal that would widen the rule (the service as it
 * is, with this method added): a person decides, as for a new host.
 */
export function methodNotAllowedByService(
  service: Pick<ServiceRecord, "name" | "hostPattern" | "methods">,
  method: string,
  host: string,
  vault: string,
): AppError {
  const allowed = service.methods ?? [];
  return new AppError(
    403,
    "method_not_allowed",
    `Service "${service.name}" in vault "${vault}" forwards only ${allowed.join(", ")} to ${host}; ${method} is not allowed. To ask for it, raise a proposal that sets the service with ${method} among its methods`,
    {
      extra: {
        allowed_methods: allowed,
        proposal_hint: { host: service.hostPattern, service: service.name, endpoint: "POST /v1/proposals", methods: [...allowed, method] },
      },
      headers: { Allow: allowed.join(", ") },
    },
  );
}

export const serviceDisabled = (name: string, host: string) =>
  new AppError(403, "service_disabled", `Service "${name}" for host "${host}" is disabled; ask a vault admin (do not raise a duplicate proposal)`);

export const credentialNotFound = (key: string, service: string) =>
  new AppError(502, "credential_not_found", `Credential "${key}" used by service "${service}" is not in the vault; ask the user to add it`, { extra: { key } });

/**
 * Where a proxied call was sent, for refusals and the edge's log: the service's origin and the
 * path the agent asked for, before substitution and without the query (either may carry a
 * credential once substituted), so it names the place and never a secret.
 */
export type UpstreamAttempt = { url: string; service: string; vault: string };

/**
 * The upstream did not answer: the message names the URL tried and the likely fix. A plain-http
 * server on a loopback host reached as https (the default upstream) is the usual cause in dev.
 */
export function upstreamUnreachable(attempt: UpstreamAttempt, cause: unknown): AppError {
  return new AppError(502, "upstream_unreachable", `Could not reach ${attempt.url} for service "${attempt.service}". ${unreachableFix(attempt)}`, {
    cause,
    extra: { upstream_url: attempt.url, service: attempt.service },
  });
}

/** The upstream's answer ended before its declared length (a small answer is read whole before it is handed on). */
export const upstreamBrokeOff = (attempt: UpstreamAttempt, cause: unknown) =>
  new AppError(
    502,
    "upstream_unreachable",
    `The answer from ${attempt.url} (service "${attempt.service}") broke off before its declared end; the call was not retried, and whether the upstream acted on it is unknown`,
    { cause, extra: { upstream_url: attempt.url, service: attempt.service } },
  );

/** The runtime's `fetch` handed back an interim (1xx) answer as the answer. */
export const upstreamInterimOnly = (attempt: UpstreamAttempt, status: number) =>
  new AppError(
    502,
    "upstream_unreachable",
    `${attempt.url} (service "${attempt.service}") answered with an interim ${status} status and nothing the edge can hand on; the call was not retried, and whether the upstream acted on it is unknown`,
    { extra: { upstream_url: attempt.url, service: attempt.service } },
  );

function unreachableFix({ url, service, vault }: UpstreamAttempt): string {
  const origin = new URL(url);
  const set = `edgevault vault service update ${service} --vault ${vault} --upstream`;
  if (origin.protocol === "https:" && isLocalName(origin.hostname)) {
    return `If the server there speaks plain http, point the service at it: ${set} http://${origin.host} (a vault admin can, or PATCH the service's "upstream").`;
  }
  return `Check that the server is up and reachable from the edge, or point the service at another origin: ${set} <https://origin> (a vault admin can).`;
}

const isLocalName = (hostname: string) => hostname === "localhost" || hostname.endsWith(".localhost") || /^127\./.test(hostname) || hostname === "[::1]";

export const upstreamTimeout = (attempt: UpstreamAttempt, ms: number) =>
  new AppError(
    504,
    "upstream_timeout",
    `${attempt.url} (service "${attempt.service}") did not answer within ${Math.round(ms / 1000)} s; the call was not retried, and whether the upstream acted on it is unknown`,
    { extra: { upstream_url: attempt.url, service: attempt.service } },
  );

export function tooManyRequests(retryAfterSeconds: number, limit: number, remaining: number, reason: "rate_limited" | "too_many_in_flight"): AppError {
  const message = reason === "rate_limited" ? "Rate limit exceeded for this agent and vault" : "Too many requests in flight for this agent and vault";
  return new AppError(429, "too_many_requests", message, {
    headers: { "Retry-After": String(retryAfterSeconds), "X-RateLimit-Limit": String(limit), "X-RateLimit-Remaining": String(remaining) },
  });
}

/**
 * The provider refused the service's grant or client (`invalid_grant`: the account was
 * disconnected or the refresh token revoked; `invalid_client`: the client secret is wrong or
 * revoked). The edge will not ask again before `retryAt`: the hint says a person must connect the
 * account again (a vault admin's "Connect" on the vault page, or `edgevault vault oauth connect`),
 * which an agent asks for with a proposal that sets the service as it is.
 */
export function oauthRefreshDenied(
  service: Pick<ServiceRecord, "name" | "hostPattern">,
  vault: string,
  providerError: string,
  retryAt: number,
  origin: string,
): AppError {
  const seconds = Math.max(1, Math.ceil((retryAt - Date.now()) / 1000));
  return new AppError(
    502,
    "oauth_refresh_denied",
    `The OAuth provider of service "${service.name}" in vault "${vault}" refused to issue an access token (${providerError}): a vault admin must connect the account again`,
    {
      extra: {
        provider_error: providerError,
        proposal_hint: { host: service.hostPattern, service: service.name, endpoint: "POST /v1/proposals", auth_type: "oauth", reconnect: true },
        help: `Ask a vault admin to reconnect it: "Connect" on ${origin}/vaults/${encodeURIComponent(vault)}, or \`edgevault vault oauth connect ${service.name} --vault ${vault}\`. Retrying before then is answered the same way without asking the provider.`,
      },
      headers: { "Retry-After": String(seconds) },
    },
  );
}

/** The provider answered an access token the edge cannot send (not a Bearer token, or not a header-safe value): the provider's answer, not a vault's value, is at fault. */
export function oauthTokenInvalid(service: string, reason: string, retryAt: number): AppError {
  const seconds = Math.max(1, Math.ceil((retryAt - Date.now()) / 1000));
  return new AppError(502, "oauth_token_invalid", `The OAuth provider of service "${service}" answered an access token that cannot be used: ${reason}`, {
    headers: { "Retry-After": String(seconds) },
  });
}

/** The edge could not obtain an access token for another reason (the provider unreachable, a 5xx, an answer that is no token response). */
export function oauthRefreshFailed(service: string, reason: string, retryAt: number): AppError {
  const seconds = Math.max(1, Math.ceil((retryAt - Date.now()) / 1000));
  return new AppError(502, "oauth_refresh_failed", `Could not obtain an access token for service "${service}": ${reason}`, {
    headers: { "Retry-After": String(seconds) },
  });
}
