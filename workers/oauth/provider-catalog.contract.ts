/**
 * The providers a vault admin can connect an account of without typing endpoints: each one's
 * authorization and token endpoints, the scopes asked for when the service names none, and the
 * authorization parameters it needs to hand out a refresh token at all. Public facts from each
 * provider's documentation; no secret. Any other provider is `custom`: by its endpoints, or by its
 * OpenID Connect discovery URL (oauth-connect.contract.ts). Shared with the CLI and the pages.
 */
import { z } from "@hono/zod-openapi";

/** The catalog's providers, by id. */
export const PROVIDER_IDS = ["github", "google", "microsoft", "slack", "atlassian", "salesforce", "hubspot"] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export type ProviderTemplate = {
  id: ProviderId;
  name: string;
  authorization_endpoint: string;
  token_endpoint: string;
  /** Asked for when the service's auth names no scopes. */
  default_scopes: readonly string[];
  /** The API host its tokens are for (the service's usual host). */
  api_host: string;
  /** Authorization parameters the provider needs besides the standard ones (a refresh token, a consent screen). */
  extra_parameters: Readonly<Record<string, string>>;
  /** How it sends the client secret (the service's `token_auth`). */
  token_auth: "client_secret_post" | "client_secret_basic";
};

export const PROVIDER_TEMPLATES: readonly ProviderTemplate[] = [
  {
    id: "github",
    name: "GitHub",
    authorization_endpoint: "https://github.com/login/oauth/authorize",
    token_endpoint: "https://github.com/login/oauth/access_token",
    default_scopes: ["repo", "read:user"],
    api_host: "api.github.com",
    extra_parameters: {},
    token_auth: "client_secret_post",
  },
  {
    id: "google",
    name: "Google",
    authorization_endpoint: "https://accounts.google.com/o/oauth2/v2/auth",
    token_endpoint: "https://oauth2.googleapis.com/token",
    default_scopes: ["openid", "email", "https://www.googleapis.com/auth/drive.readonly"],
    api_host: "www.googleapis.com",
    // Google hands out a refresh token only for offline access, and again only with a fresh consent.
    extra_parameters: { access_type: "offline", prompt: "consent" },
    token_auth: "client_secret_post",
  },
  {
    id: "microsoft",
    name: "Microsoft Entra",
    authorization_endpoint: "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
    token_endpoint: "https://login.microsoftonline.com/common/oauth2/v2.0/token",
    default_scopes: ["offline_access", "User.Read"],
    api_host: "graph.microsoft.com",
    extra_parameters: {},
    token_auth: "client_secret_post",
  },
  {
    id: "slack",
    name: "Slack",
    authorization_endpoint: "https://slack.com/oauth/v2/authorize",
    token_endpoint: "https://slack.com/api/oauth.v2.access",
    default_scopes: ["channels:read", "chat:write"],
    api_host: "slack.com",
    extra_parameters: {},
    token_auth: "client_secret_post",
  },
  {
    id: "atlassian",
    name: "Atlassian",
    authorization_endpoint: "https://auth.atlassian.com/authorize",
    token_endpoint: "https://auth.atlassian.com/oauth/token",
    default_scopes: ["read:jira-work", "offline_access"],
    api_host: "api.atlassian.com",
    extra_parameters: { audience: "api.atlassian.com", prompt: "consent" },
    token_auth: "client_secret_post",
  },
  {
    id: "salesforce",
    name: "Salesforce",
    authorization_endpoint: "https://login.salesforce.com/services/oauth2/authorize",
    token_endpoint: "https://login.salesforce.com/services/oauth2/token",
    default_scopes: ["api", "refresh_token"],
    api_host: "login.salesforce.com",
    extra_parameters: {},
    token_auth: "client_secret_post",
  },
  {
    id: "hubspot",
    name: "HubSpot",
    authorization_endpoint: "https://app.hubspot.com/oauth/authorize",
    token_endpoint: "https://api.hubapi.com/oauth/v1/token",
    default_scopes: ["oauth", "crm.objects.contacts.read"],
    api_host: "api.hubapi.com",
    extra_parameters: {},
    token_auth: "client_secret_post",
  },
];

/**
 * The template whose token endpoint the service names, if any: a GitHub service connects through
 * GitHub's pages without being told so.
 *
 * @example templateForTokenEndpoint("https://github.com/login/oauth/access_token")?.id // "github"
 */
export function templateForTokenEndpoint(tokenEndpoint: string): ProviderTemplate | undefined {
  return PROVIDER_TEMPLATES.find((t) => t.token_endpoint === tokenEndpoint);
}

export const templateById = (id: string): ProviderTemplate | undefined => PROVIDER_TEMPLATES.find((t) => t.id === id);

export const ProviderTemplateView = z
  .object({
    id: z.string(),
    name: z.string(),
    authorization_endpoint: z.string(),
    token_endpoint: z.string(),
    default_scopes: z.array(z.string()),
    api_host: z.string(),
    extra_parameters: z.record(z.string(), z.string()),
    token_auth: z.enum(["client_secret_post", "client_secret_basic"]),
  })
  .openapi("OAuthProviderTemplate");

export const ProviderCatalogView = z.object({ providers: z.array(ProviderTemplateView) }).openapi("OAuthProviderCatalog");
