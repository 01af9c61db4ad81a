/**
 * Every `error` code the edge can answer, as one typed union: the codes every route shares, then
 * each area's own. They live here, not in the features' contracts, because `AppError` (lib/) takes
 * an `ErrorCode` and lib/ imports no feature; a code that is not listed fails typecheck, and the
 * CLI matches codes through the same type.
 */

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

/**
 * OAuth services (the edge obtains and refreshes their access tokens) and connecting an account in
 * the browser: `oauth_refresh_denied` is the provider refusing (a revoked grant or client), answered
 * with a `proposal_hint` to reconnect; `oauth_refresh_failed` is everything else on the way.
 */
export const OAUTH_SERVICE_ERROR_CODES = [
  "invalid_oauth_endpoint",
  "oauth_refresh_denied",
  "oauth_refresh_failed",
  /** The provider's access token cannot be sent (not Bearer, or not header-safe). */
  "oauth_token_invalid",
  "oauth_not_connectable",
  "oauth_connection_closed",
  "oauth_state_invalid",
  "oauth_connect_failed",
  "oauth_discovery_failed",
  /** A connect whose service names another token endpoint or client than when it was made. */
  "service_changed",
] as const;

/** The agent channel (WebSockets). */
export const AGENT_CHANNEL_ERROR_CODES = [
  "upgrade_required",
  "agent_required",
  "bad_frame",
  "unexpected_frame",
  "register_timeout",
  "token_revoked",
  "agent_inactive",
] as const;

/** Agents. */
export const AGENT_ERROR_CODES = ["agent_exists", "agent_not_active", "agent_removed", "invalid_agent_id", "self_change", "unknown_capability"] as const;

/**
 * Agent passports (CAP+JWT). A passport where an edge token is expected (or the reverse) is
 * `wrong_token_type`; a refused passport names Vane's code (`TOKEN_EXPIRED`, …) in `code` beside it.
 */
export const PASSPORT_ERROR_CODES = [
  "wrong_token_type",
  "passport_invalid",
  "passport_revoked",
  "scope_not_granted",
  "too_many_passports",
  "too_many_passports_issued",
  "passport_conflict",
] as const;

/** The attestation chain. */
export const CHAIN_ERROR_CODES = ["invalid_delegation"] as const;

/** Companies and API keys. */
export const COMPANY_ERROR_CODES = ["company_exists", "company_not_found", "last_owner_credential"] as const;

/** Agent and user invites alike. */
export const INVITE_ERROR_CODES = [
  "invite_not_found",
  "invite_pending",
  "invite_used",
  "invite_expired",
  "invite_revoked",
  "invite_invalid",
  "too_many_invites",
  "ambiguous_suffix",
] as const;

/** Proposals and their decisions. */
export const PROPOSAL_ERROR_CODES = [
  "human_required",
  "admin_required",
  "own_proposal",
  "proposal_not_pending",
  "proposal_changed",
  "approval_token_mismatch",
  "missing_credential_value",
  "unknown_credential_key",
  "unknown_service",
  "duplicate_service",
  "duplicate_slot",
  "empty_proposal",
  "too_many_pending_proposals",
] as const;

/** Held requests (services with `require_approval`): the agent's refusals, and the deciders'. */
export const HELD_REQUEST_ERROR_CODES = [
  "request_rejected",
  "request_approval_expired",
  "too_many_held_requests",
  "request_not_pending",
  "own_request",
] as const;

/** Realms. */
export const REALM_ERROR_CODES = ["realm_exists", "realm_not_found", "invalid_slug", "nothing_to_update"] as const;

/** Agent registrations. */
export const REGISTRATION_ERROR_CODES = [
  "company_required",
  "public_key_in_use",
  "registration_not_found",
  "registration_pending",
  "registration_decided",
  "registration_rejected",
  "registration_claimed",
  "too_many_registrations",
  "capability_not_requested",
  "session_cannot_register",
] as const;

/** A vault's services. */
export const SERVICE_ERROR_CODES = ["service_exists", "service_host_exists", "service_not_found", "invalid_host", "invalid_upstream"] as const;

/**
 * Company single sign-on: setting a company's provider, and signing in through it (the browser
 * sees these as the sign-in page's message, with the status).
 */
export const SSO_ERROR_CODES = [
  "invalid_sso_issuer",
  "sso_discovery_failed",
  /** An identity provider's (or a connect's discovery) answer over the bytes the edge reads: 502. */
  "provider_answer_too_large",
  "sso_secret_required",
  "sso_domain_taken",
  "break_glass_required",
  "sso_not_configured",
  "sso_flow_invalid",
  "sso_provider_refused",
  "sso_email_missing",
  "sso_email_unverified",
  "sso_email_domain",
  "sso_account_disabled",
  "password_sign_in_disabled",
] as const;

/** Sign-in and sign-out. */
export const SIGN_IN_ERROR_CODES = ["invalid_credentials", "company_required", "too_many_attempts", "not_a_session"] as const;

/**
 * CLI logins (`edgevault login --web`): the device flow's answers to the CLI's polls (RFC 8628
 * §3.5's words) and the page's refusals.
 */
export const CLI_LOGIN_ERROR_CODES = [
  "authorization_pending",
  "slow_down",
  "access_denied",
  "expired_token",
  "too_many_pending_logins",
  "cli_login_decided",
] as const;

/** People. */
export const USER_ERROR_CODES = ["user_exists", "last_owner"] as const;

/** Vaults and their grants. */
export const VAULT_ERROR_CODES = [
  "vault_exists",
  "vault_required",
  "grant_changed",
  "grant_exceeds_own_role",
  "grantee_is_owner",
  "role_above_granter",
] as const;

/** Webhooks. */
export const WEBHOOK_ERROR_CODES = ["invalid_webhook_url", "too_many_webhooks"] as const;

const GROUPS = [
  COMMON_ERROR_CODES,
  CLI_LOGIN_ERROR_CODES,
  PROXY_ERROR_CODES,
  SESSION_ERROR_CODES,
  IDENTITY_ERROR_CODES,
  OAUTH_ERROR_CODES,
  OAUTH_SERVICE_ERROR_CODES,
  AGENT_ERROR_CODES,
  PASSPORT_ERROR_CODES,
  AGENT_CHANNEL_ERROR_CODES,
  CHAIN_ERROR_CODES,
  COMPANY_ERROR_CODES,
  INVITE_ERROR_CODES,
  PROPOSAL_ERROR_CODES,
  HELD_REQUEST_ERROR_CODES,
  REALM_ERROR_CODES,
  REGISTRATION_ERROR_CODES,
  SERVICE_ERROR_CODES,
  SIGN_IN_ERROR_CODES,
  SSO_ERROR_CODES,
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
