/**
 * Company single sign-on's contract: a company's OpenID Connect provider (issuer, client, how the
 * people it signs in are provisioned, whether passwords still work), as an owner sets it and as
 * anyone of the owners reads it back (never the client secret). Zod schemas and constants only,
 * imported by the routes and by the CLI.
 */
import { z } from "@hono/zod-openapi";
import { CompanyRole } from "../companies/companies.contract.ts";
import { Timestamp } from "../lib/openapi.ts";

/** Where every company's provider sends people back; a provider's client registers exactly this (after PUBLIC_ORIGIN). */
export const SSO_CALLBACK_PATH = "/sign-in/sso/callback";
/** Where a sign-in through a provider starts (`?company=<id>` or `?email=<address>`). */
export const SSO_START_PATH = "/sign-in/sso";
/** Always asked for: an ID token, and the claims that name the person. */
export const BASE_SSO_SCOPES = ["openid", "email", "profile"] as const;
export const TOKEN_AUTH_METHODS = ["client_secret_basic", "client_secret_post"] as const;
export const DEFAULT_GROUPS_CLAIM = "groups";

export const MAX_SSO_DOMAINS = 20;
export const MAX_GROUP_ROLES = 50;
export const MAX_EXTRA_SCOPES = 10;
/** A client secret is a provider's random string; Entra's are 40 characters, Okta's 64. */
export const MAX_CLIENT_SECRET_LENGTH = 512;

/** An e-mail domain as typed after the `@` (lower-cased): `acme.example`. */
export const SsoDomain = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/, "must be a domain such as acme.example");

/** A scope token (RFC 6749 §3.3): printable ASCII without spaces, quotes or backslashes. */
const Scope = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, "must be one scope token (no spaces)");

const GroupName = z.string().min(1).max(256);

export const SetSsoBody = z
  .object({
    issuer: z.string().trim().url().max(500).openapi({
      description: "The provider's issuer: its discovery document is at <issuer>/.well-known/openid-configuration",
      example: "https://login.acme.example",
    }),
    client_id: z.string().trim().min(1).max(500),
    client_secret: z
      .string()
      .min(1)
      .max(MAX_CLIENT_SECRET_LENGTH)
      .optional()
      .openapi({ description: "Needed the first time and whenever the issuer or client id changes; kept otherwise. Sealed at rest, never shown again." }),
    token_auth: z.enum(TOKEN_AUTH_METHODS).default("client_secret_basic"),
    scopes: z
      .array(Scope)
      .max(MAX_EXTRA_SCOPES)
      .default([])
      .openapi({ description: "Scopes besides `openid email profile` (e.g. `groups` for a provider that sends groups only when asked)" }),
    domains: z
      .array(SsoDomain)
      .max(MAX_SSO_DOMAINS)
      .default([])
      .openapi({ description: "E-mail domains whose sign-ins go to this provider; when set, the provider signs in addresses of these domains only" }),
    password_sign_in: z
      .boolean()
      .default(true)
      .openapi({ description: "false: people sign in through the provider only; the company must hold an API key (the owners' way back)" }),
    groups_claim: z.string().min(1).max(100).default(DEFAULT_GROUPS_CLAIM),
    group_roles: z
      .record(GroupName, CompanyRole)
      .default({})
      .refine((roles) => Object.keys(roles).length <= MAX_GROUP_ROLES, `at most ${MAX_GROUP_ROLES} groups`)
      .openapi({ description: "Group → company role for a person the provider signs in for the first time (owner wins); anyone else starts as a member" }),
  })
  .strict();

export const SsoView = z
  .object({
    issuer: z.string(),
    client_id: z.string(),
    client_secret: z.literal("set").openapi({ description: "The secret is stored sealed and never shown" }),
    token_auth: z.enum(TOKEN_AUTH_METHODS),
    scopes: z.array(z.string()),
    domains: z.array(z.string()),
    password_sign_in: z.boolean(),
    groups_claim: z.string(),
    group_roles: z.record(z.string(), CompanyRole),
    updated_at: Timestamp,
  })
  .openapi("CompanySso");

/** The company's provider, or null; with the redirect URI its client must register and the sign-in link to hand out. */
export const SsoSettings = z
  .object({
    sso: SsoView.nullable(),
    redirect_uri: z.string().openapi({ description: "Register this as the client's redirect URI at the provider" }),
    sign_in_url: z.string().openapi({ description: "A link that starts a sign-in through the company's provider" }),
  })
  .openapi("CompanySsoSettings");

export const SsoRemoved = z.object({ removed: z.literal(true) });
