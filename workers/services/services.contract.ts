/**
 * Services' contract: a vault's services (which hosts the proxy forwards and how each gets its
 * credential), the auth config they and proposals carry, and the limits. Zod schemas and
 * constants only, imported by the routes, by the proxy's auth injection and by the CLI.
 */
import { z } from "@hono/zod-openapi";
import { CREDENTIAL_KEY_PATTERN, CredentialKey } from "../credentials/credentials.contract.ts";
import { isInjectableHeaderName } from "../lib/http/forward-headers.ts";
import { CREDENTIAL_PLACEHOLDER, HEADER_TEXT_PATTERN, placeholderKeys } from "../lib/http/header-template.ts";
import { ResourceName, Timestamp } from "../lib/openapi.ts";
import { OAuthAuthSchema } from "./oauth-auth.contract.ts";
import {
  ApprovalTimeoutSchema,
  DEFAULT_APPROVAL_TIMEOUT_SECONDS,
  MAX_APPROVAL_TIMEOUT_SECONDS,
  MethodsSchema,
  PROXIED_METHODS,
  RedactResponseSchema,
  RequireApprovalSchema,
  SUBSTITUTION_SURFACES,
  SubstitutionsSchema,
} from "./request-rules.contract.ts";

/** The auth types a service can have; the proxy's `proposal_hint` lists them for agents. */
export const AUTH_TYPES = ["bearer", "basic", "api-key", "custom", "passthrough", "oauth"] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export const MAX_CUSTOM_HEADERS = 20;
export const MAX_TEMPLATE_LENGTH = 4096;
export const MAX_HEADER_NAME_LENGTH = 128;
/** The longest api-key `prefix`. */
export const MAX_HEADER_PREFIX_LENGTH = 256;
export const HEADER_NAME_PATTERN = /^[A-Za-z0-9-]+$/;
export { CREDENTIAL_PLACEHOLDER, HEADER_TEXT_PATTERN, placeholderKeys };

export const MAX_HOST_PATTERN_LENGTH = 512;
export const MAX_UPSTREAM_LENGTH = 2048;
export const MAX_SERVICE_DESCRIPTION_LENGTH = 500;

/** Per-request approval's wait (request-rules.contract.ts), for the pages and the CLI. */
export { DEFAULT_APPROVAL_TIMEOUT_SECONDS, MAX_APPROVAL_TIMEOUT_SECONDS };

const HeaderName = z
  .string()
  .min(1)
  .max(MAX_HEADER_NAME_LENGTH)
  .regex(HEADER_NAME_PATTERN, "header names use letters, digits and hyphens")
  .refine(isInjectableHeaderName, "this header is set by the proxy itself and cannot be injected");

const HeaderText = z.string().max(MAX_HEADER_PREFIX_LENGTH).regex(HEADER_TEXT_PATTERN, "visible ASCII only: no line breaks or control characters");

/** Why a template is unusable, or null. */
function templateProblem(template: string): string | null {
  for (const key of placeholderKeys(template)) {
    if (!CREDENTIAL_KEY_PATTERN.test(key)) return `"{{ ${key} }}" is not a credential key (UPPER_SNAKE_CASE, like {{ API_KEY }})`;
  }
  const literal = template.replace(CREDENTIAL_PLACEHOLDER, "");
  if (literal.includes("{{") || literal.includes("}}")) return "unbalanced '{{' or '}}': write placeholders as {{ KEY }}";
  if (!HEADER_TEXT_PATTERN.test(literal)) return "visible ASCII only: no line breaks or control characters";
  return null;
}

