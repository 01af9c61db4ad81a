/**
 * `/sso`: the actions of GET, PUT and DELETE /v1/company/sso for owners (sso.actions.ts). The form
 * reads as the API's body (SetSsoBody), from fields a person can type: domains and scopes as lists
 * in one field, group roles one `group = role` per line; a refusal shows the form again as sent,
 * never the secret.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../app-env.ts";
import { consoleGet, consolePost, page } from "../../console/console-route.ts";
import { html } from "../../console/layout.ts";
import { frameOf } from "../../console/nav.ts";
import { FORM_BODY_LIMIT, formBodyLimit, type FormFields } from "../../console/page-forms.ts";
import { attempt, confirmed, confirmPage, doneFlash, errorFlash, type Flash, refusalStatus } from "../../console/page-parts.ts";
import type { PageSession } from "../../console/page-session.ts";
import { createRouter } from "../../router.ts";
import { actionContextOf } from "../../request-context.ts";
import { companySsoSettings, removeCompanySso, setCompanySso } from "../sso.actions.ts";
import { SetSsoBody } from "../sso.contract.ts";
import { type SsoDraft, ssoSettingsPage } from "./sso-settings.page.ts";

const DONE = {
  saved: "Saved. People can sign in through the provider now.",
  removed: "Single sign-on removed: everyone signs in with a password again.",
};

async function show(c: Context<AppEnv>, session: PageSession, options: { flash?: Flash; draft?: SsoDraft; status?: ContentfulStatusCode } = {}) {
  const settings = await companySsoSettings(actionContextOf(c));
  const frame = frameOf(session, "/sso");
  return page(c, ssoSettingsPage({ frame, settings, draft: options.draft, flash: options.flash ?? doneFlash(c, DONE) }), options.status);
}

const listOf = (text: string | undefined) => (text ?? "").split(/[\s,]+/).filter(Boolean);

/** `group = role` per line; undefined when a line is neither blank nor that. */
function groupRolesOf(text: string | undefined): Record<string, string> | undefined {
  const roles: Record<string, string> = {};
  for (const line of (text ?? "").split(/\r?\n/)) {
    if (!line.trim()) continue;
    const match = /^(.+?)\s*=\s*(\S+)\s*$/.exec(line.trim());
    if (!match?.[1] || !match[2]) return undefined;
    roles[match[1]] = match[2];
  }
  return roles;
}

function draftOf(form: FormFields): SsoDraft {
  return {
    issuer: form.one("issuer"),
    client_id: form.one("client_id"),
    token_auth: form.one("token_auth"),
    scopes: form.one("scopes"),
    domains: form.one("domains"),
    password_sign_in: form.one("password_sign_in") === "on",
    groups_claim: form.one("groups_claim"),
    group_roles: form.one("group_roles"),
  };
}

export const ssoSettingsPages = createRouter();

ssoSettingsPages.get(
  "/sso",
  consoleGet("GET /sso", (c, session) => show(c, session)),
);

ssoSettingsPages.post(
  "/sso",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /sso", async (c, session, form) => {
    const draft = draftOf(form);
    const groupRoles = groupRolesOf(draft.group_roles);
    const refused = (text: string) => show(c, session, { draft, flash: { kind: "error", text }, status: 400 });
    if (!groupRoles) return refused("Write group roles one per line, as group = owner or group = member");
    const parsed = SetSsoBody.safeParse({
      issuer: draft.issuer,
      client_id: draft.client_id,
      client_secret: form.one("client_secret"),
      token_auth: draft.token_auth,
      scopes: listOf(draft.scopes),
      domains: listOf(draft.domains),
      password_sign_in: draft.password_sign_in,
      groups_claim: draft.groups_claim,
      group_roles: groupRoles,
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return refused(`Check ${String(issue?.path[0] ?? "the form")}: ${issue?.message ?? "it is not valid"}`);
    }
    const done = await attempt(() => setCompanySso(actionContextOf(c), parsed.data));
    if (!done.ok) return show(c, session, { draft, flash: errorFlash(done.error), status: refusalStatus(done.error) });
    return c.redirect("/sso?done=saved", 303);
  }),
);

ssoSettingsPages.post(
  "/sso/delete",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /sso/delete", async (c, session, form) => {
    if (!confirmed(form)) {
      return page(
        c,
        confirmPage(frameOf(session, "/sso"), {
          title: "Remove single sign-on",
          question: html`<p>Remove the company's identity provider? Everyone signs in with a password again; people the provider created have none until an owner gives them one.</p>`,
          action: "/sso/delete",
          fields: {},
          button: "Remove single sign-on",
          danger: true,
          cancel: { href: "/sso", label: "Cancel" },
        }),
      );
    }
    const done = await attempt(() => removeCompanySso(actionContextOf(c)));
    if (!done.ok) return show(c, session, { flash: errorFlash(done.error), status: refusalStatus(done.error) });
    return c.redirect("/sso?done=removed", 303);
  }),
);
