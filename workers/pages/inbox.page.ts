/**
 * The inbox: pending proposals in every vault the reviewer can decide in, newest first, each with
 * who really asks and where each value it asks for would be sent (as the vault stands now).
 */
import type { ProposalView } from "../proposals/proposal-view.ts";
import { choiceText, destinationText, principalText } from "../proposals/proposals.contract.ts";
import { html, layout, notice } from "./layout.ts";
import type { Frame } from "./nav.ts";

/** "KEY → https://host (host chosen by agent x on …)" for each value the proposal asks for. */
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
                html`${i ? "; " : ""}<code>${destinationText(d)}</code> ${d.chosen_by_agent ? html`<strong>(${choiceText(d)})</strong>` : html`(${choiceText(d)})`}`,
            )
      }</li>`,
  )}</ul>`;
};

export function inboxPage(options: { items: ProposalView[]; frame: Frame }) {
  const byVault = new Map<string, ProposalView[]>();
  for (const view of options.items) byVault.set(view.vault, [...(byVault.get(view.vault) ?? []), view]);
  const body = html`<h1>Pending requests</h1>
${options.items.length === 0 ? notice("info", "Nothing is waiting for you.") : ""}
${[...byVault.entries()].map(
  ([vault, views]) => html`<section class="card" aria-labelledby="vault-${vault}">
  <h2 id="vault-${vault}">Vault <code>${vault}</code></h2>
  <ul class="plain">${views.map(
    (
      view,
    ) => html`<li><a href="/approve/${view.id}">${principalText(view.raised_by)}: ${view.message ? view.message.slice(0, 120) : `${view.services.length} host(s), ${view.credentials.length} credential(s)`}</a>
    <div class="meta">${view.created_at.slice(0, 16).replace("T", " ")} UTC</div>${destinations(view)}</li>`,
  )}</ul>
</section>`,
)}`;
  return layout("Inbox", body, options.frame);
}
