/**
 * A service's form (add and edit share it) and its own page: where requests for a host go and
 * which credential keys its auth attaches, with its edit, enable/disable and delete forms. Keys
 * only: a credential's value is never on a page.
 */
import { keysSentBy } from "../../lib/http/substitutions.ts";
import { PROXIED_METHODS, rulesInWords } from "../request-rules.contract.ts";
import { AUTH_TYPES, DEFAULT_APPROVAL_TIMEOUT_SECONDS, MAX_APPROVAL_TIMEOUT_SECONDS, type ServiceView } from "../services.contract.ts";
import { html, layout, type Markup, raw } from "../../console/layout.ts";
import type { Frame } from "../../console/nav.ts";
import { connectButton } from "../../oauth/pages/connect-button.ts";
import { PROVIDER_TEMPLATES } from "../../oauth/provider-catalog.contract.ts";
import { csrfField, type Flash, flashNotice, whenIso } from "../../console/page-parts.ts";
import type { ServiceDraft } from "./service-form.ts";

const AUTH_LABELS: Record<(typeof AUTH_TYPES)[number], string> = {
  bearer: "bearer: Authorization: Bearer <credential>",
  basic: "basic: HTTP basic auth from two credentials",
  "api-key": "api-key: one header carries the credential",
  custom: "custom: header templates with {{ KEY }} placeholders",
  passthrough: "passthrough: forward without a credential",
  oauth: "oauth: the edge obtains and refreshes an access token",
};

const selected = (on: boolean) => (on ? raw(" selected") : "");
const KEY_PATTERN = "[A-Z][A-Z0-9_]*";

/** The fields of a service, filled from `draft`; `p` keeps ids unique when two forms share a page. */
export function serviceFields(draft: ServiceDraft, p: string): Markup {
  const text = (name: string, label: string, value: string | undefined, extra: Markup = html``, hint?: string) =>
    html`<label for="${p}-${name}">${label}</label><input id="${p}-${name}" name="${name}" type="text" value="${value ?? ""}" autocomplete="off" spellcheck="false"${extra}${hint ? raw(` aria-describedby="${p}-${name}-hint"`) : ""}>${hint ? html`<p class="hint" id="${p}-${name}-hint">${hint}</p>` : ""}`;
  const key = (name: string, label: string, value: string | undefined) => text(name, label, value, raw(` pattern="${KEY_PATTERN}" maxlength="128"`));
  return html`${text("name", "Name", draft.name, raw(' required maxlength="64"'), "Lowercase letters, digits and hyphens.")}
${text("host", "Host", draft.host, raw(' required maxlength="512"'), "api.example.com, *.example.com (one label), host:port, or a path prefix host/api/*.")}
${text("upstream", "Upstream (optional)", draft.upstream, raw(' maxlength="2048"'), "Send the requests to this origin instead of the host, like https://eu.api.example.com.")}
<label for="${p}-description">Description (agents see it)</label><textarea id="${p}-description" name="description" maxlength="500">${draft.description ?? ""}</textarea>
<label for="${p}-auth">Auth</label>
<select id="${p}-auth" name="auth_type">${AUTH_TYPES.map((t) => html`<option value="${t}"${selected((draft.authType ?? "bearer") === t)}>${AUTH_LABELS[t]}</option>`)}</select>
<fieldset><legend>Credential keys for the auth chosen above</legend>
  <p class="hint">Name credentials by their key (UPPER_SNAKE_CASE); only the fields of the chosen auth are used. Values are set under Credentials.</p>
  ${key("bearer_token", "bearer: token key", draft.bearerToken)}
  ${key("basic_username", "basic: username key", draft.basicUsername)}
  ${key("basic_password", "basic: password key (optional)", draft.basicPassword)}
  ${key("apikey_key", "api-key: key", draft.apiKey)}
  ${text("apikey_header", "api-key: header (default Authorization)", draft.apiKeyHeader, raw(' maxlength="128"'))}
  ${text("apikey_prefix", "api-key: prefix (optional, e.g. Token )", draft.apiKeyPrefix, raw(' maxlength="256"'))}
  <label for="${p}-custom_headers">custom: headers, one per line</label>
  <textarea id="${p}-custom_headers" name="custom_headers" spellcheck="false" aria-describedby="${p}-custom-hint">${draft.customHeaders ?? ""}</textarea>
  <p class="hint" id="${p}-custom-hint">Like <code>X-Api-Key: {{ API_KEY }}</code>.</p>
  ${oauthFields(draft, p, text, key)}
</fieldset>
${ruleFields(draft, p)}
<label class="check"><input type="checkbox" name="enabled" id="${p}-enabled"${draft.enabled ? raw(" checked") : ""}> Enabled</label>`;
}

