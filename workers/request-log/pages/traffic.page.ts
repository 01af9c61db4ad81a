/**
 * A vault's traffic: the proxy's request log (method, host, path, status, sizes, refusal: never
 * headers, query strings or bodies, which the log does not keep) with filters, and a chart of
 * requests and refusals over the chosen window. A plain GET form: usable without script.
 */
import { html, layout, type Markup, raw } from "../../console/layout.ts";
import { type LogCursors, logPager } from "../../console/log-pager.ts";
import type { Frame } from "../../console/nav.ts";
import { type Flash, flashNotice, when } from "../../console/page-parts.ts";
import { type Bucket, trafficChart } from "./traffic-chart.ts";

export const TRAFFIC_RANGES = {
  "1h": { label: "last hour", bucketMs: 5 * 60_000, buckets: 12 },
  "24h": { label: "last 24 hours", bucketMs: 3600_000, buckets: 24 },
  "7d": { label: "last 7 days", bucketMs: 6 * 3600_000, buckets: 28 },
} as const;
export type TrafficRange = keyof typeof TRAFFIC_RANGES;

export type TrafficFilters = { range: TrafficRange; agent?: string; service?: string; status?: number; denial?: string };

/** One line of the totals (request-log.actions.ts `VaultTraffic`): a service's or a caller's. */
export type TrafficTotal = { key: string; requests: number; errors: number; p50Ms: number | null };

/** Who called: a name (the id when there is none), and a vault session's label. */
export type Caller = { name: string; id: string; sessionLabel: string | null };

export type TrafficEntry = {
  id: number;
  caller: Caller;
  service: string | null;
  method: string;
  host: string;
  path: string;
  status: number;
  latencyMs: number;
  denial: string | null;
  count: number;
  createdAt: number;
};

export type TrafficModel = {
  frame: Frame;
  vault: string;
  filters: TrafficFilters;
  services: string[];
  denialCodes: string[];
  buckets: Bucket[];
  bucketMs: number;
  byService: TrafficTotal[];
  byCaller: (TrafficTotal & { name: string | null; sessionLabel: string | null })[];
  entries: TrafficEntry[];
  cursors: LogCursors;
  flash?: Flash;
};

const selected = (on: boolean) => (on ? raw(" selected") : "");

export function filterQuery(filters: TrafficFilters): URLSearchParams {
  const params = new URLSearchParams({ range: filters.range });
  if (filters.agent) params.set("agent", filters.agent);
  if (filters.service) params.set("service", filters.service);
  if (filters.status) params.set("status", String(filters.status));
  if (filters.denial) params.set("denial", filters.denial);
  return params;
}

/** A caller as a person reads it: the name (its id on hover), and under it a vault session's label. */
function callerCell(caller: Caller): Markup {
  const name = caller.name === caller.id ? html`<code>${caller.id}</code>` : html`<span title="${caller.id}">${caller.name}</span>`;
  return html`${name}${caller.sessionLabel === null ? "" : html`<div class="meta">session “${caller.sessionLabel || "unlabelled"}”</div>`}`;
}

/** Totals over the window: requests, errors (refused, or 4xx/5xx from the upstream) and the median time of those forwarded. */
function totalsTable(caption: string, first: string, rows: { label: Markup; total: TrafficTotal }[]): Markup {
  if (rows.length === 0) return html``;
  return html`<div class="table-wrap"><table><caption>${caption}</caption><thead><tr><th scope="col">${first}</th><th scope="col" class="num">Requests</th><th scope="col" class="num">Errors</th><th scope="col" class="num">p50</th></tr></thead><tbody>${rows.map(
    ({ label, total }) =>
      html`<tr><td>${label}</td><td class="num">${total.requests}</td><td class="num">${total.errors}</td><td class="num">${total.p50Ms === null ? "–" : `${total.p50Ms} ms`}</td></tr>`,
  )}</tbody></table></div>`;
}

