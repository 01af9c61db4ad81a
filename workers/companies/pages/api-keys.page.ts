/**
 * The company's API keys (owners only): label, the token's public prefix, when made and last
 * used; create one (its token shown once, on the page that creates it) or revoke one.
 */
import { html, layout, type Markup } from "../../console/layout.ts";
import type { Frame } from "../../console/nav.ts";
import { csrfField, type Flash, flashNotice, whenIso } from "../../console/page-parts.ts";

export type ApiKeyRowView = { id: string; label: string; prefix: string; created_at: string; last_used_at: string | null };

export function apiKeysPage(model: { frame: Frame; keys: ApiKeyRowView[]; flash?: Flash }): Markup {
  const body = html`<h1>API keys</h1>
${flashNotice(model.flash)}
<form method="post" action="/api-keys" class="card" aria-labelledby="new-key">
  <h2 id="new-key">Create a key</h2>
  ${csrfField(model.frame)}
  <label for="label">Label</label>
  <input id="label" name="label" type="text" required maxlength="100" autocomplete="off" aria-describedby="label-hint">
  <p class="hint" id="label-hint">What it is for, like "CI deploys". A key acts as a company owner: keep it where only that job can read it.</p>
  <div class="actions"><button type="submit" class="primary">Create the key</button></div>
</form>
${
  model.keys.length
    ? html`<div class="table-wrap"><table>
  <thead><tr><th scope="col">Label</th><th scope="col">Starts with</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span class="meta">Action</span></th></tr></thead>
  <tbody>${model.keys.map(
    (k) => html`<tr><td>${k.label}</td><td><code>${k.prefix}…</code></td><td>${whenIso(k.created_at)}</td><td>${whenIso(k.last_used_at)}</td>
    <td><form method="post" action="/api-keys/${k.id}/revoke" class="inline">${csrfField(model.frame)}<button type="submit" class="danger">Revoke…</button></form></td></tr>`,
  )}</tbody>
</table></div>`
    : html`<p class="meta">No active key.</p>`
}`;
  return layout("API keys", body, { ...model.frame, wide: true });
}
