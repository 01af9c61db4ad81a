/**
 * The agents pages: the company's agents as Vaultys lists them (search, online, realm,
 * capabilities, sort, pages: the filters of GET /v1/agents), and one agent with its vault roles,
 * live sessions, capabilities, SPIFFE ID, current SVID claims and (for owners) its edit form.
 * Never a token: a rotation's prompt is shown once, by the rotation's own page.
 */
import type { RateLimitOverride } from "../../db/schema.ts";
import type { AgentView, SvidPreview } from "../agents.actions.ts";
import { AGENT_SORT_KEYS, AGENT_STATUSES, CAPABILITIES } from "../agents.contract.ts";
import { type AgentEditValues, agentEditForm, type RealmOption } from "./agents.edit-form.ts";
import { svidClaimsSection } from "./agents.svid-claims.ts";
import { html, layout, type Markup, raw } from "../../console/layout.ts";
import type { Frame } from "../../console/nav.ts";
import { csrfField, type Flash, flashNotice, pager, whenIso } from "../../console/page-parts.ts";

export type RealmChoice = { id: string; slug: string; name: string };

/** The list's filters as the person set them (absent: not filtered). */
export type AgentFilters = {
  q?: string;
  online?: "true" | "false";
  realm?: string;
  capabilities: string[];
  status?: string;
  sortBy: string;
  sortDir: string;
  pageSize: number;
};

export type AgentListModel = {
  frame: Frame;
  filters: AgentFilters;
  agents: AgentView[];
  total: number;
  online: number;
  page: number;
  totalPages: number;
  realms: RealmChoice[];
  mayInvite: boolean;
  flash?: Flash;
};

const SORT_LABELS: Record<(typeof AGENT_SORT_KEYS)[number], string> = { name: "Name", registeredAt: "Registered", lastSeen: "Last seen" };

const selected = (on: boolean) => (on ? raw(" selected") : "");
const checked = (on: boolean) => (on ? raw(" checked") : "");

/**
 * Online, as the console means it: the agent holds its channel open (GET /v1/agents/channel), and
 * "seen" is its last authenticated call, channel or not (written at most once a minute), so an
 * agent that only calls the API reads "no channel · seen 12 s ago" rather than "offline".
 */
export const onlineBadge = (agent: Pick<AgentView, "isOnline">) =>
  agent.isOnline ? html`<span class="badge online">channel open</span>` : html`<span class="badge offline">no channel</span>`;

/**
 * How long ago the agent was seen, in words: seconds, minutes, hours, then the date.
 * @example seenAgo("2026-05-01T09:00:00Z", Date.parse("2026-05-01T09:00:12Z")) // "seen 12 s ago"
 */
