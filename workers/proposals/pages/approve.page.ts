/**
 * The approval page at `approval_url`: who really asks (never a name they chose), what they ask
 * for in the reviewer's words, where every value would be sent and who chose that destination,
 * each service's rules in words (methods, substitutions, redaction, approval) with every loosening marked old
 * → new, and a field for each credential the human must provide. The form carries the digest of the
 * destinations it shows, so an approval made on it is refused once they changed. Values typed
 * here are never rendered back. Text the asker chose (its message, descriptions, instructions, a
 * session's label) is shown isolated, its controls written out (agent-text.ts).
 */
import type { ProposalServiceView, ProposalSlotView, ProposalView } from "../proposal-view.ts";
import { choicePhrase, destinationText, principalPhrase } from "../proposals.contract.ts";
import { keysSentBy } from "../../lib/http/substitutions.ts";
import { type Loosening, rulesInWords } from "../../services/request-rules.contract.ts";
import { chosenBlock, chosenLine, phraseMarkup } from "../../console/agent-text.ts";
import { html, layout, notice } from "../../console/layout.ts";
import type { Frame } from "../../console/nav.ts";
import { connectButton, isConnectable } from "../../oauth/pages/connect-button.ts";

export type ApprovePageModel = {
  /** The proposal as the vault stands now (review-view.ts). */
  view: ProposalView;
  token: string;
  frame: Frame;
  flash?: { kind: "ok" | "error" | "info"; text: string };
};

/**
 * Where a slot's value goes once approved: every service that sends its key, and who chose that
 * destination. One no vault admin chose (an agent, a session, a member whose proposal an admin
 * approved) is a warning: the description is the asker's words, the host someone else's choice.
 */
const slotDestinations = (slot: ProposalSlotView, id?: string) => {
  const to = slot.sent_to ?? [];
  if (to.length === 0) return html`<p class="hint"${id ? html` id="${id}"` : ""}>No service sends <code>${slot.key}</code>: it is only stored.</p>`;
  return html`<div${id ? html` id="${id}"` : ""}>${to.map((d) =>
    d.chosen_by_admin
      ? html`<p class="hint">Sent to ${d.token_endpoint ? html`the token endpoint <code>${d.token_endpoint}</code>, and the access token it obtains to <code>${destinationText({ ...d, token_endpoint: undefined })}</code>` : html`<code>${destinationText(d)}</code>`} (service <code>${d.service}</code>; ${phraseMarkup(choicePhrase(d))}).</p>`
      : html`<p class="notice warn">Sent to ${d.token_endpoint ? html`the token endpoint <code>${d.token_endpoint}</code>, and the access token it obtains to <code>${destinationText({ ...d, token_endpoint: undefined })}</code>` : html`<code>${destinationText(d)}</code>`} (service <code>${d.service}</code>): ${phraseMarkup(choicePhrase(d))}. The description is the asker's words; where the value goes is ${d.chosen_by_agent ? "an agent's choice" : "not a vault admin's choice"}.</p>`,
  )}</div>`;
};

const slotField = (slot: ProposalSlotView) => {
  const id = `cred-${slot.key}`;
  const described = [`${id}-to`, slot.description ? `${id}-desc` : "", slot.obtain_instructions ? `${id}-how` : ""].filter(Boolean).join(" ");
  return html`<li>
  <label for="${id}"><code>${slot.key}</code></label>
  ${slotDestinations(slot, `${id}-to`)}
  ${slot.description ? html`<p class="hint" id="${id}-desc">${chosenBlock(slot.description)}</p>` : ""}
  ${slot.obtain ? html`<p class="hint">Get it at <a href="${slot.obtain}" target="_blank" rel="noopener noreferrer">${chosenLine(slot.obtain)}</a></p>` : ""}
  ${slot.obtain_instructions ? html`<p class="hint" id="${id}-how">${chosenBlock(slot.obtain_instructions)}</p>` : ""}
  <input id="${id}" name="cred_${slot.key}" type="password" autocomplete="off" spellcheck="false" required ${described ? html`aria-describedby="${described}"` : ""}>
