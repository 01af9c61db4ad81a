/**
 * The company's single sign-on (owners only, as GET /v1/company/sso): the redirect URI to
 * register at the provider, the provider as set (never its client secret), a form to set it and
 * a way to remove it. The secret field is always empty: left empty, the stored secret is kept.
 */
import { html, layout, type Markup, raw } from "../../console/layout.ts";
import type { Frame } from "../../console/nav.ts";
import { csrfField, type Flash, flashNotice, whenIso } from "../../console/page-parts.ts";

export type SsoSettingsView = {
  sso: {
    issuer: string;
    client_id: string;
    token_auth: string;
    scopes: string[];
    domains: string[];
    password_sign_in: boolean;
    groups_claim: string;
    group_roles: Record<string, string>;
    updated_at: string;
  } | null;
  redirect_uri: string;
  sign_in_url: string;
};

/** What the form was sent with, to show again after a refusal (never the secret). */
export type SsoDraft = {
  issuer?: string;
  client_id?: string;
  token_auth?: string;
  scopes?: string;
  domains?: string;
  password_sign_in?: boolean;
  groups_claim?: string;
  group_roles?: string;
};

const selected = (on: boolean) => (on ? raw(" selected") : "");
const checked = (on: boolean) => (on ? raw(" checked") : "");

export const groupRolesText = (roles: Record<string, string>) =>
  Object.entries(roles)
    .map(([group, role]) => `${group} = ${role}`)
    .join("\n");

export function ssoSettingsPage(model: { frame: Frame; settings: SsoSettingsView; draft?: SsoDraft; flash?: Flash }): Markup {
  const sso = model.settings.sso;
  const draft: SsoDraft = model.draft ?? {
    issuer: sso?.issuer,
    client_id: sso?.client_id,
    token_auth: sso?.token_auth,
    scopes: sso?.scopes.join(" "),
    domains: sso?.domains.join(", "),
    password_sign_in: sso?.password_sign_in ?? true,
    groups_claim: sso?.groups_claim,
    group_roles: sso ? groupRolesText(sso.group_roles) : "",
  };
  const body = html`<h1>Single sign-on</h1>
${flashNotice(model.flash)}
<section class="card" aria-labelledby="sso-now">
  <h2 id="sso-now">${sso ? "Your identity provider" : "No identity provider yet"}</h2>
  <p>Register this redirect URI with your provider's client (a web application, authorization code with PKCE):</p>
  <p><code>${model.settings.redirect_uri}</code></p>
  ${
    sso
      ? html`<dl class="facts">
    <dt>Issuer</dt><dd><code>${sso.issuer}</code></dd>
    <dt>Client</dt><dd><code>${sso.client_id}</code> <span class="meta">(secret stored, never shown)</span></dd>
    <dt>Domains</dt><dd>${sso.domains.length ? sso.domains.join(", ") : html`<span class="meta">none: people use the link below or the company's host</span>`}</dd>
    <dt>Password sign-in</dt><dd>${sso.password_sign_in ? "on" : "off: people sign in through the provider; an API key is the owners' way back"}</dd>
    <dt>Link to share</dt><dd><code>${model.settings.sign_in_url}</code></dd>
    <dt>Set</dt><dd>${whenIso(sso.updated_at)}</dd>
  </dl>
  <form method="post" action="/sso/delete" class="inline">${csrfField(model.frame)}<button type="submit" class="danger">Remove…</button></form>`
      : ""
  }
</section>
<form method="post" action="/sso" class="card" aria-labelledby="sso-set">
  <h2 id="sso-set">${sso ? "Change the provider" : "Set up a provider"}</h2>
  ${csrfField(model.frame)}
  <label for="issuer">Issuer</label>
  <input id="issuer" name="issuer" type="url" required maxlength="500" autocomplete="off" value="${draft.issuer ?? ""}" aria-describedby="issuer-hint">
  <p class="hint" id="issuer-hint">As your provider names it, e.g. <code>https://login.microsoftonline.com/&lt;tenant&gt;/v2.0</code>; its discovery document is read now.</p>
  <label for="client_id">Client ID</label>
  <input id="client_id" name="client_id" type="text" required maxlength="500" autocomplete="off" value="${draft.client_id ?? ""}">
  <label for="client_secret">Client secret</label>
  <input id="client_secret" name="client_secret" type="password" maxlength="512" autocomplete="new-password" aria-describedby="secret-hint">
  <p class="hint" id="secret-hint">${sso ? "Leave empty to keep the stored secret (a new issuer or client needs its own)." : "Stored sealed; never shown again."}</p>
  <label for="token_auth">How the client authenticates</label>
  <select id="token_auth" name="token_auth"><option value="client_secret_basic"${selected(draft.token_auth !== "client_secret_post")}>client_secret_basic (HTTP Basic)</option><option value="client_secret_post"${selected(draft.token_auth === "client_secret_post")}>client_secret_post (in the form)</option></select>
  <label for="domains">E-mail domains</label>
  <input id="domains" name="domains" type="text" maxlength="6000" autocomplete="off" value="${draft.domains ?? ""}" aria-describedby="domains-hint">
  <p class="hint" id="domains-hint">Separated by commas or spaces. A sign-in with an address of these domains goes to this provider, and the provider signs in addresses of these domains only. Anyone who types such an address sees your company's name.</p>
  <label for="scopes">Extra scopes</label>
  <input id="scopes" name="scopes" type="text" maxlength="1100" autocomplete="off" value="${draft.scopes ?? ""}" aria-describedby="scopes-hint">
  <p class="hint" id="scopes-hint">Besides <code>openid email profile</code>, e.g. <code>groups</code> for a provider that sends groups only when asked.</p>
  <label for="groups_claim">Groups claim</label>
  <input id="groups_claim" name="groups_claim" type="text" maxlength="100" autocomplete="off" value="${draft.groups_claim ?? "groups"}">
  <label for="group_roles">Group roles</label>
  <textarea id="group_roles" name="group_roles" rows="3" maxlength="8000" aria-describedby="group-roles-hint">${draft.group_roles ?? ""}</textarea>
  <p class="hint" id="group-roles-hint">One <code>group = owner</code> or <code>group = member</code> per line: the role of someone the provider signs in for the first time. Everyone else starts as a member.</p>
  <label class="check" for="password_sign_in"><input id="password_sign_in" name="password_sign_in" type="checkbox" value="on"${checked(draft.password_sign_in ?? true)}> People may still sign in with a password</label>
  <p class="hint">Turning this off needs an API key in the company: it is how an owner gets back in when the provider is down.</p>
  <div class="actions"><button type="submit" class="primary">Save</button></div>
</form>`;
  return layout("Single sign-on", body, model.frame);
}