export function trafficPage(model: TrafficModel): Markup {
  const f = model.filters;
  const base = `/vaults/${model.vault}/traffic`;
  const form = html`<form method="get" action="${base}" class="card" role="search" aria-labelledby="traffic-filters">
  <h2 id="traffic-filters">Filter</h2>
  <div class="filters">
    <div><label for="range">Window</label><select id="range" name="range">${Object.entries(TRAFFIC_RANGES).map(
      ([key, r]) => html`<option value="${key}"${selected(f.range === key)}>${r.label}</option>`,
    )}</select></div>
    <div><label for="agent">Agent (name or id)</label><input id="agent" name="agent" type="text" value="${f.agent ?? ""}" maxlength="128" spellcheck="false"></div>
    <div><label for="service">Service</label><select id="service" name="service"><option value="">Any</option>${model.services.map(
      (s) => html`<option value="${s}"${selected(f.service === s)}>${s}</option>`,
    )}</select></div>
    <div><label for="status">Status</label><input id="status" name="status" type="number" min="100" max="599" value="${f.status ?? ""}"></div>
    <div><label for="denial">Refusals</label><select id="denial" name="denial">
      <option value="">All requests</option><option value="refused"${selected(f.denial === "refused")}>Refused only</option>
      ${model.denialCodes.map((d) => html`<option value="${d}"${selected(f.denial === d)}>${d}</option>`)}
    </select></div>
  </div>
  <div class="actions"><button type="submit" class="primary">Apply</button><a class="button secondary" href="${base}">Clear</a></div>
</form>`;
  const rows = model.entries.map(
    (e) => html`<tr>
    <td>${when(e.createdAt)}</td>
    <td>${callerCell(e.caller)}</td>
    <td>${e.service ?? html`<span class="meta">none</span>`}</td>
    <td><code>${e.method} ${e.host}${e.path}</code></td>
    <td class="num">${e.status}</td>
    <td>${e.denial ? html`<span class="badge refused">${e.denial}</span>${e.count > 1 ? html` ×${e.count}` : ""}` : ""}</td>
    <td class="num">${e.latencyMs} ms</td>
  </tr>`,
  );
  const body = html`<p><a href="/vaults/${model.vault}">← Vault ${model.vault}</a></p>
<h1>Traffic of <code>${model.vault}</code></h1>
${flashNotice(model.flash)}
${form}
<section class="card" aria-labelledby="chart-heading"><h2 id="chart-heading">Over the ${TRAFFIC_RANGES[f.range].label}</h2>${trafficChart(model.buckets, model.bucketMs)}</section>
<section class="card" aria-labelledby="totals-heading"><h2 id="totals-heading">Totals</h2>
${
  model.byService.length
    ? html`${totalsTable(
        "By service",
        "Service",
        model.byService.map((total) => ({ label: total.key ? html`${total.key}` : html`<span class="meta">no service</span>`, total })),
      )}${totalsTable(
        "By caller",
        "Caller",
        model.byCaller.map((total) => ({ label: callerCell({ name: total.name ?? total.key, id: total.key, sessionLabel: total.sessionLabel }), total })),
      )}`
    : html`<p class="meta">No request in this window.</p>`
}
</section>
<section aria-labelledby="log-heading"><h2 id="log-heading">Requests, newest first</h2>
<p class="hint">The log keeps method, host, path, status and timing: never headers, query strings or bodies.</p>
${
  rows.length
    ? html`<div class="table-wrap"><table><thead><tr><th scope="col">When</th><th scope="col">Caller</th><th scope="col">Service</th><th scope="col">Request</th><th scope="col" class="num">Status</th><th scope="col">Refusal</th><th scope="col" class="num">Time</th></tr></thead><tbody>${rows}</tbody></table></div>`
    : html`<p class="notice info">No request in this window matches.</p>`
}
${logPager(base, filterQuery(f), model.cursors)}
</section>`;
  return layout(`Traffic of ${model.vault}`, body, { ...model.frame, wide: true });
}
