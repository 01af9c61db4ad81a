/**
 * A held request's page (`review_url`, linked from the inbox and the `request.pending` webhook):
 * which call waits (method, host and path: the edge never records the query, headers or body),
 * who makes it (named by the edge; a session's label only quoted after its minter), for which
 * service, until when, and, while it waits, the forms that approve it (this call only, or also
 * the same call for a while) or reject it. The path is the agent's text: shown isolated.
 */
import { chosenLine, phraseMarkup } from "../../console/agent-text.ts";
import { html, layout, type Markup, raw } from "../../console/layout.ts";
import type { Frame } from "../../console/nav.ts";
import { csrfField, type Flash, flashNotice, whenIso } from "../../console/page-parts.ts";
import { principalPhrase } from "../../proposals/proposals.contract.ts";
import { durationText, type ExpiryReason, type HeldRequestView } from "../requests.contract.ts";

/** The time boxes the approve form offers, besides "this call only". */
export const RELEASE_CHOICES = [600, 3600] as const;

const EXPIRED: Record<ExpiryReason, string> = {
  timeout: "nobody decided in time",
  client_gone: "the agent stopped waiting",
  service_changed: "the service changed before it could be sent",
};

export type RequestPageModel = {
  frame: Frame;
  view: HeldRequestView;
  /** Why this person may not decide it (their own request), shown instead of the forms. */
  refusal?: string;
  flash?: Flash;
};

/** `GET api.example.com/v1/deploy`: the call as one line, its path isolated. */
export const callLine = (view: Pick<HeldRequestView, "method" | "host" | "path">): Markup =>
  html`<code>${view.method}</code> <code>${view.host}</code>${chosenLine(view.path)}`;

function outcome(view: HeldRequestView): Markup {
  const by = view.decided_by ? html` by ${phraseMarkup(principalPhrase(view.decided_by))}` : "";
  const at = view.decided_at ? html` at ${whenIso(view.decided_at)}` : "";
  if (view.status === "approved") {
    const box = view.released_for_seconds ? html`; the same call passes without a person for ${durationText(view.released_for_seconds)}` : "";
    return html`<p>Approved${by}${at}${box}.</p>`;
  }
  if (view.status === "rejected") return html`<p>Rejected${by}${at}${view.reason ? html`: ${chosenLine(view.reason)}` : ""}.</p>`;
  if (view.status === "expired") return html`<p>Expired${at}: ${EXPIRED[view.expired_reason ?? "timeout"]}. Nothing was sent.</p>`;
  return html``;
}

function decisionForms(model: RequestPageModel): Markup {
  const { view } = model;
  if (view.status !== "pending") return html``;
  if (model.refusal) return html`<p class="notice warn">${model.refusal}</p>`;
  return html`<form method="post" action="/requests/${view.id}/approve" class="card" aria-labelledby="approve-heading">
  <h2 id="approve-heading">Approve</h2>
  ${csrfField(model.frame)}
  <p class="hint">The call goes to the upstream with the service's credential as soon as you approve.</p>
  <label for="for_seconds">Also let the same call through without asking</label>
  <select id="for_seconds" name="for_seconds">
    <option value=""${raw(" selected")}>No: this call only</option>
    ${RELEASE_CHOICES.map((s) => html`<option value="${s}">for ${durationText(s)} (${view.method} ${view.host}, this path, this agent)</option>`)}
  </select>
  <div class="actions"><button type="submit" class="primary">Approve</button></div>
</form>
<form method="post" action="/requests/${view.id}/reject" class="card" aria-labelledby="reject-heading">
  <h2 id="reject-heading">Reject</h2>
  ${csrfField(model.frame)}
  <label for="reason">Reason (optional; the agent sees it)</label>
  <textarea id="reason" name="reason" maxlength="500"></textarea>
  <div class="actions"><button type="submit" class="danger">Reject</button></div>
</form>`;
}

export function requestPage(model: RequestPageModel): Markup {
  const { view } = model;
  const body = html`<h1>Call from ${phraseMarkup(principalPhrase(view.requested_by))}</h1>
${flashNotice(model.flash)}
<section class="card" aria-labelledby="call">
  <h2 id="call">${callLine(view)} <span class="badge ${view.status}">${view.status}</span></h2>
  <dl class="facts">
    <dt>Vault</dt><dd><code>${view.vault}</code></dd>
    <dt>Service</dt><dd><code>${view.service}</code> (every call to it waits for a person)</dd>
    <dt>Asked</dt><dd>${whenIso(view.created_at)}</dd>
    ${view.status === "pending" ? html`<dt>Waits until</dt><dd>${whenIso(view.expires_at)}; then it is refused</dd>` : ""}
  </dl>
  <p class="hint">The query string, headers and body are not shown: the edge never records them.</p>
  ${outcome(view)}
</section>
${decisionForms(model)}
<p><a href="/inbox">Back to the inbox</a></p>`;
  return layout(`Call ${view.id}`, body, model.frame);
}
