/**
 * The vault page's "Members and roles": who holds which role in the vault and, for those allowed,
 * the forms that move roles (add a person by e-mail, change or remove a person's or an agent's
 * role). The forms are offered by the permission table; whether a given move is allowed (a role
 * moves only by someone above it) is decided by the write itself, and a refusal comes back here.
 */
import { VAULT_ROLES } from "../vaults.contract.ts";
import { html, type Markup, raw } from "../../console/layout.ts";
import type { Frame } from "../../console/nav.ts";
import { csrfField } from "../../console/page-parts.ts";

export type MembersModel = {
  frame: Frame;
  vault: string;
  people?: { user_id: string; email: string; role: string }[];
  agents?: { agent: string; role: string; status: string }[];
  may: { addPerson: boolean; movePeople: boolean; moveAgents: boolean };
  /** The add-a-person form as typed, after a refusal. */
  draft?: { email?: string; role?: string };
};

const ROLE_WORDS: Record<(typeof VAULT_ROLES)[number], string> = {
  proxy: "proxy: reach the vault's services",
  member: "member: also set credentials, decide proposals",
  admin: "admin: also services, settings, members",
};

const roleOptions = (current: string | undefined, words = false) =>
  VAULT_ROLES.map((r) => html`<option value="${r}"${current === r ? raw(" selected") : ""}>${words ? ROLE_WORDS[r] : r}</option>`);

/** One row's role form and remove button; `id` keeps the select's label unique on the page. */
function grantControls(frame: Frame, base: string, id: string, who: string, role: string): Markup {
  return html`<td><form method="post" action="${base}/role" class="inline">${csrfField(frame)}
      <label class="check" for="${id}"><span class="meta">Role of ${who}</span></label>
      <select id="${id}" name="role">${roleOptions(role)}</select>
      <button type="submit" class="secondary">Set<span class="meta"> ${who}</span></button></form></td>
    <td><form method="post" action="${base}/delete" class="inline">${csrfField(frame)}<button type="submit" class="danger">Remove…<span class="meta"> ${who}</span></button></form></td>`;
}

function peopleBlock(model: MembersModel): Markup {
  if (!model.people) return html``;
  const v = model.vault;
  const table = model.people.length
    ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Person</th>${
        model.may.movePeople ? html`<th scope="col">Role</th><th scope="col"><span class="meta">Action</span></th>` : html`<th scope="col">Role</th>`
      }</tr></thead><tbody>${model.people.map(
        (p) =>
          html`<tr><td>${p.email}</td>${
            model.may.movePeople
              ? grantControls(model.frame, `/vaults/${v}/users/${encodeURIComponent(p.user_id)}`, `user-role-${p.user_id}`, p.email, p.role)
              : html`<td>${p.role}</td>`
          }</tr>`,
      )}</tbody></table></div>`
    : html`<p class="meta">No person holds a grant.</p>`;
  const draft = model.draft ?? {};
  const add = model.may.addPerson
    ? html`<form method="post" action="/vaults/${v}/users" aria-labelledby="add-person">
  <h4 id="add-person">Add a person</h4>
  ${csrfField(model.frame)}
  <label for="member-email">Their e-mail</label>
  <input id="member-email" name="email" type="email" required maxlength="254" autocomplete="off" value="${draft.email ?? ""}" aria-describedby="member-email-hint">
  <p class="hint" id="member-email-hint">Someone of your company: invite them on Users first if they have no account.</p>
  <label for="member-role">Their role in this vault</label>
  <select id="member-role" name="role">${roleOptions(draft.role ?? "member", true)}</select>
  <div class="actions"><button type="submit" class="primary">Add to the vault</button></div>
</form>`
    : "";
  return html`<h3>People</h3>${table}${add}`;
}

function agentsBlock(model: MembersModel): Markup {
  if (!model.agents) return html``;
  const v = model.vault;
  if (!model.agents.length) return html`<h3>Agents</h3><p class="meta">No agent holds a grant.</p>`;
  const name = (a: { agent: string; status: string }) =>
    html`<a href="/agents/${encodeURIComponent(a.agent)}"><code>${a.agent}</code></a>${a.status !== "active" ? html` <span class="badge ${a.status}">${a.status}</span>` : ""}`;
  return html`<h3>Agents</h3><div class="table-wrap"><table><thead><tr><th scope="col">Agent</th><th scope="col">Role</th>${
    model.may.moveAgents ? html`<th scope="col"><span class="meta">Action</span></th>` : ""
  }</tr></thead><tbody>${model.agents.map(
    (a) =>
      html`<tr><td>${name(a)}</td>${
        model.may.moveAgents
          ? grantControls(model.frame, `/vaults/${v}/agents/${encodeURIComponent(a.agent)}`, `agent-role-${a.agent}`, a.agent, a.role)
          : html`<td>${a.role}</td>`
      }</tr>`,
  )}</tbody></table></div>`;
}

export function membersSection(model: MembersModel): Markup {
  if (!model.people && !model.agents) return html``;
  const moves = model.may.movePeople || model.may.moveAgents;
  return html`<section class="card" aria-labelledby="members"><h2 id="members">Members and roles</h2>
<p class="hint">Company owners and owner agents are admins of every vault without a grant.${
    moves ? " A role moves only by someone above it: you grant at most your own role, and change or remove only the grants below yours." : ""
  }</p>
${peopleBlock(model)}
${agentsBlock(model)}</section>`;
}