const checked = (on: boolean) => (on ? raw(" checked") : "");

type Field = (name: string, label: string, value: string | undefined, extra?: Markup, hint?: string) => Markup;

/** oauth: the edge obtains the access token (docs/oauth.md); a refresh token key means a person connects an account. */
function oauthFields(draft: ServiceDraft, p: string, text: Field, key: (name: string, label: string, value: string | undefined) => Markup): Markup {
  return html`<label for="${p}-oauth_provider">oauth: provider (its token endpoint, unless one is typed below)</label>
  <select id="${p}-oauth_provider" name="oauth_provider"><option value="">custom: the token endpoint below</option>${PROVIDER_TEMPLATES.map((t) => html`<option value="${t.id}"${selected(draft.oauthProvider === t.id)}>${t.name}</option>`)}</select>
  ${text("oauth_client_id", "oauth: client id", draft.oauthClientId, raw(' maxlength="512"'))}
  ${key("oauth_secret_key", "oauth: client secret key", draft.oauthSecretKey)}
  ${text("oauth_refresh_key", "oauth: refresh token key (blank: the client credentials grant)", draft.oauthRefreshKey, raw(` pattern="${KEY_PATTERN}" maxlength="128"`), "With one, a vault admin connects the account with Connect after saving.")}
  ${text("oauth_token_endpoint", "oauth: token endpoint (https)", draft.oauthTokenEndpoint, raw(' maxlength="2048"'))}
  ${text("oauth_scopes", "oauth: scopes, space-separated (optional)", draft.oauthScopes, raw(' maxlength="4096"'))}
  <label for="${p}-oauth_token_auth">oauth: client authentication</label>
  <select id="${p}-oauth_token_auth" name="oauth_token_auth"><option value="">client_secret_post (default)</option><option value="client_secret_basic"${selected(draft.oauthTokenAuth === "client_secret_basic")}>client_secret_basic</option></select>
  ${text("oauth_audience", "oauth: audience (client credentials only, optional)", draft.oauthAudience, raw(' maxlength="512"'))}`;
}

/** The per-request rules (request-rules.contract.ts): methods, substitutions, redaction, a person approving each call. */
function ruleFields(draft: ServiceDraft, p: string): Markup {
  return html`<fieldset class="checks"><legend>Methods forwarded (none ticked: any method)</legend>
  ${PROXIED_METHODS.map((m) => html`<label class="check"><input type="checkbox" name="methods" value="${m}"${checked(draft.methods?.includes(m) ?? false)}> ${m}</label>`)}
</fieldset>
<label for="${p}-substitutions">Substitutions, one per line</label>
<textarea id="${p}-substitutions" name="substitutions" spellcheck="false" aria-describedby="${p}-substitutions-hint">${draft.substitutions ?? ""}</textarea>
<p class="hint" id="${p}-substitutions-hint">Like <code>TW_SID __sid__ path</code>: the credential <code>TW_SID</code> goes where the request reads <code>__sid__</code>, in the path, query or header (comma-separated; default path,query). Placeholders have a <code>__</code> or one of <code>- . ~</code>.</p>
<label class="check"><input type="checkbox" name="redact_response" id="${p}-redact"${checked(!draft.redactOff)}> Redact credentials the upstream echoes back in responses</label>
<fieldset><legend>A person approves each call</legend>
  <label class="check"><input type="checkbox" name="require_approval" id="${p}-require_approval"${checked(draft.requireApproval ?? false)} aria-describedby="${p}-approval-hint"> Every call waits until a vault admin approves it</label>
  <p class="hint" id="${p}-approval-hint">The agent's request is held (no credential is read) and appears in the inbox; an admin approves or rejects it on its page.</p>
  <label for="${p}-approval_timeout_seconds">Seconds to wait for a person (1–${MAX_APPROVAL_TIMEOUT_SECONDS}, blank: ${DEFAULT_APPROVAL_TIMEOUT_SECONDS})</label>
  <input id="${p}-approval_timeout_seconds" name="approval_timeout_seconds" type="number" min="1" max="${MAX_APPROVAL_TIMEOUT_SECONDS}" step="1" value="${draft.approvalTimeout ?? ""}">
</fieldset>`;
}

