/** The sign-in page. */
import { html, layout, notice } from "./layout.ts";

export function signInPage(options: { next: string; error?: string; email?: string }) {
  return layout(
    "Sign in",
    html`<h1>Sign in</h1>
${options.error ? notice("error", options.error) : ""}
<form method="post" action="/sign-in" class="card">
  <input type="hidden" name="next" value="${options.next}">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${options.email ?? ""}" autofocus>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <div class="actions"><button type="submit" class="primary">Sign in</button></div>
</form>`,
  );
}
