/**
 * The vaults a person has a role in, and one vault: its services, its credentials by name and
 * last change (a value is replaced by typing a new one, never shown), who holds which role, the
 * unmatched-host policy, the rate limit and webhooks; a new vault, and deleting one. Each section
 * is shown, and each form offered, only where the API operation behind it would let this person
 * through.
 */
import type { VaultRole } from "../../db/schema.ts";
import { WEBHOOK_EVENTS } from "../../webhooks/webhooks.contract.ts";
import type { ServiceView } from "../../services/services.contract.ts";
import { UNMATCHED_HOST_POLICIES } from "../vaults.contract.ts";
import { html, layout, type Markup, raw } from "../../console/layout.ts";
import type { Frame } from "../../console/nav.ts";
import { csrfField, type Flash, flashNotice, when } from "../../console/page-parts.ts";
import type { ServiceDraft } from "../../services/pages/service-form.ts";
import { authSummary, serviceFields } from "../../services/pages/service.page.ts";
import { connectButton } from "../../oauth/pages/connect-button.ts";
import { approvalInWords } from "../../services/request-rules.contract.ts";
import { releasesSection } from "../../requests/pages/held-requests.page.ts";
import type { RequestReleaseView } from "../../requests/requests.contract.ts";
import { membersSection } from "./vault-members.page.ts";

const selected = (on: boolean) => (on ? raw(" selected") : "");

export type VaultListModel = {
  frame: Frame;
  vaults: { name: string; role: VaultRole; policy: string; createdAt: number }[];
  mayCreate: boolean;
  draft?: { name?: string; policy?: string };
  flash?: Flash;
};

function createVaultForm(model: VaultListModel): Markup {
  if (!model.mayCreate) return html``;
  const draft = model.draft ?? {};
  return html`<form method="post" action="/vaults" class="card" aria-labelledby="new-vault">
  <h2 id="new-vault">New vault</h2>
  ${csrfField(model.frame)}
  <label for="vault-name">Name</label>
  <input id="vault-name" name="name" type="text" required maxlength="64" pattern="[a-z0-9][a-z0-9-]*" autocomplete="off" spellcheck="false" value="${draft.name ?? ""}" aria-describedby="vault-name-hint">
  <p class="hint" id="vault-name-hint">Lowercase letters, digits and hyphens, like <code>payments</code>. A member who creates a vault becomes its admin.</p>
  <label for="vault-policy">Unmatched-host policy</label>
  <select id="vault-policy" name="unmatched_host_policy">${UNMATCHED_HOST_POLICIES.map((p) => html`<option value="${p}"${selected((draft.policy ?? "passthrough") === p)}>${p}</option>`)}</select>
  <div class="actions"><button type="submit" class="primary">Create the vault</button></div>
</form>`;
}

export function vaultListPage(model: VaultListModel): Markup {
  const body = html`<h1>Vaults</h1>
${flashNotice(model.flash)}
${
  model.vaults.length
    ? html`<div class="table-wrap"><table>
  <thead><tr><th scope="col">Vault</th><th scope="col">Your role</th><th scope="col">Unmatched hosts</th><th scope="col">Created</th></tr></thead>
  <tbody>${model.vaults.map(
    (v) => html`<tr><td><a href="/vaults/${v.name}"><code>${v.name}</code></a></td><td>${v.role}</td><td>${v.policy}</td><td>${when(v.createdAt)}</td></tr>`,
  )}</tbody>
</table></div>`
    : html`<p class="notice info">You hold no role in any vault yet. An owner or a vault admin can give you one${model.mayCreate ? ", or create your own below" : ""}.</p>`
}
${createVaultForm(model)}`;
  return layout("Vaults", body, { ...model.frame, wide: true });
}

export type RateLimitView = { rate_per_second?: number; burst?: number; max_concurrent?: number } | null;

export type VaultPageModel = {
  frame: Frame;
  vault: { name: string; policy: string; rateLimit: RateLimitView; createdAt: number };
  role: VaultRole;
  services: ServiceView[];
  credentials: { key: string; updatedAt: number }[];
  /** Credential keys some service uses, offered when setting one. */
  knownKeys: string[];
  people?: { user_id: string; email: string; role: string }[];
  agents?: { agent: string; role: string; status: string }[];
  webhooks?: { id: string; url: string; events: string[]; createdAt: number }[];
  /** Time-boxed approvals still running (requests/pages/held-requests.page.ts), for those who may read them. */
  releases?: RequestReleaseView[];
  may: {
    settings: boolean;
    addService: boolean;
    editService: boolean;
    setCredential: boolean;
    webhooks: boolean;
    traffic: boolean;
    addPerson: boolean;
    movePeople: boolean;
    moveAgents: boolean;
    deleteVault: boolean;
    revokeRelease: boolean;
  };
  serviceDraft?: ServiceDraft;
  memberDraft?: { email?: string; role?: string };
  flash?: Flash;
};

