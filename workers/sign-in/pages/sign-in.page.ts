/** The sign-in page. */
import { html, layout, notice } from "../../console/layout.ts";

export type CompanyChoice = { id: string; name: string };

/**
 * `companies`: the password opened accounts in several companies (409 `company_required`), so
 * the form asks which one; the password is typed again, never rendered back.
 */
export function signInPage(options: { next: string; error?: string; email?: string; companies?: readonly CompanyChoice[] }) {
  const companies = options.companies ?? [];
  return layout(
    "Sign in",
    html`<h1>Sign in</h1>
${options.error ? notice("error", options.error) : ""}
<form method="post" action="/sign-in" class="card">
  <input type="hidden" name="next" value="${options.next}">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${options.email ?? ""}" ${companies.length ? "" : "autofocus"}>
  ${
    companies.length
      ? html`<label for="company">Company</label>
  <select id="company" name="company" required autofocus>
    ${companies.map((company) => html`<option value="${company.id}">${company.name} (${company.id})</option>`)}
  </select>`
      : ""
  }
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <div class="actions"><button type="submit" class="primary">Sign in</button></div>
</form>`,
  );
}