</li>`;
};

const destination = (host: string, upstream: string | undefined) =>
  upstream ? html`<code>${host}</code> (sent to <code>${upstream}</code>)` : html`<code>${host}</code>`;

/**
 * An `oauth` service sends its client secret and refresh token to its token endpoint, not to its
 * host: said plainly, since whoever runs that endpoint receives both (and answers with the tokens).
 */
const tokenEndpointNotice = (service: ProposalServiceView) => {
  const auth = service.auth;
  if (auth?.type !== "oauth") return "";
  const keys = [auth.client_secret_key, ...(auth.refresh_token_key ? [auth.refresh_token_key] : [])];
  return html`<p class="notice warn">The values of ${keys.map((k, i) => html`${i ? " and " : ""}<code>${k}</code>`)} are sent to the token endpoint <code>${auth.token_endpoint}</code>, not to <code>${service.host ?? ""}</code>: whoever runs that address receives them. Approve only if it is the provider's.</p>`;
};

/**
 * A set service's rules in words ("only GET and HEAD", "puts TW_SID into the path where it reads
 * `__sid__`"), and each loosening of the service it replaces as old → new, as a warning: a vault
 * admin decides those (decide.actions.ts).
 */
const serviceRules = (service: ProposalServiceView) =>
  html`<ul class="hint">${rulesInWords(service).map((rule) => html`<li>${rule}</li>`)}</ul>${(service.loosens ?? []).map(
    (l) => html`<p class="notice warn">Loosens ${LOOSENING_NAMES[l.rule]}: ${l.from} → <strong>${l.to}</strong>.</p>`,
  )}`;

const LOOSENING_NAMES: Record<Loosening["rule"], string> = {
  methods: "the methods it forwards",
  redact_response: "response redaction",
  substitutions: "where credentials go in the request",
  require_approval: "per-call approval",
};

const serviceItem = (service: ProposalServiceView) => {
  const old = service.replaces;
  if (service.action === "delete") {
    return html`<li><strong>Remove</strong> service <code>${service.name}</code>${old ? html` <span class="hint">— now ${destination(old.host, old.upstream)}, ${old.auth_type} auth</span>` : ""}</li>`;
  }
  const keys = service.auth ? keysSentBy({ auth: service.auth, substitutions: service.substitutions }) : [];
  // A set over an existing service is a replacement: say old → new, never a plain "Allow".
  const verb = old
    ? html`<strong>Replace</strong> service <code>${service.name}</code>: ${destination(old.host, old.upstream)} (${old.auth_type} auth) → ${destination(service.host ?? "", service.upstream)}`
    : html`<strong>Allow</strong> <code>${service.host ?? ""}</code> as <code>${service.name}</code>`;
  return html`<li>${verb}
  <span class="hint">— ${service.auth?.type ?? "passthrough"} auth${keys.length ? html` using ${keys.map((k, i) => html`${i ? ", " : ""}<code>${k}</code>`)}` : ""}</span>${serviceRules(service)}${tokenEndpointNotice(service)}${service.upstream ? html`<p class="notice warn">Requests and their credentials go to <code>${service.upstream}</code>, not to <code>${service.host ?? ""}</code>. Approve only if you trust that address.</p>` : ""}${(
    service.exposes ?? []
  ).map(
    (e) =>
      html`<p class="notice warn">The stored credential <code>${e.key}</code> would be sent to ${e.to ? html`the token endpoint <code>${e.to}</code> (and the access token it obtains to ${destination(service.host ?? "", service.upstream)})` : destination(service.host ?? "", service.upstream)}${e.sent_to.length ? html`; today it goes only to ${e.sent_to.map((d, i) => html`${i ? ", " : ""}<code>${d}</code>`)}` : html`; no service sends it today`}.</p>`,
  )}</li>`;
};

/**
 * An `oauth` service the proposal sets whose account a person connects: after approval, its
 * "Connect <provider>" (the consent happens at the provider, the refresh token is stored unseen);
 * before, a word that this comes next.
 */
