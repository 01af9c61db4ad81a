/**
 * A service as the console's form sends it, turned into the services API's own input
 * (CreateServiceBody): plain fields, one set of auth fields per auth type (no script shows or
 * hides them, so the chosen type decides which are read), custom headers one `Name: template`
 * per line. Auth fields name credential keys, never values. The per-request rules: methods as
 * checkboxes (none checked: any method), substitutions one `KEY placeholder [surfaces]` per line,
 * redaction a checkbox that is on unless unticked.
 */
import { AUTH_TYPES, CreateServiceBody, type ServiceAuth } from "../services.contract.ts";
import { DEFAULT_SUBSTITUTION_SURFACES, type Substitution } from "../request-rules.contract.ts";
import type { ServiceInput } from "../services.actions.ts";
import type { ServiceView } from "../services.contract.ts";
import type { FormFields } from "../../console/page-forms.ts";
import { templateById } from "../../oauth/provider-catalog.contract.ts";

/** The form's fields as typed, to fill it again. */
export type ServiceDraft = {
  name?: string;
  host?: string;
  upstream?: string;
  description?: string;
  authType?: string;
  bearerToken?: string;
  basicUsername?: string;
  basicPassword?: string;
  apiKey?: string;
  apiKeyHeader?: string;
  apiKeyPrefix?: string;
  customHeaders?: string;
  /** oauth: a catalog provider (its token endpoint when none is typed), the client, the keys, the grant's parameters. */
  oauthProvider?: string;
  oauthClientId?: string;
  oauthSecretKey?: string;
  oauthRefreshKey?: string;
  oauthTokenEndpoint?: string;
  oauthScopes?: string;
  oauthTokenAuth?: string;
  oauthAudience?: string;
  enabled: boolean;
  /** Per-request approval: unchecked by default; the timeout as typed (blank: the default). */
  requireApproval?: boolean;
  approvalTimeout?: string;
  /** Ticked methods; none: any method. */
  methods?: string[];
  /** `KEY placeholder [path,query,header]`, one per line. */
  substitutions?: string;
  /** True when "redact" was unticked (absent: on, the default). */
  redactOff?: boolean;
};

export function serviceDraftOf(form: FormFields): ServiceDraft {
  return {
    name: form.one("name"),
    host: form.one("host"),
    upstream: form.one("upstream"),
    description: form.one("description"),
    authType: form.one("auth_type"),
    bearerToken: form.one("bearer_token"),
    basicUsername: form.one("basic_username"),
    basicPassword: form.one("basic_password"),
    apiKey: form.one("apikey_key"),
    apiKeyHeader: form.one("apikey_header"),
    apiKeyPrefix: form.one("apikey_prefix"),
    customHeaders: form.one("custom_headers"),
    oauthProvider: form.one("oauth_provider"),
    oauthClientId: form.one("oauth_client_id"),
    oauthSecretKey: form.one("oauth_secret_key"),
    oauthRefreshKey: form.one("oauth_refresh_key"),
    oauthTokenEndpoint: form.one("oauth_token_endpoint"),
    oauthScopes: form.one("oauth_scopes"),
    oauthTokenAuth: form.one("oauth_token_auth"),
    oauthAudience: form.one("oauth_audience"),
    enabled: form.one("enabled") === "on",
    requireApproval: form.one("require_approval") === "on",
    approvalTimeout: form.one("approval_timeout_seconds"),
    methods: form.all("methods"),
    substitutions: form.one("substitutions"),
    redactOff: form.one("redact_response") !== "on",
  };
}

/** The form of an existing service, for its edit page. */
export function serviceDraftFrom(
  service: Pick<
    ServiceView,
    | "name"
    | "host"
    | "upstream"
    | "description"
    | "auth"
    | "enabled"
    | "require_approval"
    | "approval_timeout_seconds"
    | "methods"
    | "substitutions"
    | "redact_response"
  >,
): ServiceDraft {
  const auth: ServiceAuth = service.auth;
  return {
    name: service.name,
    host: service.host,
    upstream: service.upstream ?? undefined,
    description: service.description ?? undefined,
    authType: auth.type,
    bearerToken: auth.type === "bearer" ? auth.token : undefined,
    basicUsername: auth.type === "basic" ? auth.username : undefined,
    basicPassword: auth.type === "basic" ? auth.password : undefined,
    apiKey: auth.type === "api-key" ? auth.key : undefined,
    apiKeyHeader: auth.type === "api-key" ? auth.header : undefined,
    apiKeyPrefix: auth.type === "api-key" ? auth.prefix : undefined,
    customHeaders:
      auth.type === "custom"
        ? Object.entries(auth.headers)
            .map(([name, template]) => `${name}: ${template}`)
            .join("\n")
        : undefined,
    oauthClientId: auth.type === "oauth" ? auth.client_id : undefined,
    oauthSecretKey: auth.type === "oauth" ? auth.client_secret_key : undefined,
    oauthRefreshKey: auth.type === "oauth" ? auth.refresh_token_key : undefined,
    oauthTokenEndpoint: auth.type === "oauth" ? auth.token_endpoint : undefined,
    oauthScopes: auth.type === "oauth" ? (auth.scopes ?? []).join(" ") : undefined,
    oauthTokenAuth: auth.type === "oauth" ? auth.token_auth : undefined,
    oauthAudience: auth.type === "oauth" ? auth.audience : undefined,
    enabled: service.enabled,
    requireApproval: service.require_approval,
    approvalTimeout: String(service.approval_timeout_seconds),
    methods: service.methods ?? [],
    substitutions: service.substitutions.map(substitutionLine).join("\n"),
    redactOff: !service.redact_response,
  };
}

