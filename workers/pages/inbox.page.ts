/** The inbox: pending proposals in every vault the reviewer can decide in, newest first. */
import type { ProposalView } from "../proposals/proposal-view.ts";
import { html, layout, notice } from "./layout.ts";
import type { Frame } from "./nav.ts";

export function inboxPage(options: { items: { view: ProposalView; raisedBy: string }[]; frame: Frame }) {
  const byVault = new Map<string, { view: ProposalView; raisedBy: string }[]>();
  for (const item of options.items) byVault.set(item.view.vault, [...(byVault.get(item.view.vault) ?? []), item]);
  const body = html`<h1>Pending requests</h1>
${options.items.length === 0 ? notice("info", "Nothing is waiting for you.") : ""}
${[...byVault.entries()].map(
  ([vault, items]) => html`<section class="card" aria-labelledby="vault-${vault}">
  <h2 id="vault-${vault}">Vault <code>${vault}</code></h2>
  <ul class="plain">${items.map(
    ({
      view,
      raisedBy,
    }) => html`<li><a href="/approve/${view.id}">${raisedBy}: ${view.message ? view.message.slice(0, 120) : `${view.services.length} host(s), ${view.credentials.length} credential(s)`}</a>
    <div class="meta">${view.created_at.slice(0, 16).replace("T", " ")} UTC</div></li>`,
  )}</ul>
</section>`,
)}`;
  return layout("Inbox", body, options.frame);
}
