/**
 * The company's audit log (owners, as GET /v1/audit): who changed what, told by name (ids on
 * hover), filterable by action or kind of action, actor and time, paged both ways; a vault
 * session is one line ("vault run curl by alice@…, 3 min, 12 requests") unless every row is asked
 * for. Entries hold names, roles and counts by design (db/audit.ts), never values.
 */
import { html, layout, type Markup, raw } from "../../console/layout.ts";
import { type LogCursors, logPager } from "../../console/log-pager.ts";
import type { Frame } from "../../console/nav.ts";
import { type Flash, flashNotice, when } from "../../console/page-parts.ts";

/** The filters as the form holds them (since and until as UTC `datetime-local` values; `sessions=rows` unfolds sessions). */
export type AuditFilters = { action?: string; actor?: string; since?: string; until?: string; sessions?: "rows" };
/** A name and the id it stands for (shown on hover and kept in the page for a search). */
export type Named = { name: string; id: string };
export type AuditRowView = { id: number; when: number; actor: Named; actorType: string; action: string; target: Named & { type: string }; detail: string };

const selected = (on: boolean) => (on ? raw(" selected") : "");

export function auditQuery(filters: AuditFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
  return params;
}

/** The kinds of action (`proposal.*`) the log's actions fall into, for the filter. */
function kindsOf(actions: string[]): string[] {
  return [...new Set(actions.filter((a) => a.includes(".")).map((a) => `${a.slice(0, a.indexOf("."))}.*`))].sort();
}

const named = (n: Named) => (n.name === n.id ? html`<code>${n.id}</code>` : html`<span title="${n.id}">${n.name}</span>`);

/**
 * The API's export of what the filters select (the newest page of it), for a SIEM or a
 * spreadsheet: the form's UTC times as instants, sessions folded as on the page.
 */
function exportHref(filters: AuditFilters, format: "ndjson" | "csv"): string {
  const params = new URLSearchParams({ format, limit: "200" });
  if (filters.action) params.set("action", filters.action);
  if (filters.actor) params.set("actor", filters.actor);
  if (filters.since) params.set("since", `${filters.since}Z`);
  if (filters.until) params.set("until", `${filters.until}Z`);
  if (filters.sessions !== "rows") params.set("fold", "sessions");
  return `/v1/audit?${params}`;
}

export function auditPage(model: {
  frame: Frame;
  filters: AuditFilters;
  actions: string[];
  entries: AuditRowView[];
  cursors: LogCursors;
  flash?: Flash;
}): Markup {
  const f = model.filters;
  const body = html`<h1>Audit</h1>
${flashNotice(model.flash)}
<form method="get" action="/audit" class="card" role="search" aria-labelledby="audit-filters">
  <h2 id="audit-filters">Filter</h2>
  <div class="filters">
    <div><label for="action">Action</label><select id="action" name="action"><option value="">Any</option><optgroup label="Every action of a kind">${kindsOf(
      model.actions,
    ).map((k) => html`<option value="${k}"${selected(f.action === k)}>${k}</option>`)}</optgroup><optgroup label="One action">${model.actions.map(
      (a) => html`<option value="${a}"${selected(f.action === a)}>${a}</option>`,
    )}</optgroup></select></div>
    <div><label for="actor">Actor (email, agent name, API key label or id)</label><input id="actor" name="actor" type="text" maxlength="254" value="${f.actor ?? ""}" spellcheck="false"></div>
    <div><label for="since">Since (UTC)</label><input id="since" name="since" type="datetime-local" step="1" value="${f.since ?? ""}"></div>
    <div><label for="until">Until (UTC, excluded)</label><input id="until" name="until" type="datetime-local" step="1" value="${f.until ?? ""}"></div>
    <div><label for="sessions">Vault sessions</label><select id="sessions" name="sessions"><option value="">One line each</option><option value="rows"${selected(
      f.sessions === "rows",
    )}>Every row (minted, revoked)</option></select></div>
  </div>
  <div class="actions"><button type="submit" class="primary">Apply</button><a class="button secondary" href="/audit">Clear</a></div>
</form>
${
  model.entries.length
    ? html`<div class="table-wrap"><table>
  <thead><tr><th scope="col">When</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Detail</th></tr></thead>
  <tbody>${model.entries.map(
    (e) =>
      html`<tr><td>${when(e.when)}</td><td>${named(e.actor)}<div class="meta">${e.actorType}</div></td><td><code class="whole">${e.action}</code></td><td>${e.target.type} ${named(e.target)}</td><td>${e.detail}</td></tr>`,
  )}</tbody>
</table></div>`
    : html`<p class="notice info">No entry matches.</p>`
}
${logPager("/audit", auditQuery(f), model.cursors)}
<p class="meta">Export these entries for a SIEM: <a href="${exportHref(f, "ndjson")}" download>NDJSON</a> · <a href="${exportHref(f, "csv")}" download>CSV</a> (the newest 200; <code>edgevault audit --format ndjson --limit 1000</code> reads further).</p>`;
  return layout("Audit", body, { ...model.frame, wide: true });
}
