/**
 * Markup the console pages share: flash notices after a redirect, the confirmation step every
 * destructive form goes through (a second form, no script), what is shown once, times, pagers.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../app-env.ts";
import { AppError } from "../lib/app-error.ts";
import { html, layout, type Markup, notice } from "./layout.ts";
import type { Frame } from "./nav.ts";
import type { FormFields } from "./page-forms.ts";

export type Flash = { kind: "ok" | "error" | "info"; text: string };

export const flashNotice = (flash: Flash | undefined) => (flash ? notice(flash.kind, flash.text) : "");

/**
 * After post/redirect/get the query names what was done (`?done=deleted`); the text is this page's
 * own, so a crafted link cannot put words on the page.
 */
export function doneFlash(c: Context<AppEnv>, messages: Record<string, string>): Flash | undefined {
  const done = c.req.query("done");
  const text = done ? messages[done] : undefined;
  return text ? { kind: "ok", text } : undefined;
}

/** An expected refusal of a write, to show on the page it came from. */
export const errorFlash = (error: AppError): Flash => ({ kind: "error", text: error.message });

/** The status a page re-rendered after a refused write answers with. */
export const refusalStatus = (error: AppError) => (error.status >= 400 && error.status < 500 ? error.status : 400) as ContentfulStatusCode;

/** Runs a write; an expected refusal (an AppError below 500) is returned to be shown, anything else thrown. */
export async function attempt<T>(write: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: AppError }> {
  try {
    return { ok: true, value: await write() };
  } catch (error) {
    if (error instanceof AppError && error.status < 500) return { ok: false, error };
    throw error;
  }
}

/** A form that went through its confirmation step carries `confirm=yes`. */
export const confirmed = (form: FormFields) => form.one("confirm") === "yes";

export type ConfirmStep = {
  title: string;
  question: Markup;
  action: string;
  /** The fields to send again (never a secret: they are rendered into the page). */
  fields: Record<string, string | readonly string[]>;
  button: string;
  danger?: boolean;
  cancel: { href: string; label: string };
};

/** The second step of a write: what it will do, and one button that does it. */
export function confirmPage(frame: Frame, step: ConfirmStep): Markup {
  const hidden = Object.entries(step.fields).flatMap(([name, value]) =>
    (typeof value === "string" ? [value] : value).map((v) => html`<input type="hidden" name="${name}" value="${v}">`),
  );
  const body = html`<h1>${step.title}</h1>
<form method="post" action="${step.action}" class="card">
  <input type="hidden" name="csrf" value="${frame.csrf}">
  <input type="hidden" name="confirm" value="yes">
  ${hidden}
  <div>${step.question}</div>
  <div class="actions"><button type="submit" class="${step.danger ? "danger" : "primary"}">${step.button}</button><a class="button secondary" href="${step.cancel.href}">${step.cancel.label}</a></div>
</form>`;
  return layout(step.title, body, frame);
}

/** A secret shown once by design (a new API key, an invite prompt): said plainly, selectable. */
export function shownOnce(label: string, value: string, id: string): Markup {
  return html`<section class="card" aria-labelledby="${id}-title">
  <h2 id="${id}-title">${label}</h2>
  <p class="notice warn">Shown once: copy it now. Edgevault keeps only its hash and cannot show it again.</p>
  <pre class="once" id="${id}">${value}</pre>
</section>`;
}

/** `2026-05-01 14:03 UTC`; `never` for no time. */
export const when = (ms: number | null | undefined) => (ms == null ? "never" : `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`);
/** The same from an ISO string (the API views' timestamps). */
export const whenIso = (text: string | null | undefined) => (text ? when(Date.parse(text)) : "never");

/** A hidden CSRF field for the page's forms. */
export const csrfField = (frame: Frame) => html`<input type="hidden" name="csrf" value="${frame.csrf}">`;

/** Links to the previous and next page of a list, keeping its filters. */
export function pager(base: string, params: URLSearchParams, page: { current: number; total: number }, key = "page"): Markup {
  if (page.total <= 1) return html``;
  const link = (n: number) => {
    const next = new URLSearchParams(params);
    next.set(key, String(n));
    return `${base}?${next.toString()}`;
  };
  return html`<nav class="pager" aria-label="Pages">
  ${page.current > 1 ? html`<a href="${link(page.current - 1)}" rel="prev">← Previous</a>` : ""}
  <span>Page ${page.current} of ${page.total}</span>
  ${page.current < page.total ? html`<a href="${link(page.current + 1)}" rel="next">Next →</a>` : ""}
</nav>`;
}
