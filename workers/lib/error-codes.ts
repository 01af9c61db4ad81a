/**
 * Every `error` code the edge can answer, as one typed union. Each feature's own codes live in
 * its contract (`<FEATURE>_ERROR_CODES`); the codes every route shares, the proxy's, identity's
 * and token exchange's RFC 6749 codes are listed here. `AppError` takes an `ErrorCode`, so a
 * code that is not listed fails typecheck, and the CLI matches codes through the same type.
 */
import { AGENT_CHANNEL_ERROR_CODES } from "../agent-channel/agent-channel.contract.ts";
import { AGENT_ERROR_CODES } from "../agents/agents.contract.ts";
import { COMPANY_ERROR_CODES } from "../companies/companies.contract.ts";
import { INVITE_ERROR_CODES } from "../invites/invites.contract.ts";
import { PROPOSAL_ERROR_CODES } from "../proposals/proposals.contract.ts";
import { REALM_ERROR_CODES } from "../realms/realms.contract.ts";
import { REGISTRATION_ERROR_CODES } from "../registrations/registrations.contract.ts";
import { SERVICE_ERROR_CODES } from "../services/services.contract.ts";
import { SIGN_IN_ERROR_CODES } from "../sign-in/sign-in.contract.ts";
import { USER_ERROR_CODES } from "../users/users.contract.ts";
import { VAULT_ERROR_CODES } from "../vaults/vaults.contract.ts";
import { WEBHOOK_ERROR_CODES } from "../webhooks/webhooks.contract.ts";

/** What any route may answer: input, authentication, authorization, the catch-alls. */
export const COMMON_ERROR_CODES = [
  "bad_request",
  "invalid_request",
  "missing_field",
  "unknown_field",
  "malformed_json",
  "unsupported_media_type",
  "payload_too_large",
  "unauthorized",
  "forbidden",
  "csrf_failed",
  "not_found",
  "misdirected_request",
  "platform_disabled",
  "server_misconfigured",
  "token_key_missing",
  "internal_error",
] as const;

/** `/proxy/…`: refusals before forwarding and failures on the way upstream (seeds 000/001). */
export const PROXY_ERROR_CODES = [
  "agent_token_required",
  "method_not_allowed",
  "forbidden_host",
  "invalid_path",
  "service_disabled",
  "credential_not_found",
  "credential_invalid",
  "too_many_requests",
  "upstream_unreachable",
  "upstream_timeout",
] as const;

/** Vault sessions (`POST /v1/sessions`). */
export const SESSION_ERROR_CODES = ["too_many_sessions"] as const;

/** SVIDs, SPIFFE IDs and signing keys. */
export const IDENTITY_ERROR_CODES = [
  "invalid_token",
  "invalid_spiffe_id",
  "invalid_audience",
  "signing_keys_busy",
  "signing_keys_changed",
  "next_key_too_new",
] as const;

/** RFC 6749 §5.2, answered by token exchange (RFC 8693) only; `invalid_request` is also a common code. */
export const OAUTH_ERROR_CODES = ["invalid_request", "invalid_grant", "invalid_target", "unsupported_grant_type", "invalid_scope"] as const;
export type OAuthErrorCode = (typeof OAUTH_ERROR_CODES)[number];

const GROUPS = [
  COMMON_ERROR_CODES,
  PROXY_ERROR_CODES,
  SESSION_ERROR_CODES,
  IDENTITY_ERROR_CODES,
  OAUTH_ERROR_CODES,
  AGENT_ERROR_CODES,
  AGENT_CHANNEL_ERROR_CODES,
  COMPANY_ERROR_CODES,
  INVITE_ERROR_CODES,
  PROPOSAL_ERROR_CODES,
  REALM_ERROR_CODES,
  REGISTRATION_ERROR_CODES,
  SERVICE_ERROR_CODES,
  SIGN_IN_ERROR_CODES,
  USER_ERROR_CODES,
  VAULT_ERROR_CODES,
  WEBHOOK_ERROR_CODES,
] as const;

export type ErrorCode = (typeof GROUPS)[number][number];

/** Every code once. */
export const ERROR_CODES: readonly ErrorCode[] = [...new Set(GROUPS.flat())];

/**
 * True when `value` (an error body's `error`, an `X-Edgevault-Error` header) is `code`.
 * @example isErrorCode(res.headers.get("X-Edgevault-Error"), "forbidden")
 */
export function isErrorCode(value: unknown, code: ErrorCode): boolean {
  return value === code;
}
