/**
 * A service of auth type `oauth`: the edge obtains its access token from the provider's token
 * endpoint and injects `Authorization: Bearer <access token>` (durable-objects/oauth-tokens.ts).
 * Agent Vault's field names for the refresh-token case (`client_id`, `client_secret_key`,
 * `refresh_token_key`, `token_endpoint`, `scopes`), plus the client-credentials grant (`grant`,
 * `token_auth`, `audience`). `client_id` is a value (providers publish it in every authorize URL);
 * the secret and the refresh token are credential keys of the vault, never values. Zod only,
 * imported by the services' contract, the proxy and the CLI.
 */
import { z } from "@hono/zod-openapi";
import { CredentialKey } from "../credentials/credentials.contract.ts";
import { MAX_OAUTH_ENDPOINT_LENGTH, parseOAuthEndpoint } from "../lib/http/oauth-endpoint.ts";

/** `refresh_token`: a person connected an account (or pasted its refresh token); `client_credentials`: the client is the account. */
export const OAUTH_GRANTS = ["refresh_token", "client_credentials"] as const;
export type OAuthGrant = (typeof OAUTH_GRANTS)[number];
/** How the client authenticates at the token endpoint (RFC 6749 §2.3.1): in the body (the default), or HTTP Basic. */
export const OAUTH_TOKEN_AUTH = ["client_secret_post", "client_secret_basic"] as const;
export type OAuthTokenAuth = (typeof OAUTH_TOKEN_AUTH)[number];

export const MAX_OAUTH_SCOPES = 50;
export const MAX_OAUTH_SCOPE_LENGTH = 256;
export const MAX_CLIENT_ID_LENGTH = 512;
/** RFC 6749 §3.3 scope-token: visible ASCII but `"` and `\`. */
export const SCOPE_TOKEN_PATTERN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

export const OAuthScope = z
  .string()
  .min(1)
  .max(MAX_OAUTH_SCOPE_LENGTH)
  .regex(SCOPE_TOKEN_PATTERN, "a scope is visible ASCII without spaces, quotes or backslashes");

/** The token endpoint's shape; where it may point (https, public hosts) is the deployment's rule, held by the services' actions. */
const TokenEndpoint = z
  .string()
  .min(1)
  .max(MAX_OAUTH_ENDPOINT_LENGTH)
  .superRefine((raw, ctx) => {
    try {
      parseOAuthEndpoint(raw, "token endpoint", { allowPrivate: true });
    } catch (error) {
      ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : "invalid token endpoint" });
    }
  })
  .openapi({ example: "https://github.com/login/oauth/access_token" });

export const OAuthAuthSchema = z
  .object({
    type: z.literal("oauth"),
    client_id: z.string().min(1).max(MAX_CLIENT_ID_LENGTH).regex(VISIBLE_ASCII, "a client id is visible ASCII without spaces"),
    client_secret_key: CredentialKey,
    refresh_token_key: CredentialKey.optional(),
    token_endpoint: TokenEndpoint,
    scopes: z.array(OAuthScope).max(MAX_OAUTH_SCOPES).optional(),
    grant: z.enum(OAUTH_GRANTS).optional(),
    token_auth: z.enum(OAUTH_TOKEN_AUTH).optional(),
    audience: z.string().min(1).max(MAX_CLIENT_ID_LENGTH).regex(VISIBLE_ASCII, "an audience is visible ASCII without spaces").optional(),
  })
  .strict()
  .superRefine((auth, ctx) => {
    const grant = oauthGrantOf(auth);
    if (grant === "refresh_token" && !auth.refresh_token_key)
      ctx.addIssue({
        code: "custom",
        path: ["refresh_token_key"],
        message: "the refresh_token grant needs refresh_token_key (the credential key its refresh token is kept under)",
      });
    if (grant === "client_credentials" && auth.refresh_token_key)
      ctx.addIssue({
        code: "custom",
        path: ["refresh_token_key"],
        message: "refresh_token_key is for the refresh_token grant: drop it, or set grant to refresh_token",
      });
    if (grant === "refresh_token" && auth.audience)
      ctx.addIssue({ code: "custom", path: ["audience"], message: "audience is sent with the client_credentials grant only" });
    if (auth.refresh_token_key && auth.refresh_token_key === auth.client_secret_key)
      ctx.addIssue({ code: "custom", path: ["refresh_token_key"], message: "the client secret and the refresh token are two credentials: give them two keys" });
    if (auth.scopes && new Set(auth.scopes).size !== auth.scopes.length) ctx.addIssue({ code: "custom", path: ["scopes"], message: "each scope once" });
  });

export type OAuthAuth = z.output<typeof OAuthAuthSchema>;

/**
 * The grant a service uses: as written, else from its fields (a refresh token key means a person
 * connects an account; without one the client itself is the account).
 *
 * @example oauthGrantOf({ refresh_token_key: "GITHUB_REFRESH" }) // "refresh_token"
 */
export function oauthGrantOf(auth: { grant?: OAuthGrant | undefined; refresh_token_key?: string | undefined }): OAuthGrant {
  return auth.grant ?? (auth.refresh_token_key ? "refresh_token" : "client_credentials");
}
