/**
 * Pending self-registrations (seed 004): who asks, with which key and capabilities; approve with
 * a chosen subset of what it asked for and a realm, or reject with a reason the agent is told.
 */
import type { RealmChoice } from "../../agents/pages/agents.page.ts";
import { html, layout, type Markup } from "../../console/layout.ts";
import type { Frame } from "../../console/nav.ts";
import { csrfField, type Flash, flashNotice, whenIso } from "../../console/page-parts.ts";
import { MAX_REJECTION_REASON } from "../registrations.contract.ts";

export type PendingRegistrationView = {
  id: string;
  name: string;
  version: string | null;
  publicKey: string | null;
  requestedCapabilities: string[];
  requestedAt: string;
};

export function registrationsPage(model: { frame: Frame; registrations: PendingRegistrationView[]; realms: RealmChoice[]; flash?: Flash }): Markup {
  const item = (r: PendingRegistrationView) => {
    const id = r.id.replace(/[^A-Za-z0-9_-]/g, "");
    return html`<section class="card" aria-labelledby="reg-${id}">
  <h2 id="reg-${id}">Agent <code>${r.name}</code></h2>
  <p class="meta">Asked ${whenIso(r.requestedAt)}${r.version ? html` · version ${r.version}` : ""}</p>
  ${r.publicKey ? html`<p class="hint">Public key <code>${r.publicKey}</code></p>` : ""}
  <form method="post" action="/registrations/${r.id}/approve">
    ${csrfField(model.frame)}
    <fieldset><legend>Capabilities to grant</legend>
      ${
        r.requestedCapabilities.length
          ? r.requestedCapabilities.map(
              (c) => html`<label class="check"><input type="checkbox" name="capabilities" value="${c}" checked> <code>${c}</code></label>`,
            )
          : html`<p class="meta">It asked for none.</p>`
      }
      <p class="hint">Uncheck what it should not get; it never gets more than it asked for.</p>
    </fieldset>
    <label for="realm-${id}">Realm</label>
    <select id="realm-${id}" name="realm"><option value="">none</option>${model.realms.map((realm) => html`<option value="${realm.slug}">${realm.name}</option>`)}</select>
    <div class="actions"><button type="submit" class="primary">Approve</button></div>
  </form>
  <form method="post" action="/registrations/${r.id}/reject">
    ${csrfField(model.frame)}
    <label for="reason-${id}">Reason (the agent sees it)</label>
    <textarea id="reason-${id}" name="reason" required maxlength="${MAX_REJECTION_REASON}"></textarea>
    <div class="actions"><button type="submit" class="danger">Reject</button></div>
  </form>
</section>`;
  };
  const body = html`<h1>Registrations</h1>
${flashNotice(model.flash)}
<p class="hint">Agents that registered themselves and wait for a person. An approved agent collects its token with its own claim token; nobody sees it here.</p>
${model.registrations.length ? model.registrations.map(item) : html`<p class="notice info">No registration is waiting.</p>`}`;
  return layout("Registrations", body, model.frame);
}
