/**
 * Inviting an agent: the form (name, company role, vault roles, how long the invite lasts), the
 * pending invites by their token's last characters, and, once, the prompt to paste into the
 * agent's chat. The invite's token is in that prompt only.
 */
import { AGENT_ID_RULE } from "../../agents/agents.contract.ts";
import type { VaultRole } from "../../db/schema.ts";
import { VAULT_ROLES } from "../../vaults/vaults.contract.ts";
import type { PendingInviteView } from "../invites.actions.ts";
import { html, layout, type Markup, raw } from "../../console/layout.ts";
import type { Frame } from "../../console/nav.ts";
import { csrfField, type Flash, flashNotice, whenIso } from "../../console/page-parts.ts";

export const INVITE_LIFETIMES = [
  { seconds: 15 * 60, label: "15 minutes" },
  { seconds: 3600, label: "1 hour" },
  { seconds: 24 * 3600, label: "1 day" },
  { seconds: 7 * 24 * 3600, label: "7 days" },
] as const;

/** What the person typed, to fill the form again after a refusal. */
export type InviteDraft = { name?: string; role?: string; grants: Record<string, string>; ttl?: number };

export type AgentInvitesModel = {
  frame: Frame;
  invites: PendingInviteView[];
  /** Vaults the person may grant a role in, with the highest role they may grant. */
  vaults: { name: string; maxRole: VaultRole }[];
  mayInviteOwner: boolean;
  draft?: InviteDraft;
  flash?: Flash;
};

const selected = (on: boolean) => (on ? raw(" selected") : "");
const RANK: Record<VaultRole, number> = { proxy: 1, member: 2, admin: 3 };

export function agentInvitesPage(model: AgentInvitesModel): Markup {
  const draft = model.draft ?? { grants: {} };
  const form = html`<form method="post" action="/agent-invites" class="card" aria-labelledby="invite-title">
  <h2 id="invite-title">Invite an agent</h2>
  ${csrfField(model.frame)}
  <label for="name">Agent name</label>
  <input id="name" name="name" type="text" required maxlength="64" pattern="[a-z0-9\\-]{3,64}" autocomplete="off" spellcheck="false" value="${draft.name ?? ""}" aria-describedby="name-hint">
  <p class="hint" id="name-hint">${AGENT_ID_RULE}.</p>
  <label for="role">Company role</label>
  <select id="role" name="role">
    <option value="member"${selected(draft.role !== "owner")}>member: only the vaults granted below</option>
    ${model.mayInviteOwner ? html`<option value="owner"${selected(draft.role === "owner")}>owner: admin of every vault, manages agents</option>` : ""}
  </select>
  ${
    model.vaults.length
      ? html`<fieldset><legend>Vault roles</legend>
    ${model.vaults.map(
      (v) => html`<label for="grant-${v.name}">Vault <code>${v.name}</code></label>
    <select id="grant-${v.name}" name="grant_${v.name}">
      <option value="">no access</option>
      ${VAULT_ROLES.filter((r) => RANK[r] <= RANK[v.maxRole]).map((r) => html`<option value="${r}"${selected(draft.grants[v.name] === r)}>${r}</option>`)}
    </select>`,
    )}
    <p class="hint">proxy: call APIs through the vault and propose access · member: also mint sessions and set credentials · admin: also configure services.</p>
  </fieldset>`
      : ""
  }
  <label for="ttl">The invite works for</label>
  <select id="ttl" name="ttl_seconds">
    ${INVITE_LIFETIMES.map((t) => html`<option value="${t.seconds}"${selected((draft.ttl ?? INVITE_LIFETIMES[0].seconds) === t.seconds)}>${t.label}</option>`)}
  </select>
  <div class="actions"><button type="submit" class="primary">Continue</button></div>
</form>`;
  const list = model.invites.length
    ? html`<div class="table-wrap"><table>
  <thead><tr><th scope="col">Agent</th><th scope="col">Kind</th><th scope="col">Vaults</th><th scope="col">Token ends in</th><th scope="col">Expires</th><th scope="col"><span class="meta">Action</span></th></tr></thead>
  <tbody>${model.invites.map(
    (i) => html`<tr>
    <td><code>${i.name}</code> <span class="meta">(${i.role})</span></td>
    <td>${i.kind}</td>
    <td>${i.vaults.length ? i.vaults.map((v, n) => html`${n ? ", " : ""}<code>${v.vault}</code> ${v.role}`) : html`<span class="meta">none</span>`}</td>
    <td><code>…${i.token_suffix}</code></td>
    <td>${whenIso(i.expires_at)}</td>
    <td>${
      i.mayRevoke
        ? html`<form method="post" action="/agent-invites/${i.token_suffix}/revoke" class="inline">${csrfField(model.frame)}<button type="submit" class="danger">Revoke</button></form>`
        : ""
    }</td>
  </tr>`,
  )}</tbody>
</table></div>`
    : html`<p class="meta">No invite is pending.</p>`;
  const body = html`<p><a href="/agents">← Agents</a></p>
<h1>Agent invites</h1>
${flashNotice(model.flash)}
${form}
<section aria-labelledby="pending-title"><h2 id="pending-title">Pending invites</h2>${list}</section>`;
  return layout("Agent invites", body, model.frame);
}
