/**
 * How every console page is served: the visitor must be a signed-in person (else: sign in
 * first), held to the page's row of the permission table before anything is read — through the
 * API's own door (`admitTo` in auth/gate.ts, reading the row from the request's table) — and a
 * form must carry the session's CSRF token from this origin. A refusal or bad input becomes a
 * page saying so, with its status, never a 500.
 */
import type { Context, Handler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../app-env.ts";
import { admitTo, ruleOf } from "../auth/gate.ts";
import type { Operation } from "../auth/permission-table.ts";
import { AppError } from "../lib/app-error.ts";
import { html, layout, type Markup, notice, PAGE_HEADERS } from "./layout.ts";
import { frameOf } from "./nav.ts";
import { type FormFields, readForm, requireForm } from "./page-forms.ts";
import { type PageSession, pageSession, signInRedirect } from "./page-session.ts";

export type PageHandler = (c: Context<AppEnv>, session: PageSession) => Promise<Response>;
export type FormHandler = (c: Context<AppEnv>, session: PageSession, form: FormFields) => Promise<Response>;

export const page = (c: Context<AppEnv>, markup: Markup, status: ContentfulStatusCode = 200, headers: Record<string, string> = {}) =>
  c.html(markup, status, { ...headers, ...PAGE_HEADERS });

const TITLES: Partial<Record<number, string>> = { 403: "Not allowed", 404: "Not found", 409: "Not done", 410: "No longer valid", 429: "Slow down" };

/** A refusal as a page: its message, its status, and the way back. */
export function errorPage(c: Context<AppEnv>, session: PageSession | undefined, error: AppError, back = { href: "/inbox", label: "Back to the inbox" }) {
  const title = TITLES[error.status] ?? "Not done";
  const body = html`<h1>${title}</h1>${notice("error", error.message)}<p><a href="${back.href}">${back.label}</a></p>`;
  const status = (error.status >= 400 && error.status < 500 ? error.status : 400) as ContentfulStatusCode;
  const retry = error.headers["Retry-After"];
  return page(c, layout(title, body, session ? frameOf(session) : {}), status, retry ? { "Retry-After": retry } : {});
}

/** Runs `work`; an AppError below 500 becomes a page (500s stay the one error handler's). */
async function rendered(c: Context<AppEnv>, session: PageSession, work: () => Promise<Response>): Promise<Response> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError && error.status < 500) return errorPage(c, session, error);
    throw error;
  }
}

/** A console page (GET) held to `operation`'s row. */
export function consoleGet(operation: Operation, handler: PageHandler): Handler<AppEnv> {
  ruleOf(operation); // an unclassified page fails when the app is built, as an unclassified route does
  return async (c) => {
    const session = await pageSession(c);
    if (!session) return signInRedirect(c);
    return rendered(c, session, async () => {
      admitTo(c, operation, session.principal);
      return handler(c, session);
    });
  };
}

/** A console form (POST) held to `operation`'s row: the row first, then the body, then its CSRF token. */
export function consolePost(operation: Operation, handler: FormHandler): Handler<AppEnv> {
  ruleOf(operation);
  return async (c) => {
    const session = await pageSession(c);
    if (!session) return signInRedirect(c);
    return rendered(c, session, async () => {
      admitTo(c, operation, session.principal);
      const form = await readForm(c);
      await requireForm(c, form.one("csrf"));
      return handler(c, session, form);
    });
  };
}