export const authSummary = (service: Pick<ServiceView, "auth" | "substitutions">) => {
  const keys = keysSentBy(service);
  return html`${service.auth.type}${keys.length ? html` using ${keys.map((k, i) => html`${i ? ", " : ""}<code>${k}</code>`)}` : ""}`;
};

export type ServicePageModel = {
  frame: Frame;
  vault: string;
  service: ServiceView;
  mayEdit: boolean;
  mayDelete: boolean;
  draft: ServiceDraft;
  flash?: Flash;
};

export function servicePage(model: ServicePageModel): Markup {
  const s = model.service;
  const base = `/vaults/${model.vault}/services/${s.name}`;
  const body = html`<p><a href="/vaults/${model.vault}">← Vault ${model.vault}</a></p>
<h1>Service <code>${s.name}</code> <span class="badge ${s.enabled ? "enabled" : "disabled"}">${s.enabled ? "enabled" : "disabled"}</span></h1>
${flashNotice(model.flash)}
<section class="card" aria-labelledby="svc-facts">
  <h2 id="svc-facts">Where requests go</h2>
  <dl class="facts">
    <dt>Host</dt><dd><code>${s.host}</code></dd>
    <dt>Sent to</dt><dd>${s.upstream ? html`<code>${s.upstream}</code>` : html`the host itself, over https`}</dd>
    <dt>Auth</dt><dd>${authSummary(s)}${model.mayEdit ? html` ${connectButton(model.frame, model.vault, s)}` : ""}</dd>
    <dt>Rules</dt><dd><ul class="plain">${rulesInWords(s).map((rule) => html`<li>${rule}</li>`)}</ul></dd>
    ${s.description ? html`<dt>Description</dt><dd>${s.description}</dd>` : ""}
    <dt>Updated</dt><dd>${whenIso(s.updated_at ?? s.created_at)}</dd>
  </dl>
</section>
${
  model.mayEdit
    ? html`<form method="post" action="${base}" class="card" aria-labelledby="svc-toggle">
  <h2 id="svc-toggle">${s.enabled ? "Disable" : "Enable"}</h2>
  ${csrfField(model.frame)}<input type="hidden" name="intent" value="${s.enabled ? "disable" : "enable"}">
  <p class="hint">${s.enabled ? "Agents are refused this host (403 service_disabled) until you enable it again." : "Agents can reach this host again."}</p>
  <div class="actions"><button type="submit" class="${s.enabled ? "danger" : "primary"}">${s.enabled ? "Disable the service" : "Enable the service"}</button></div>
</form>
<form method="post" action="${base}" class="card" aria-labelledby="svc-edit">
  <h2 id="svc-edit">Edit</h2>
  ${csrfField(model.frame)}<input type="hidden" name="intent" value="edit">
  ${serviceFields(model.draft, "edit")}
  <div class="actions"><button type="submit" class="primary">Save the service</button></div>
</form>`
    : html`<p class="meta">Only a vault admin changes services.</p>`
}
${
  model.mayDelete
    ? html`<form method="post" action="${base}/delete" class="card" aria-labelledby="svc-delete">
  <h2 id="svc-delete">Delete</h2>
  ${csrfField(model.frame)}
  <p class="hint">Agents are refused this host from their next request. The credentials it uses stay in the vault. You confirm on the next page.</p>
  <div class="actions"><button type="submit" class="danger">Delete the service…</button></div>
</form>`
    : ""
}`;
  return layout(`Service ${s.name}`, body, { ...model.frame, current: "/vaults" });
}
