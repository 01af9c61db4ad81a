/**
 * The public page an invited person opens (`/accept/<token>`): they choose their password, then
 * sign in. The form has no `action`, so it posts back to this very URL and the invite's token is
 * never written into the page; the password is never rendered back.
 */
import { MIN_PASSWORD_LENGTH } from "../users.contract.ts";
import { html, layout, type Markup, notice } from "../../console/layout.ts";

export function acceptPage(model: { email: string; company: string; name?: string; error?: string }): Markup {
  const body = html`<h1>Join ${model.company}</h1>
${model.error ? notice("error", model.error) : ""}
<form method="post" class="card">
  <p>You were invited to Edgevault as <strong>${model.email}</strong>. Choose a password to finish.</p>
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="username" value="${model.email}" readonly>
  <label for="name">Your name (optional)</label>
  <input id="name" name="name" type="text" autocomplete="name" maxlength="200" value="${model.name ?? ""}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}" maxlength="256" aria-describedby="password-hint">
  <p class="hint" id="password-hint">At least ${MIN_PASSWORD_LENGTH} characters.</p>
  <label for="password-again">Password again</label>
  <input id="password-again" name="password_again" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}" maxlength="256">
  <div class="actions"><button type="submit" class="primary">Set my password</button></div>
</form>`;
  return layout("Accept your invite", body);
}

export function acceptedPage(model: { email: string }): Markup {
  return layout(
    "Welcome",
    html`<h1>Your password is set</h1>
<p class="notice ok" role="status">You can now sign in as ${model.email}.</p>
<p><a class="button primary" href="/sign-in">Sign in</a></p>`,
  );
}

export function inviteGonePage(message: string): Markup {
  return layout("Invite not valid", html`<h1>This invite cannot be used</h1>${notice("error", message)}<p>Ask whoever invited you for a new link.</p>`);
}
