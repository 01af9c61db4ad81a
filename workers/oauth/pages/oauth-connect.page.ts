/**
 * Connecting an account: the page a vault admin sees before going to the provider (which
 * provider, which account's service, which scopes, the redirect URI its client must register, and
 * a field for the client secret when the vault holds none yet), and the page the callback ends on.
 */
import { html, layout, type Markup } from "../../console/layout.ts";
import type { Frame } from "../../console/nav.ts";
import { csrfField, type Flash, flashNotice, whenIso } from "../../console/page-parts.ts";
import type { ConnectionView } from "../oauth-connect.contract.ts";

const STATUS_WORDS: Record<ConnectionView["status"], string> = {
  pending: "not started",
  authorizing: "waiting for the provider",
  connected: "connected",
  failed: "failed",
  expired: "expired",
};

export function connectPage(model: { frame: Frame; connection: ConnectionView; flash?: Flash }): Markup {
  const c = model.connection;
  const open = c.status === "pending" || c.status === "authorizing";
  const base = `/vaults/${encodeURIComponent(c.vault)}`;
  const body = html`<h1>Connect ${c.provider.name}</h1>
${flashNotice(model.flash)}
<section class="card" aria-labelledby="connect-what">
  <h2 id="connect-what">What you are about to grant</h2>
  <dl class="facts">
    <dt>Service</dt><dd><a href="${base}/services/${encodeURIComponent(c.service)}">${c.service}</a> in vault <a href="${base}">${c.vault}</a></dd>
    <dt>Provider</dt><dd>${c.provider.name} (you go to <code>${c.provider.authorization_host}</code>)</dd>
    <dt>Scopes</dt><dd>${c.scopes.length ? html`<ul class="scopes">${c.scopes.map((s) => html`<li><code>${s}</code></li>`)}</ul>` : "the provider's defaults"}</dd>
    <dt>Status</dt><dd>${STATUS_WORDS[c.status]}${c.error ? html` (<code>${c.error}</code>)` : ""}</dd>
    <dt>Until</dt><dd>${whenIso(c.expires_at)}</dd>
  </dl>
  <p class="hint">The provider sends you back to <code>${c.redirect_uri}</code>: its OAuth client must list exactly that redirect URI. The refresh token it hands out is stored as a credential of the vault that nobody sees, not even you.</p>
</section>
${
  open
    ? html`<form method="post" action="${base}/oauth/${encodeURIComponent(c.id)}" class="card">
  ${csrfField(model.frame)}
  ${
    c.client_secret_stored || c.stores_client_secret
      ? html`<p>The vault holds the client's secret already${c.stores_client_secret ? " (typed for this connect)" : ""}.</p>`
      : html`<label for="client_secret">Client secret (the vault holds none yet; stored with the refresh token, never shown again)</label>
  <input id="client_secret" name="client_secret" type="password" autocomplete="off" maxlength="1024" required>`
  }
  <div class="actions"><button type="submit" class="primary">Continue to ${c.provider.name}</button></div>
</form>`
    : html`<p><a href="${base}">Back to the vault</a>: connect again from its services.</p>`
}`;
  return layout(`Connect ${c.provider.name}`, body, model.frame);
}

/**
 * The last step before leaving: the state is bound to this session and browser now, and the link
 * goes to the provider (a link, not a redirect: the console's CSP keeps its forms on the edge).
 */
export function goToProviderPage(model: { frame: Frame; connection: ConnectionView; url: string }): Markup {
  const c = model.connection;
  const body = html`<h1>Connect ${c.provider.name}</h1>
<section class="card" aria-labelledby="go">
  <h2 id="go">Ready</h2>
  <p>You go to <code>${c.provider.authorization_host}</code> to grant service <strong>${c.service}</strong> of vault <strong>${c.vault}</strong>: ${
    c.scopes.length ? c.scopes.map((s, i) => html`${i ? ", " : ""}<code>${s}</code>`) : "the provider's default scopes"
  }. It sends you back here when you are done.</p>
  <div class="actions"><a class="button primary" id="go-to-provider" href="${model.url}">Go to ${c.provider.name}</a></div>
</section>`;
  return layout(`Connect ${c.provider.name}`, body, model.frame);
}

/** Where the callback ends: connected, or why not. */
export function connectedPage(model: {
  frame?: Frame;
  outcome: { ok: true; vault: string; service: string; provider: string } | { ok: false; message: string };
}): Markup {
  const o = model.outcome;
  const body = o.ok
    ? html`<h1>${o.provider} connected</h1>
<p class="notice ok" role="status">The account is connected: agents of vault <a href="/vaults/${encodeURIComponent(o.vault)}">${o.vault}</a> now reach service <strong>${o.service}</strong> with its access token. You can close this page.</p>`
    : html`<h1>Not connected</h1>
<p class="notice error" role="alert">${o.message}</p>
<p><a href="/vaults">Back to the vaults</a></p>`;
  return layout(o.ok ? "Connected" : "Not connected", body, model.frame ?? {});
}
