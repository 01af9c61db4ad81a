/**
 * `/cli-login`: where a person confirms `edgevault login --web`. First the user code (typed, or
 * filled in from the link the CLI printed), then what asks — the name the CLI gave itself, the
 * address it asked from, when — with Confirm and Deny. Everything the CLI chose is escaped text.
 */
import { html, layout, type Markup, notice } from "../../console/layout.ts";
import type { Frame } from "../../console/nav.ts";
import { csrfField, whenIso } from "../../console/page-parts.ts";
import type { CliLoginView } from "../cli-logins.contract.ts";

const TITLE = "Log in the CLI";

/** The form that asks for the code the terminal shows. */
export function enterCodePage(frame: Frame, problem?: string): Markup {
  const body = html`<h1>${TITLE}</h1>
${problem ? notice("error", problem) : ""}
<form method="get" action="/cli-login" class="card" aria-labelledby="code-title">
  <h2 id="code-title">The code your terminal shows</h2>
  <label for="code">Code</label>
  <input id="code" name="code" type="text" required maxlength="20" autocomplete="off" autocapitalize="characters" spellcheck="false" aria-describedby="code-hint">
  <p class="hint" id="code-hint">Eight letters, like WDJB-MJHT, printed by <code>edgevault login --web</code>.</p>
  <div class="actions"><button type="submit" class="primary">Continue</button></div>
</form>`;
  return layout(TITLE, body, frame);
}

/** What asks, and the two answers, while it waits; its outcome once decided. */
export function decidePage(frame: Frame, login: CliLoginView): Markup {
  const waiting = login.status === "pending";
  const body = html`<h1>${TITLE}</h1>
<section class="card" aria-labelledby="asks">
  <h2 id="asks">A command line asks to log in as you</h2>
  <dl>
    <dt>Code</dt><dd><code id="user-code">${login.user_code}</code></dd>
    <dt>What asks</dt><dd id="client-name">${login.client_name}</dd>
    <dt>From address</dt><dd>${login.client_address ?? "unknown"}</dd>
    <dt>Asked</dt><dd>${whenIso(login.created_at)}</dd>
    <dt>Valid until</dt><dd>${whenIso(login.expires_at)}</dd>
  </dl>
  ${
    waiting
      ? html`<p>Confirm only if you just ran <code>edgevault login --web</code> and your terminal shows this same code. The command line then acts as
you (${frame.signedInAs}) until you sign it out.</p>
<div class="actions">
  <form method="post" action="/cli-login/approve" class="inline">${csrfField(frame)}<input type="hidden" name="code" value="${login.user_code}"><button type="submit" class="primary">Confirm and log in</button></form>
  <form method="post" action="/cli-login/deny" class="inline">${csrfField(frame)}<input type="hidden" name="code" value="${login.user_code}"><button type="submit" class="danger">Deny</button></form>
</div>`
      : notice("info", statusText(login.status))
  }
</section>`;
  return layout(TITLE, body, frame);
}

function statusText(status: CliLoginView["status"]): string {
  switch (status) {
    case "approved":
    case "collected":
      return "Confirmed: the command line is logged in as you. You can close this page.";
    case "denied":
      return "Denied: the command line got nothing.";
    case "expired":
      return "This login expired. Run edgevault login --web again for a new code.";
    default:
      return "Waiting.";
  }
}