function settingsSection(model: VaultPageModel): Markup {
  const v = model.vault;
  const limit = v.rateLimit;
  const facts = html`<dl class="facts">
    <dt>Unmatched hosts</dt><dd>${v.policy === "deny" ? "deny: the local proxy refuses hosts without a service" : "passthrough: the local proxy tunnels hosts without a service"}</dd>
    <dt>Rate limit</dt><dd>${
      limit
        ? [
            limit.rate_per_second !== undefined ? `${limit.rate_per_second} requests/s` : "",
            limit.burst !== undefined ? `burst ${limit.burst}` : "",
            limit.max_concurrent !== undefined ? `${limit.max_concurrent} at once` : "",
          ]
            .filter(Boolean)
            .join(", ") || "the defaults"
        : "the defaults"
    }</dd>
  </dl>`;
  const form = model.may.settings
    ? html`<form method="post" action="/vaults/${v.name}/settings">
  ${csrfField(model.frame)}
  <label for="policy">Unmatched-host policy</label>
  <select id="policy" name="unmatched_host_policy">${UNMATCHED_HOST_POLICIES.map((p) => html`<option value="${p}"${selected(v.policy === p)}>${p}</option>`)}</select>
  <fieldset><legend>Rate limit per agent (empty: the defaults)</legend>
    <label for="rps">Requests per second</label><input id="rps" name="rate_per_second" type="number" min="0.001" step="any" value="${limit?.rate_per_second ?? ""}">
    <label for="burst">Burst</label><input id="burst" name="burst" type="number" min="1" step="1" value="${limit?.burst ?? ""}">
    <label for="concurrent">At once</label><input id="concurrent" name="max_concurrent" type="number" min="1" step="1" value="${limit?.max_concurrent ?? ""}">
  </fieldset>
  <div class="actions"><button type="submit" class="primary">Save the settings</button></div>
</form>`
    : "";
  return html`<section class="card" aria-labelledby="settings"><h2 id="settings">Settings</h2>${facts}${form}</section>`;
}

function servicesSection(model: VaultPageModel): Markup {
  const v = model.vault.name;
  const rows = model.services.map(
    (s) => html`<tr>
    <td><a href="/vaults/${v}/services/${s.name}"><code>${s.name}</code></a></td>
    <td><code>${s.host}</code>${s.upstream ? html`<div class="meta">sent to <code>${s.upstream}</code></div>` : ""}</td>
    <td>${authSummary(s)}${s.require_approval ? html`<div class="meta">${approvalInWords(s)}</div>` : ""}</td>
    <td><span class="badge ${s.enabled ? "enabled" : "disabled"}">${s.enabled ? "enabled" : "disabled"}</span></td>
    <td>${
      model.may.editService
        ? html`${connectButton(model.frame, v, s)}<form method="post" action="/vaults/${v}/services/${s.name}" class="inline">${csrfField(model.frame)}<input type="hidden" name="intent" value="${s.enabled ? "disable" : "enable"}"><button type="submit" class="secondary">${s.enabled ? "Disable" : "Enable"}<span class="meta"> ${s.name}</span></button></form>`
        : ""
    }</td>
  </tr>`,
  );
  const add = model.may.addService
    ? html`<details${model.serviceDraft ? raw(" open") : ""}><summary>Add a service</summary>
<form method="post" action="/vaults/${v}/services">
  ${csrfField(model.frame)}
  ${serviceFields(model.serviceDraft ?? { enabled: true, authType: "bearer" }, "add")}
  <div class="actions"><button type="submit" class="primary">Add the service</button></div>
</form></details>`
    : "";
  return html`<section class="card" aria-labelledby="services"><h2 id="services">Services</h2>
${
  rows.length
    ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Service</th><th scope="col">Host</th><th scope="col">Auth</th><th scope="col">State</th><th scope="col"><span class="meta">Action</span></th></tr></thead><tbody>${rows}</tbody></table></div>`
    : html`<p class="meta">No service yet: agents can reach no host through this vault.</p>`
}
${add}</section>`;
}

function credentialsSection(model: VaultPageModel): Markup {
  const v = model.vault.name;
  const keys = [...new Set([...model.knownKeys, ...model.credentials.map((c) => c.key)])].sort();
  const form = model.may.setCredential
    ? html`<form method="post" action="/vaults/${v}/credentials" autocomplete="off">
  ${csrfField(model.frame)}
  <label for="cred-key">Key</label>
  <input id="cred-key" name="key" type="text" required pattern="[A-Z][A-Z0-9_]*" maxlength="128" list="known-keys" spellcheck="false" autocomplete="off" aria-describedby="cred-key-hint">
  <datalist id="known-keys">${keys.map((k) => html`<option value="${k}"></option>`)}</datalist>
  <p class="hint" id="cred-key-hint">UPPER_SNAKE_CASE. Setting an existing key replaces its value.</p>
  <label for="cred-value">New value</label>
  <input id="cred-value" name="value" type="password" required autocomplete="new-password" spellcheck="false">
  <div class="actions"><button type="submit" class="primary">Store the value</button></div>