export function seenAgo(lastSeen: string | null, now = Date.now()): string {
  if (!lastSeen) return "never seen";
  const seconds = Math.max(0, Math.round((now - Date.parse(lastSeen)) / 1000));
  if (seconds < 60) return `seen ${seconds} s ago`;
  if (seconds < 3600) return `seen ${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `seen ${Math.round(seconds / 3600)} h ago`;
  return `seen ${whenIso(lastSeen)}`;
}

export const capabilityList = (capabilities: readonly string[]) =>
  capabilities.length ? html`${capabilities.map((c, i) => html`${i ? ", " : ""}<code>${c}</code>`)}` : html`<span class="meta">none</span>`;

/** The filters as query parameters, for the pager's links. */
export function filterParams(filters: AgentFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.q) params.set("q", filters.q);
  if (filters.online) params.set("online", filters.online);
  if (filters.realm) params.set("realm", filters.realm);
  for (const capability of filters.capabilities) params.append("capabilities", capability);
  if (filters.status) params.set("status", filters.status);
  params.set("sortBy", filters.sortBy);
  params.set("sortDir", filters.sortDir);
  params.set("pageSize", String(filters.pageSize));
  return params;
}

function filterForm(model: AgentListModel): Markup {
  const f = model.filters;
  return html`<form method="get" action="/agents" class="card" role="search" aria-labelledby="filters-title">
  <h2 id="filters-title">Find agents</h2>
  <div class="filters">
    <div><label for="q">Name, id or DID</label><input id="q" name="q" type="search" value="${f.q ?? ""}" maxlength="128"></div>
    <div><label for="online">Online</label><select id="online" name="online">
      <option value="">Any</option><option value="true"${selected(f.online === "true")}>Online</option><option value="false"${selected(f.online === "false")}>Offline</option>
    </select></div>
    <div><label for="realm">Realm</label><select id="realm" name="realm">
      <option value="">Any</option>${model.realms.map((r) => html`<option value="${r.slug}"${selected(f.realm === r.slug || f.realm === r.id)}>${r.name}</option>`)}
    </select></div>
    <div><label for="status">Status</label><select id="status" name="status">
      <option value="">Any</option>${AGENT_STATUSES.map((s) => html`<option value="${s}"${selected(f.status === s)}>${s}</option>`)}
    </select></div>
    <div><label for="sortBy">Sort by</label><select id="sortBy" name="sortBy">
      ${AGENT_SORT_KEYS.map((k) => html`<option value="${k}"${selected(f.sortBy === k)}>${SORT_LABELS[k]}</option>`)}
    </select></div>
    <div><label for="sortDir">Order</label><select id="sortDir" name="sortDir">
      <option value="asc"${selected(f.sortDir === "asc")}>Ascending</option><option value="desc"${selected(f.sortDir === "desc")}>Descending</option>
    </select></div>
    <div><label for="pageSize">Per page</label><select id="pageSize" name="pageSize">
      ${[20, 50, 100].map((n) => html`<option value="${n}"${selected(f.pageSize === n)}>${n}</option>`)}
    </select></div>
  </div>
  <fieldset class="checks"><legend>Has every capability checked</legend>
    ${CAPABILITIES.map((c) => html`<label class="check"><input type="checkbox" name="capabilities" value="${c}"${checked(f.capabilities.includes(c))}> <code>${c}</code></label>`)}
  </fieldset>
  <div class="actions"><button type="submit" class="primary">Apply</button><a class="button secondary" href="/agents">Clear</a></div>
</form>`;
}

export function agentListPage(model: AgentListModel): Markup {
  const rows = model.agents.map(
    (a) => html`<tr>
    <td><a href="/agents/${encodeURIComponent(a.name)}">${a.name}</a><div class="meta"><code>${a.id}</code></div></td>
    <td><span class="badge ${a.status}">${a.status}</span></td>
    <td>${onlineBadge(a)}<div class="meta" title="${whenIso(a.lastSeen)}">${seenAgo(a.lastSeen)}</div></td>
    <td>${a.realm ? a.realm.name : html`<span class="meta">none</span>`}</td>
    <td>${capabilityList(a.capabilities)}</td>
    <td>${a.role}</td>
  </tr>`,
  );
  const body = html`<h1>Agents</h1>
${flashNotice(model.flash)}
${model.mayInvite ? html`<p><a class="button primary" href="/agent-invites">Invite an agent</a></p>` : ""}
${filterForm(model)}
<p class="meta" role="status">${model.total} agent${model.total === 1 ? "" : "s"} match, ${model.online} with a channel open.</p>
${
  model.agents.length
    ? html`<div class="table-wrap"><table>
  <caption class="meta">Agents, ${model.filters.sortBy} ${model.filters.sortDir === "asc" ? "ascending" : "descending"}</caption>
  <thead><tr><th scope="col">Agent</th><th scope="col">Status</th><th scope="col">Channel · last seen</th><th scope="col">Realm</th><th scope="col">Capabilities</th><th scope="col">Role</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>`
    : html`<p class="notice info">No agent matches.</p>`
}
${pager("/agents", filterParams(model.filters), { current: model.page, total: model.totalPages })}`;
  return layout("Agents", body, { ...model.frame, wide: true });
}

export type AgentDetailModel = {
  frame: Frame;
  agent: AgentView;
  rateLimit: RateLimitOverride | null;
  vaults: { vault: string; role: string }[];
  activeSessions: number;
  svid: SvidPreview;
  may: { rotate: boolean; status: boolean; delete: boolean };
  /** The edit form, for those who may edit: as the agent is, or as typed when it was refused. */
  edit?: { values: AgentEditValues; realms: RealmOption[] };
  flash?: Flash;
};

/** An agent's own rate-limit override in words; what it leaves out comes from the vault or the defaults. */
function limitText(limit: RateLimitOverride | null): string {
  const parts = [
    limit?.ratePerSecond !== undefined ? `${limit.ratePerSecond} requests/s` : "",
    limit?.burst !== undefined ? `burst ${limit.burst}` : "",
    limit?.maxConcurrent !== undefined ? `${limit.maxConcurrent} at once` : "",
  ].filter(Boolean);
  return parts.length ? parts.join(", ") : "the vault's (or the defaults)";
}

export function agentDetailPage(model: AgentDetailModel): Markup {
  const a = model.agent;
  const path = `/agents/${encodeURIComponent(a.name)}`;
  const form = (action: string, button: string, extra: Markup = html``, danger = false) =>
    html`<form method="post" action="${path}/${action}" class="inline">${csrfField(model.frame)}${extra}<button type="submit" class="${danger ? "danger" : "secondary"}">${button}</button></form>`;
  const actions = [
    model.may.rotate && a.status === "active" ? form("rotate", "Rotate token…") : "",
    model.may.status
      ? a.status === "disabled"
        ? form("status", "Enable…", html`<input type="hidden" name="status" value="active">`)
        : a.status === "active"
          ? form("status", "Disable…", html`<input type="hidden" name="status" value="disabled">`, true)
          : ""
      : "",
    model.may.delete ? form("delete", "Delete…", html``, true) : "",
  ].filter((x) => x !== "");
  const body = html`<p><a href="/agents">← Agents</a></p>
<h1>Agent <code>${a.name}</code></h1>
${flashNotice(model.flash)}
<section class="card" aria-labelledby="facts">
  <h2 id="facts">Identity and state</h2>
  <dl class="facts">
    <dt>Status</dt><dd><span class="badge ${a.status}">${a.status}</span></dd>
    <dt>Online</dt><dd>${onlineBadge(a)} <span class="meta" title="${whenIso(a.lastSeen)}">${seenAgo(a.lastSeen)}</span></dd>
    <dt>Company role</dt><dd>${a.role}</dd>
    <dt>SPIFFE ID</dt><dd><code>${a.spiffeId}</code></dd>
    <dt>Id</dt><dd><code>${a.id}</code></dd>
    ${a.did ? html`<dt>DID</dt><dd><code>${a.did}</code></dd>` : ""}
    <dt>Realm</dt><dd>${a.realm ? a.realm.name : "none"}</dd>
    <dt>Capabilities</dt><dd>${capabilityList(a.capabilities)}</dd>
    <dt>Passport scopes</dt><dd>${capabilityList(a.passportScopes)}</dd>
    <dt>Rate limit</dt><dd>${limitText(model.rateLimit)}</dd>
    <dt>Live vault sessions</dt><dd>${model.activeSessions}</dd>
    ${a.version ? html`<dt>Version</dt><dd>${a.version}</dd>` : ""}
    ${a.llmProvider || a.llmModel ? html`<dt>Model</dt><dd>${[a.llmProvider, a.llmModel].filter(Boolean).join(" · ")}</dd>` : ""}
    <dt>Registered</dt><dd>${whenIso(a.registeredAt)}</dd>
  </dl>
</section>
<section class="card" aria-labelledby="vaults">
  <h2 id="vaults">Vaults and roles</h2>
  ${
    model.vaults.length
      ? html`<ul class="plain">${model.vaults.map((v) => html`<li><a href="/vaults/${v.vault}"><code>${v.vault}</code></a> — ${v.role}</li>`)}</ul>`
      : a.role === "owner"
        ? html`<p class="meta">An owner agent is admin of every vault.</p>`
        : html`<p class="meta">No vault grants.</p>`
  }
</section>
${svidClaimsSection(model.svid)}
${model.edit ? agentEditForm(model.frame, `${path}/edit`, model.edit.values, model.edit.realms) : ""}
${actions.length ? html`<section class="card" aria-labelledby="manage"><h2 id="manage">Manage</h2><p class="hint">Each action asks you to confirm first.</p><div class="actions">${actions}</div></section>` : ""}`;
  return layout(`Agent ${a.name}`, body, model.frame);
}
