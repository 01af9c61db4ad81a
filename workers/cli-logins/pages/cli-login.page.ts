/**
 * `/cli-login`: where a person confirms `edgevault login --web`. First the user code (typed, or
 * filled in from the link the CLI printed), then what asks — the name the CLI gave itself, shown
 * isolated as its own words (console/agent-text.ts: anyone can start a login and call it
 * anything, "verified by Edgevault" included), the address it asked from, when — with Confirm
 * and Deny. Confirming takes the code typed again from the person's own terminal: a link with
 * `?code=` fills in someone's code, so one click must never be enough to hand them a login.
 */
import { chosenLine } from "../../console/agent-text.ts";
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

/** What asks, and the two answers, while it waits; its outcome once decided. `problem`: why the last Confirm was refused. */
export function decidePage(frame: Frame, login: CliLoginView, problem?: string): Markup {
  const waiting = login.status === "pending";
  const body = html`<h1>${TITLE}</h1>
${problem ? notice("error", problem) : ""}
<section class="card" aria-labelledby="asks">
  <h2 id="asks">A command line asks to log in as you</h2>
  <p class="user-code-large">Code: <code id="user-code">${login.user_code}</code></p>
  <dl>
    <dt>What asks, in its own words</dt><dd id="client-name">${chosenLine(login.client_name)}</dd>
    <dt>From address</dt><dd>${login.client_address ?? "unknown"}</dd>
    <dt>Asked</dt><dd>${whenIso(login.created_at)}</dd>
    <dt>Valid until</dt><dd>${whenIso(login.expires_at)}</dd>
  </dl>
  <p class="hint">Whoever started this login wrote its name: Edgevault has not checked it, and anyone can start one.</p>
  ${
    waiting
      ? html`<p>Confirm only if you just ran <code>edgevault login --web</code> yourself and your terminal shows this same code. The command line then acts as
you (${frame.signedInAs}) until you sign it out. If someone sent you this link, deny it.</p>
<form method="post" action="/cli-login/approve" aria-labelledby="confirm-title">${csrfField(frame)}<input type="hidden" name="code" value="${login.user_code}">
  <h3 id="confirm-title">Confirm</h3>
  <label for="typed-code">The code your terminal shows</label>
  <input id="typed-code" name="typed_code" type="text" required maxlength="20" autocomplete="off" autocapitalize="characters" spellcheck="false" aria-describedby="typed-code-hint">
  <p class="hint" id="typed-code-hint">Type it from your terminal, not from this page: a link can fill in someone else's code.</p>
  <div class="actions"><button type="submit" class="primary">Confirm and log in</button></div>
</form>
<form method="post" action="/cli-login/deny" class="inline">${csrfField(frame)}<input type="hidden" name="code" value="${login.user_code}"><button type="submit" class="danger">Deny</button></form>`
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