</form>`
    : "";
  return html`<section class="card" aria-labelledby="credentials"><h2 id="credentials">Credentials</h2>
<p class="hint">Values are encrypted and never shown, here or anywhere else.</p>
${
  model.credentials.length
    ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Key</th><th scope="col">Last set</th></tr></thead><tbody>${model.credentials.map(
        (c) => html`<tr><td><code>${c.key}</code></td><td>${when(c.updatedAt)}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="meta">No credential yet.</p>`
}
${form}</section>`;
}

function webhooksSection(model: VaultPageModel): Markup {
  if (!model.webhooks) return html``;
  const v = model.vault.name;
  return html`<section class="card" aria-labelledby="webhooks"><h2 id="webhooks">Webhooks</h2>
<p class="hint">Proposal events of this vault, and calls waiting for a person, signed with each webhook's own secret.</p>
${
  model.webhooks.length
    ? html`<ul class="plain">${model.webhooks.map(
        (w) => html`<li><code>${w.url}</code> <span class="meta">${w.events.join(", ")} · since ${when(w.createdAt)}</span>
    <form method="post" action="/vaults/${v}/webhooks/${w.id}/delete" class="inline">${csrfField(model.frame)}<button type="submit" class="danger">Remove<span class="meta"> ${w.url}</span></button></form></li>`,
      )}</ul>`
    : html`<p class="meta">No webhook.</p>`
}
${
  model.may.webhooks
    ? html`<form method="post" action="/vaults/${v}/webhooks">
  ${csrfField(model.frame)}
  <label for="hook-url">URL</label><input id="hook-url" name="url" type="url" required maxlength="2000" placeholder="https://hooks.example.com/edgevault">
  <fieldset class="checks"><legend>Events</legend>${WEBHOOK_EVENTS.map((e) => html`<label class="check"><input type="checkbox" name="events" value="${e}" checked> <code>${e}</code></label>`)}</fieldset>
  <div class="actions"><button type="submit" class="primary">Add the webhook</button></div>
</form>`
    : ""
}</section>`;
}

function deleteSection(model: VaultPageModel): Markup {
  if (!model.may.deleteVault) return html``;
  return html`<form method="post" action="/vaults/${model.vault.name}/delete" class="card" aria-labelledby="delete-vault">
  <h2 id="delete-vault">Delete the vault</h2>
  ${csrfField(model.frame)}
  <p class="hint">Its services, credentials, grants, sessions and proposals go with it. You confirm on the next page.</p>
  <div class="actions"><button type="submit" class="danger">Delete the vault…</button></div>
</form>`;
}

export function vaultPage(model: VaultPageModel): Markup {
  const v = model.vault.name;
  const body = html`<p><a href="/vaults">← Vaults</a></p>
<h1>Vault <code>${v}</code></h1>
<p class="meta">Your role here: ${model.role}${model.may.traffic ? html` · <a href="/vaults/${v}/traffic">Traffic</a>` : ""}</p>
${flashNotice(model.flash)}
${servicesSection(model)}
${credentialsSection(model)}
${settingsSection(model)}
${membersSection({ frame: model.frame, vault: v, people: model.people, agents: model.agents, may: model.may, draft: model.memberDraft })}
${releasesSection({ frame: model.frame, vault: v, releases: model.releases, mayRevoke: model.may.revokeRelease })}
${webhooksSection(model)}
${deleteSection(model)}`;
  return layout(`Vault ${v}`, body, { ...model.frame, wide: true });
}