function connectSection(model: ApprovePageModel) {
  const { view } = model;
  const connectable = view.services.filter((s) => s.action !== "delete" && s.auth && isConnectable({ name: s.name, auth: s.auth }));
  if (connectable.length === 0 || (view.status !== "pending" && view.status !== "applied")) return "";
  return html`<section class="card" aria-labelledby="connect-heading"><h2 id="connect-heading">Accounts to connect</h2>
${
  view.status === "pending"
    ? html`<p class="hint">Once approved, a vault admin connects the account of ${connectable.map((s, i) => html`${i ? ", " : ""}<code>${s.name}</code>`)} at its provider: the scopes are shown before going.</p>`
    : html`<p class="hint">Approved: connect the account now. The provider shows the scopes it grants; the refresh token is stored unseen.</p>
${connectable.map((s) => connectButton(model.frame, view.vault, { name: s.name, auth: s.auth ?? { type: "oauth" } }))}`
}</section>`;
}

export function approvePage(model: ApprovePageModel) {
  const { view } = model;
  const toFill = view.credentials.filter((s) => s.action === "set" && !s.has_value);
  const supplied = view.credentials.filter((s) => s.action === "set" && s.has_value);
  const removed = view.credentials.filter((s) => s.action === "delete");
  const pending = view.status === "pending";
  const body = html`<h1>Request from ${phraseMarkup(principalPhrase(view.raised_by))}</h1>
${model.flash ? notice(model.flash.kind, model.flash.text) : ""}
<section class="card" aria-labelledby="summary">
  <h2 id="summary">Vault <code>${view.vault}</code> <span class="badge ${view.status}">${view.status}</span></h2>
  <p class="meta">Raised ${view.created_at.slice(0, 16).replace("T", " ")} UTC · expires ${view.expires_at.slice(0, 10)}</p>
  ${view.message ? html`<p class="message">${chosenBlock(view.message)}</p>` : ""}
  ${view.user_message ? html`<p class="message">${chosenBlock(view.user_message)}</p>` : ""}
  ${view.review_note ? html`<p class="meta">Review note: ${view.review_note}</p>` : ""}
</section>
${view.services.length ? html`<section class="card" aria-labelledby="hosts"><h2 id="hosts">Hosts</h2><ul class="plain">${view.services.map(serviceItem)}</ul></section>` : ""}
${connectSection(model)}
${
  pending
    ? html`<form method="post" action="/approve/${view.id}" class="card" aria-labelledby="approve-heading">
  <h2 id="approve-heading">Approve</h2>
  <input type="hidden" name="csrf" value="${model.frame.csrf}">
  <input type="hidden" name="token" value="${model.token}">
  <input type="hidden" name="action" value="approve">
  <input type="hidden" name="destinations_digest" value="${view.destinations_digest ?? ""}">
  ${toFill.length ? html`<fieldset><legend>Credentials to provide</legend><ul class="plain">${toFill.map(slotField)}</ul></fieldset>` : ""}
  ${view.credentials.some((s) => s.action === "set" && s.replaces_existing) ? html`<p class="notice warn">Approving replaces the stored value of ${view.credentials.filter((s) => s.action === "set" && s.replaces_existing).map((s, i) => html`${i ? ", " : ""}<code>${s.key}</code>`)}.</p>` : ""}
  ${supplied.length ? html`<p class="hint">The agent supplied ${supplied.map((s, i) => html`${i ? ", " : ""}<code>${s.key}</code>`)}; approving stores ${supplied.length === 1 ? "it" : "them"} (never shown).</p><ul class="plain">${supplied.map((s) => html`<li><code>${s.key}</code>: ${slotDestinations(s)}</li>`)}</ul>` : ""}
  ${removed.length ? html`<p class="hint">Approving deletes ${removed.map((s, i) => html`${i ? ", " : ""}<code>${s.key}</code>`)}.</p>` : ""}
  <div class="actions"><button type="submit" class="primary">Approve and apply</button></div>
</form>
<form method="post" action="/approve/${view.id}" class="card" aria-labelledby="reject-heading">
  <h2 id="reject-heading">Reject</h2>
  <input type="hidden" name="csrf" value="${model.frame.csrf}">
  <input type="hidden" name="token" value="${model.token}">
  <input type="hidden" name="action" value="reject">
  <label for="reason">Reason (the agent sees it)</label>
  <textarea id="reason" name="reason" required maxlength="2000"></textarea>
  <div class="actions"><button type="submit" class="danger">Reject</button></div>
</form>`
    : ""
}
<p><a href="/inbox">Back to the inbox</a></p>`;
  return layout(`Request ${view.id}`, body, model.frame);
}
