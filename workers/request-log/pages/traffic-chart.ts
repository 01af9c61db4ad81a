/**
 * Requests and refusals over time as an inline SVG drawn on the server: bars, no script, no
 * font or image from anywhere. Colours come from the stylesheet (classes), so the page's CSP
 * needs no inline style and dark mode applies. Each bar says its numbers in a `<title>`, and the
 * same numbers are in a table for anyone who cannot see the chart.
 */
import { html, type Markup } from "../../console/layout.ts";

export type Bucket = { start: number; requests: number; denials: number };

const WIDTH = 720;
const HEIGHT = 220;
const LEFT = 44;
const RIGHT = 8;
const TOP = 12;
const BOTTOM = 30;

/** `HH:MM` for windows within a day, else `MM-DD HH:MM` (UTC). */
function label(ms: number, spanMs: number): string {
  const text = new Date(ms).toISOString();
  return spanMs <= 24 * 3600_000 ? text.slice(11, 16) : `${text.slice(5, 10)} ${text.slice(11, 16)}`;
}

/** A y-axis top that reads well: 1, 2, 5 × a power of ten, at least the largest bar. */
export function niceMax(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

export function trafficChart(buckets: readonly Bucket[], bucketMs: number): Markup {
  const span = bucketMs * buckets.length;
  const total = buckets.reduce((n, b) => n + b.requests, 0);
  const refused = buckets.reduce((n, b) => n + b.denials, 0);
  const top = niceMax(Math.max(0, ...buckets.map((b) => b.requests)));
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const slot = plotW / Math.max(buckets.length, 1);
  const barW = Math.max(slot * 0.8, 1);
  const y = (n: number) => TOP + plotH - (n / top) * plotH;
  const first = buckets[0]?.start ?? 0;
  const middle = buckets[Math.floor(buckets.length / 2)]?.start ?? first;
  const end = first + span;
  const bars = buckets.map((b, i) => {
    const x = (LEFT + i * slot + (slot - barW) / 2).toFixed(1);
    const w = barW.toFixed(1);
    const req = b.requests
      ? html`<rect class="req" x="${x}" y="${y(b.requests).toFixed(1)}" width="${w}" height="${(plotH - (y(b.requests) - TOP)).toFixed(1)}"></rect>`
      : "";
    const deny = b.denials
      ? html`<rect class="deny" x="${x}" y="${y(b.denials).toFixed(1)}" width="${w}" height="${(plotH - (y(b.denials) - TOP)).toFixed(1)}"></rect>`
      : "";
    return html`<g><title>${label(b.start, span)}–${label(b.start + bucketMs, span)} UTC: ${b.requests} request${b.requests === 1 ? "" : "s"}, ${b.denials} refused</title>${req}${deny}</g>`;
  });
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">
  <title id="chart-title">Requests and refusals over time</title>
  <desc id="chart-desc">${total} request${total === 1 ? "" : "s"}, ${refused} refused, from ${label(first, span)} to ${label(end, span)} UTC, in ${buckets.length} bars.</desc>
  <line class="axis" x1="${LEFT}" y1="${TOP + plotH}" x2="${WIDTH - RIGHT}" y2="${TOP + plotH}"></line>
  <line class="axis" x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${TOP + plotH}"></line>
  <text x="${LEFT - 6}" y="${TOP + 4}" text-anchor="end">${top}</text>
  <text x="${LEFT - 6}" y="${TOP + plotH}" text-anchor="end">0</text>
  <text x="${LEFT}" y="${HEIGHT - 8}" text-anchor="start">${label(first, span)}</text>
  <text x="${(LEFT + plotW / 2).toFixed(1)}" y="${HEIGHT - 8}" text-anchor="middle">${label(middle, span)}</text>
  <text x="${WIDTH - RIGHT}" y="${HEIGHT - 8}" text-anchor="end">${label(end, span)} UTC</text>
  ${bars}
</svg>
<p class="legend"><span><span class="swatch req"></span>all requests</span><span><span class="swatch deny"></span>of which refused</span></p>
<details><summary>The numbers</summary>
<div class="table-wrap"><table>
  <thead><tr><th scope="col">From (UTC)</th><th scope="col" class="num">Requests</th><th scope="col" class="num">Refused</th></tr></thead>
  <tbody>${buckets.map((b) => html`<tr><td>${label(b.start, span)}</td><td class="num">${b.requests}</td><td class="num">${b.denials}</td></tr>`)}</tbody>
</table></div></details>`;
}
