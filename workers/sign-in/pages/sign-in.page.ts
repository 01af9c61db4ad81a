/** The sign-in page: a password, or single sign-on through a company's identity provider. */
import { html, layout, notice } from "../../console/layout.ts";

export type CompanyChoice = { id: string; name: string };

/**
 * Single sign-on as the page offers it: always by work address (`byAddress`, on the public origin,
 * where the provider sends people back); on a company's own host, that company's provider first,
 * and without the password form when the company turned passwords off.
 */
export type SsoOffer = {
  byAddress: string;
  company?: { name: string; providerHost: string; passwordSignIn: boolean; url: string };
};

/**
 * `companies`: the password opened accounts in several companies (409 `company_required`), so
 * the form asks which one; the password is typed again, never rendered back.
 */
export function signInPage(options: { next: string; error?: string; email?: string; companies?: readonly CompanyChoice[]; sso?: SsoOffer }) {
  const companies = options.companies ?? [];
  const company = options.sso?.company;
  const passwords = company?.passwordSignIn ?? true;
  return layout(
    "Sign in",
    html`<h1>Sign in</h1>
${options.error ? notice("error", options.error) : ""}
${
  company
    ? html`<section class="card" aria-labelledby="sso-company">
  <h2 id="sso-company">${company.name}</h2>
  <p>${company.name} signs people in through its identity provider, <strong>${company.providerHost}</strong>.</p>
  <div class="actions"><a class="button primary" href="${company.url}">Continue with single sign-on</a></div>
</section>`
    : ""
}
${
  passwords
    ? html`<form method="post" action="/sign-in" class="card">
  <input type="hidden" name="next" value="${options.next}">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${options.email ?? ""}" ${companies.length ? "" : "autofocus"}>
  ${
    companies.length
      ? html`<label for="company">Company</label>
  <select id="company" name="company" required autofocus>
    ${companies.map((choice) => html`<option value="${choice.id}">${choice.name} (${choice.id})</option>`)}
  </select>`
      : ""
  }
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <div class="actions"><button type="submit" class="primary">Sign in</button></div>
</form>`
    : html`<p class="meta">${company?.name ?? ""} has turned password sign-in off.</p>`
}
${options.sso && !company ? html`<p class="meta">Does your company use an identity provider? <a href="${options.sso.byAddress}">Use single sign-on</a>.</p>` : ""}`,
  );
}