/** A header value template: literal text with `{{ KEY }}` placeholders. */
const Template = z
  .string()
  .max(MAX_TEMPLATE_LENGTH)
  .superRefine((template, ctx) => {
    const problem = templateProblem(template);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** Auth config of a service, as stored and as accepted by the services API and proposals. */
export const ServiceAuthSchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("bearer"), token: CredentialKey }).strict(),
    z.object({ type: z.literal("basic"), username: CredentialKey, password: CredentialKey.optional() }).strict(),
    z
      .object({
        type: z.literal("api-key"),
        key: CredentialKey,
        header: HeaderName.default("Authorization"),
        prefix: HeaderText.optional(),
      })
      .strict(),
    z
      .object({
        type: z.literal("custom"),
        headers: z.record(HeaderName, Template).superRefine((headers, ctx) => {
          const names = Object.keys(headers).map((name) => name.toLowerCase());
          if (names.length === 0) ctx.addIssue({ code: "custom", message: "custom auth needs at least one header" });
          if (names.length > MAX_CUSTOM_HEADERS) ctx.addIssue({ code: "custom", message: `at most ${MAX_CUSTOM_HEADERS} headers` });
          if (new Set(names).size !== names.length) ctx.addIssue({ code: "custom", message: "header names must differ ignoring case" });
        }),
      })
      .strict(),
    z.object({ type: z.literal("passthrough") }).strict(),
    OAuthAuthSchema,
  ])
  .openapi("ServiceAuth", {
    example: { type: "bearer", token: "STRIPE_KEY" },
    description: "How the credential is attached. Fields name credential keys (UPPER_SNAKE_CASE), never values.",
  });

/** A service's auth as stored and sent back (api-key `header` filled in). */
export type ServiceAuth = z.output<typeof ServiceAuthSchema>;
/** A service's auth as a client writes it (api-key `header` may be left out). */
export type ServiceAuthInput = z.input<typeof ServiceAuthSchema>;

const HostPattern = z.string().max(MAX_HOST_PATTERN_LENGTH).openapi({
  example: "api.stripe.com",
  description: "Exact host, `*.example.com` (one label), `host:port`, or a path prefix `host/api/*`. No IP literals or internal names.",
});
const Upstream = z.string().max(MAX_UPSTREAM_LENGTH).openapi({
  example: "https://eu.api.example.com",
  description: "Optional origin to forward to instead of the requested host: `https://host[:port]`, nothing after it.",
});
const Description = z.string().max(MAX_SERVICE_DESCRIPTION_LENGTH).openapi({ description: "Shown to agents by /discover" });

export const ServiceView = z
  .object({
    id: z.string(),
    name: z.string(),
    host: z.string().openapi({ example: "slack.com/api/*" }),
    upstream: z.string().nullable(),
    description: z.string().nullable(),
    auth: ServiceAuthSchema,
    enabled: z.boolean(),
    position: z.number().int(),
    credential_keys: z.array(z.string()).openapi({ description: "Credential keys the auth and the substitutions reference (they need not exist yet)" }),
    substitutions: z.array(z.object({ key: z.string(), placeholder: z.string(), in: z.array(z.enum(SUBSTITUTION_SURFACES)) })),
    methods: z.array(z.enum(PROXIED_METHODS)).nullable().openapi({ description: "The only methods forwarded; null: every method" }),
    redact_response: z.boolean(),
    require_approval: z.boolean(),
    approval_timeout_seconds: z.number().int(),
    created_at: Timestamp,
    updated_at: Timestamp.nullable(),
  })
  .openapi("Service");
export type ServiceView = z.output<typeof ServiceView>;

export const VaultParams = z.object({ vault: ResourceName });
export const ServiceParams = z.object({ vault: ResourceName, name: ResourceName });

export const CreateServiceBody = z
  .object({
    name: ResourceName,
    host: HostPattern,
    upstream: Upstream.nullable().optional(),
    description: Description.nullable().optional(),
    auth: ServiceAuthSchema,
    enabled: z.boolean().default(true),
    substitutions: SubstitutionsSchema.default([]),
    methods: MethodsSchema.nullable().default(null),
    redact_response: RedactResponseSchema.default(true),
    require_approval: RequireApprovalSchema.default(false),
    approval_timeout_seconds: ApprovalTimeoutSchema.default(DEFAULT_APPROVAL_TIMEOUT_SECONDS),
  })
  .strict();

export const UpdateServiceBody = z
  .object({
    name: ResourceName.optional(),
    host: HostPattern.optional(),
    upstream: Upstream.nullable().optional(),
    description: Description.nullable().optional(),
    auth: ServiceAuthSchema.optional(),
    enabled: z.boolean().optional(),
    substitutions: SubstitutionsSchema.optional(),
    methods: MethodsSchema.nullable().optional(),
    redact_response: RedactResponseSchema.optional(),
    require_approval: RequireApprovalSchema.optional(),
    approval_timeout_seconds: ApprovalTimeoutSchema.optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, "send at least one field to change");

export const ServiceList = z.object({ services: z.array(ServiceView) });
export const OneService = z.object({ service: ServiceView });
export const ServiceDeleted = z.object({ deleted: z.string() });
