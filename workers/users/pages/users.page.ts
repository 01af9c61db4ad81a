/**
 * The company's people (owners only, as GET /v1/users): invite one (the accept link is shown
 * once), change a company role, remove someone. Passwords are set by the invited person on the
 * accept page and never appear here.
 */
import { html, layout, type Markup, raw } from "../../console/layout.ts";
import type { Frame } from "../../console/nav.ts";
import { csrfField, type Flash, flashNotice, whenIso } from "../../console/page-parts.ts";

export type UserRowView = { id: string; email: string; name: string; role: string; status: string; created_at: string };

const selected = (on: boolean) => (on ? raw(" selected") : "");

export function usersPage(model: {
  frame: Frame;
  users: UserRowView[];
  selfId: string;
  draft?: { email?: string; name?: string; role?: string };
  flash?: Flash;
}): Markup {
  const draft = model.draft ?? {};
  const rows = model.users.map(
    (u) => html`<tr>
    <td>${u.email}${u.id === model.selfId ? html` <span class="meta">(you)</span>` : ""}${u.name ? html`<div class="meta">${u.name}</div>` : ""}</td>
    <td><span class="badge ${u.status}">${u.status}</span></td>
    <td><form method="post" action="/users/${u.id}/role" class="inline">${csrfField(model.frame)}
      <label class="check" for="role-${u.id}"><span class="meta">Role of ${u.email}</span></label>
      <select id="role-${u.id}" name="role"><option value="member"${selected(u.role === "member")}>member</option><option value="owner"${selected(u.role === "owner")}>owner</option></select>
      <button type="submit" class="secondary">Set</button></form></td>
    <td>${whenIso(u.created_at)}</td>
    <td><form method="post" action="/users/${u.id}/delete" class="inline">${csrfField(model.frame)}<button type="submit" class="danger">Remove…</button></form></td>
  </tr>`,
  );
  const body = html`<h1>Users</h1>
${flashNotice(model.flash)}
<form method="post" action="/users" class="card" aria-labelledby="invite-person">
  <h2 id="invite-person">Invite a person</h2>
  ${csrfField(model.frame)}
  <label for="email">Email</label><input id="email" name="email" type="email" required maxlength="254" autocomplete="off" value="${draft.email ?? ""}">
  <label for="name">Name (optional)</label><input id="name" name="name" type="text" maxlength="200" autocomplete="off" value="${draft.name ?? ""}">
  <label for="role">Company role</label>
  <select id="role" name="role"><option value="member"${selected(draft.role !== "owner")}>member: the vaults they are given</option><option value="owner"${selected(draft.role === "owner")}>owner: everything</option></select>
  <p class="hint">You get a link to send them; they choose their own password on it. It works once, for 7 days.</p>
  <div class="actions"><button type="submit" class="primary">Invite</button></div>
</form>
<div class="table-wrap"><table>
  <thead><tr><th scope="col">Person</th><th scope="col">Status</th><th scope="col">Company role</th><th scope="col">Since</th><th scope="col"><span class="meta">Action</span></th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>`;
  return layout("Users", body, { ...model.frame, wide: true });
}
