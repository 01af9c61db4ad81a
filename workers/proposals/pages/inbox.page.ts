/**
 * The inbox: pending proposals in every vault where the reviewer is member or admin, newest
 * first, each with who really asks and where each value it asks for would be sent (as the vault
 * stands now). One the reviewer may not decide (it needs a vault admin, or they raised it) is
 * listed with that said plainly and no link to a form they could not use. Text the asker chose is
 * shown isolated (agent-text.ts).
 */
import type { InboxEntry } from "../proposals.actions.ts";
import type { ProposalView } from "../proposal-view.ts";
import { choicePhrase, destinationText, principalPhrase } from "../proposals.contract.ts";
import { chosenLine, phraseMarkup } from "../../console/agent-text.ts";
import { html, layout, notice } from "../../console/layout.ts";
import type { Frame } from "../../console/nav.ts";
import { heldRequestsSection } from "../../requests/pages/held-requests.page.ts";
import type { HeldInboxEntry } from "../../requests/requests.actions.ts";

/** "KEY → https://host (host chosen by agent x on …)" for each value the proposal asks for; a choice no vault admin made in bold. */
const destinations = (view: ProposalView) => {
  const slots = view.credentials.filter((s) => s.action === "set");
  if (slots.length === 0) return "";
  return html`<ul class="plain meta">${slots.map(
    (slot) =>
      html`<li><code>${slot.key}</code> → ${
        (slot.sent_to ?? []).length === 0
          ? "stored only"
          : (slot.sent_to ?? []).map(
              (d, i) =>
                html`${i ? "; " : ""}<code>${destinationText(d)}</code> ${d.chosen_by_admin ? html`(${phraseMarkup(choicePhrase(d))})` : html`<strong>(${phraseMarkup(choicePhrase(d))})</strong>`}`,
            )
      }</li>`,
  )}</ul>`;
};

/** Why this reviewer cannot decide it, as a marker. */
const REFUSALS: Partial<Record<string, string>> = { admin_required: "needs a vault admin", own_proposal: "raised by you: another person decides it" };

function entry({ view, refusal }: InboxEntry) {
  const what = html`${phraseMarkup(principalPhrase(view.raised_by))}: ${
    view.message ? chosenLine(view.message.slice(0, 120)) : `${view.services.length} host(s), ${view.credentials.length} credential(s)`
  }`;
  const heading = refusal
    ? html`<span>${what}</span> <span class="badge">${REFUSALS[refusal.code] ?? "not yours to decide"}</span><p class="hint">${refusal.message}</p>`
    : html`<a href="/approve/${view.id}">${what}</a>`;
  return html`<li>${heading}
    <div class="meta">${view.created_at.slice(0, 16).replace("T", " ")} UTC</div>${destinations(view)}</li>`;
}

export function inboxPage(options: { items: InboxEntry[]; held: HeldInboxEntry[]; frame: Frame }) {
  const byVault = new Map<string, InboxEntry[]>();
  for (const item of options.items) byVault.set(item.view.vault, [...(byVault.get(item.view.vault) ?? []), item]);
  const body = html`<h1>Pending requests</h1>
${options.items.length === 0 && options.held.length === 0 ? notice("info", "Nothing is waiting for you.") : ""}
${heldRequestsSection(options.held)}
${[...byVault.entries()].map(
  ([vault, items]) => html`<section class="card" aria-labelledby="vault-${vault}">
  <h2 id="vault-${vault}">Vault <code>${vault}</code></h2>
  <ul class="plain">${items.map(entry)}</ul>
</section>`,
)}`;
  return layout("Inbox", body, options.frame);
}
