/**
 * The single sign-on pages: asking for a work address, saying where the person is about to go
 * (which company, which provider) before they go, and the landing page once signed in.
 */
import { html, layout, type Markup, notice } from "../../console/layout.ts";

/** Asks for a work address; its domain picks the company whose provider signs the person in. */
export function ssoAddressPage(options: { next: string; email?: string; error?: string }): Markup {
  return layout(
    "Single sign-on",
    html`<h1>Single sign-on</h1>
${options.error ? notice("error", options.error) : ""}
<form method="get" action="/sign-in/sso" class="card">
  <input type="hidden" name="next" value="${options.next}">
  <label for="sso-address">Work address</label>
  <input id="sso-address" name="email" type="email" autocomplete="username" required autofocus value="${options.email ?? ""}" aria-describedby="sso-address-hint">
  <p class="hint" id="sso-address-hint">Your company's identity provider signs you in; Edgevault never sees your password there.</p>
  <div class="actions"><button type="submit" class="primary">Continue</button></div>
</form>
<p class="meta"><a href="/sign-in?next=${encodeURIComponent(options.next)}">Back to password sign-in</a></p>`,
  );
}

/**
 * The last stop before the provider: the person sees the company and the provider's host they
 * are sent to (a domain another company claimed would show here), and goes there by a link.
 */
export function ssoContinuePage(options: { company: { id: string; name: string }; providerHost: string; url: string; next: string }): Markup {
  return layout(
    "Single sign-on",
    html`<h1>Sign in to ${options.company.name}</h1>
<section class="card" aria-labelledby="sso-where">
  <h2 id="sso-where">Through ${options.providerHost}</h2>
  <p><strong>${options.company.name}</strong> <span class="meta">(${options.company.id})</span> signs people in through its identity provider at <strong>${options.providerHost}</strong>. You will come back here once it has signed you in.</p>
  <div class="actions"><a class="button primary" href="${options.url}">Continue to ${options.providerHost}</a></div>
</section>
<p class="meta">Not your company? <a href="/sign-in?next=${encodeURIComponent(options.next)}">Back to sign-in</a></p>`,
  );
}

/**
 * Signed in. The page moves on by itself (a Refresh header): its session cookie is SameSite=Strict,
 * which a browser holds back on the provider's cross-site redirect but sends from here.
 */
export function ssoSignedInPage(options: { email: string; next: string }): Markup {
  return layout(
    "Signed in",
    html`<h1>Signed in</h1>
${notice("ok", `Signed in as ${options.email}.`)}
<p><a class="button primary" href="${options.next}">Continue</a></p>`,
  );
}