/** `TW_SID __sid__ path`: a substitution as its line of the form (the surfaces left out when they are the default). */
function substitutionLine(s: Pick<Substitution, "key" | "placeholder" | "in">): string {
  const isDefault = s.in.length === DEFAULT_SUBSTITUTION_SURFACES.length && s.in.every((surface) => DEFAULT_SUBSTITUTION_SURFACES.includes(surface));
  return `${s.key} ${s.placeholder}${isDefault ? "" : ` ${s.in.join(",")}`}`;
}

/** The form's substitution lines as the API writes them; a malformed line becomes what the schema refuses, with its message. */
function substitutionsOf(text: string | undefined): unknown[] {
  return (text ?? "")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => {
      const [key, placeholder, surfaces, ...extra] = line.split(/\s+/);
      return { key, placeholder, ...(surfaces ? { in: surfaces.split(",").filter(Boolean) } : {}), ...(extra.length ? { extra: extra.join(" ") } : {}) };
    });
}

function authOf(draft: ServiceDraft): unknown {
  switch (draft.authType) {
    case "bearer":
      return { type: "bearer", token: draft.bearerToken };
    case "basic":
      return { type: "basic", username: draft.basicUsername, ...(draft.basicPassword ? { password: draft.basicPassword } : {}) };
    case "api-key":
      return {
        type: "api-key",
        key: draft.apiKey,
        ...(draft.apiKeyHeader ? { header: draft.apiKeyHeader } : {}),
        ...(draft.apiKeyPrefix !== undefined ? { prefix: draft.apiKeyPrefix } : {}),
      };
    case "custom": {
      const headers: Record<string, string> = {};
      for (const line of (draft.customHeaders ?? "").split(/\r?\n/)) {
        if (line.trim() === "") continue;
        const colon = line.indexOf(":");
        // A line without a colon becomes a header name the schema refuses, with its message.
        headers[(colon === -1 ? line : line.slice(0, colon)).trim()] = colon === -1 ? "" : line.slice(colon + 1).trim();
      }
      return { type: "custom", headers };
    }
    case "oauth": {
      const template = draft.oauthProvider ? templateById(draft.oauthProvider) : undefined;
      const scopes = (draft.oauthScopes ?? "").split(/\s+/).filter(Boolean);
      return {
        type: "oauth",
        client_id: draft.oauthClientId,
        client_secret_key: draft.oauthSecretKey,
        ...(draft.oauthRefreshKey ? { refresh_token_key: draft.oauthRefreshKey } : { grant: "client_credentials" }),
        token_endpoint: draft.oauthTokenEndpoint || template?.token_endpoint,
        ...(scopes.length ? { scopes } : {}),
        ...(draft.oauthTokenAuth ? { token_auth: draft.oauthTokenAuth } : {}),
        ...(draft.oauthAudience ? { audience: draft.oauthAudience } : {}),
      };
    }
    default:
      return { type: draft.authType ?? "passthrough" };
  }
}

/** The API's input for this form, or the schema's complaints in words. */
export function parseServiceDraft(draft: ServiceDraft): { ok: true; value: ServiceInput } | { ok: false; message: string } {
  if (draft.authType !== undefined && !(AUTH_TYPES as readonly string[]).includes(draft.authType)) return { ok: false, message: "Choose an auth type" };
  const parsed = CreateServiceBody.safeParse({
    name: draft.name,
    host: draft.host,
    upstream: draft.upstream ?? null,
    description: draft.description ?? null,
    auth: authOf(draft),
    enabled: draft.enabled,
    require_approval: draft.requireApproval ?? false,
    // Blank is the default; anything else must be a whole number of seconds (the schema says which).
    ...(draft.approvalTimeout?.trim() ? { approval_timeout_seconds: Number(draft.approvalTimeout.trim()) } : {}),
    substitutions: substitutionsOf(draft.substitutions),
    methods: draft.methods?.length ? draft.methods : null,
    redact_response: !draft.redactOff,
  });
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, message: `Check the service: ${parsed.error.issues.map((i) => `${i.path.join(".") || "form"}: ${i.message}`).join("; ")}` };
}
