/**
 * The parts of other pages that show held requests: the inbox's list of calls waiting for a
 * person (with their count), and the vault page's time-boxed approvals, each with its revoke form.
 */
import { phraseMarkup } from "../../console/agent-text.ts";
import { html, type Markup } from "../../console/layout.ts";
import type { Frame } from "../../console/nav.ts";
import { csrfField, whenIso } from "../../console/page-parts.ts";
import { principalPhrase } from "../../proposals/proposals.contract.ts";
import type { HeldInboxEntry } from "../requests.actions.ts";
import type { RequestReleaseView } from "../requests.contract.ts";
import { callLine } from "./request.page.ts";

function heldEntry({ view, refusal }: HeldInboxEntry): Markup {
  const what = html`${phraseMarkup(principalPhrase(view.requested_by))}: ${callLine(view)}`;
  const heading = refusal
    ? html`<span>${what}</span> <span class="badge">made by you: another admin decides it</span>`
    : html`<a href="/requests/${view.id}">${what}</a>`;
  return html`<li>${heading}
    <div class="meta">vault <code>${view.vault}</code> · service <code>${view.service}</code> · waits until ${whenIso(view.expires_at)}</div></li>`;
}

/** "Calls waiting for a person (3)": the inbox's section, newest first; nothing when none waits. */
export function heldRequestsSection(entries: readonly HeldInboxEntry[]): Markup {
  if (entries.length === 0) return html``;
  return html`<section class="card" aria-labelledby="held-requests">
  <h2 id="held-requests">Calls waiting for a person <span class="badge pending">${entries.length}</span></h2>
  <p class="hint">Each waits until an admin of its vault approves or rejects it; then the agent's request goes on, or is refused.</p>
  <ul class="plain">${entries.map(heldEntry)}</ul>
</section>`;
}

/** The vault page's time-boxed approvals still running; `mayRevoke` offers each its revoke form. */
export function releasesSection(model: { frame: Frame; vault: string; releases?: readonly RequestReleaseView[]; mayRevoke: boolean }): Markup {
  if (!model.releases) return html``;
  const rows = model.releases.map(
    (
      r,
    ) => html`<li>${phraseMarkup(principalPhrase(r.agent))}: ${callLine(r)} <span class="meta">(service <code>${r.service}</code>) until ${whenIso(r.expires_at)}, approved by ${phraseMarkup(principalPhrase(r.approved_by))}</span>
    ${
      model.mayRevoke
        ? html`<form method="post" action="/vaults/${model.vault}/request-releases/${r.id}/revoke" class="inline">${csrfField(model.frame)}<button type="submit" class="danger">Revoke<span class="meta"> ${r.method} ${r.host}${r.path}</span></button></form>`
        : ""
    }</li>`,
  );
  return html`<section class="card" aria-labelledby="releases"><h2 id="releases">Time-boxed approvals</h2>
<p class="hint">Calls a person let through for a while: the same agent, method, host and path pass without asking until then.</p>
${rows.length ? html`<ul class="plain">${rows}</ul>` : html`<p class="meta">None running.</p>`}</section>`;
}
