/**
 * Connecting an OAuth service's account in the browser: how a vault admin (or the CLI) asks for a
 * connect, and what they read back while a person goes through the provider's consent. The
 * provider is a template of the catalog (provider-catalog.contract.ts), found by the service's
 * token endpoint when not named, or `custom` by its authorization endpoint or its OpenID Connect
 * discovery URL. Zod schemas and constants only, imported by the routes and by the CLI.
 */
import { z } from "@hono/zod-openapi";
import { MAX_OAUTH_ENDPOINT_LENGTH } from "../lib/http/oauth-endpoint.ts";
import { Timestamp } from "../lib/openapi.ts";
import { MAX_OAUTH_SCOPES, OAuthScope } from "../services/oauth-auth.contract.ts";
import { PROVIDER_IDS } from "./provider-catalog.contract.ts";

/** Where every provider sends the person back; an OAuth client registers exactly this (after PUBLIC_ORIGIN). */
export const OAUTH_CALLBACK_PATH = "/oauth/callback";
/** How long a connect may take, from "Connect" to the callback. */
export const CONNECT_TTL_MS = 15 * 60 * 1000;
export const MAX_CLIENT_SECRET_LENGTH = 1024;

/** The console page a person opens to go to the provider (the CLI prints it). */
export const connectPagePath = (vault: string, id: string) => `/vaults/${encodeURIComponent(vault)}/oauth/${encodeURIComponent(id)}`;

const Endpoint = z.string().min(1).max(MAX_OAUTH_ENDPOINT_LENGTH);

export const CreateConnectionBody = z
  .object({
    /** A template's id; absent: the template whose token endpoint the service names, else `authorization_endpoint` or `discovery_url`. */
    provider: z.enum(PROVIDER_IDS).optional(),
    /** A custom provider's authorization endpoint (https, a public host). */
    authorization_endpoint: Endpoint.optional(),
    /** A custom provider's OpenID Connect discovery URL (its issuer's `/.well-known/openid-configuration`, or the issuer). */
    discovery_url: Endpoint.optional(),
    /** Scopes to ask for; absent: the service's, else the template's defaults. */
    scopes: z.array(OAuthScope).max(MAX_OAUTH_SCOPES).optional(),
    /** The client secret, when the vault does not hold it yet: stored as the service's `client_secret_key` once connected. */
    client_secret: z.string().min(1).max(MAX_CLIENT_SECRET_LENGTH).optional(),
  })
  .strict()
  .refine((b) => [b.provider, b.authorization_endpoint, b.discovery_url].filter(Boolean).length <= 1, {
    message: "name one of provider, authorization_endpoint and discovery_url",
  })
  .openapi("CreateOAuthConnection");
export type CreateConnectionBody = z.output<typeof CreateConnectionBody>;

export const CONNECTION_STATES = ["pending", "authorizing", "connected", "failed", "expired"] as const;

export const ConnectionView = z
  .object({
    id: z.string(),
    vault: z.string(),
    service: z.string(),
    provider: z.object({ id: z.string(), name: z.string(), authorization_host: z.string() }),
    scopes: z.array(z.string()),
    /** pending → authorizing (a person went to the provider) → connected | failed; expired when nobody finished in time. */
    status: z.enum(CONNECTION_STATES),
    /** Why it failed: the provider's OAuth error code or the edge's (`state_mismatch`, `no_refresh_token`…). */
    error: z.string().nullable(),
    /** The console page to open (signed in as a vault admin) to go to the provider. */
    connect_url: z.string(),
    /** Where the provider must send the person back: the OAuth client registers exactly this. */
    redirect_uri: z.string(),
    /** Whether this connect also stores a client secret typed for it. */
    stores_client_secret: z.boolean(),
    /** Whether the vault holds the service's client secret already (else one must be typed before going). */
    client_secret_stored: z.boolean(),
    created_at: Timestamp,
    expires_at: Timestamp,
    finished_at: Timestamp.nullable(),
  })
  .openapi("OAuthConnection");
export type ConnectionView = z.output<typeof ConnectionView>;
