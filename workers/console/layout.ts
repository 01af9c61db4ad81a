/**
 * The web pages' shell: server-rendered HTML with one same-origin stylesheet and no script,
 * under a strict Content-Security-Policy. `html` from hono escapes every interpolated value.
 */
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { NavLink } from "./nav.ts";

export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * Headers on every page: no framing, no caching, and no referrer to other sites (approval URLs
 * carry a token). `same-origin`, not `no-referrer`: under `no-referrer` browsers send
 * `Origin: null` on form posts, which the pages' Origin check must refuse.
 */
export const PAGE_HEADERS: Record<string, string> = {
  "Content-Security-Policy": PAGE_CSP,
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "no-store",
};

export type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

export type LayoutOptions = {
  signedInAs?: string;
  csrf?: string;
  /** The console's menu (nav.ts): only the pages this person may open. */
  nav?: readonly NavLink[];
  /** The menu entry this page belongs to, marked `aria-current`. */
  current?: string;
  /** Tables and charts get the full width; forms keep a readable measure. */
  wide?: boolean;
};

export function layout(title: string, body: Markup, options: LayoutOptions = {}): Markup {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · Edgevault</title>
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/inbox">Edgevault</a>
  ${
    options.signedInAs
      ? html`<form method="post" action="/sign-out" class="signout">
        <input type="hidden" name="csrf" value="${options.csrf ?? ""}">
        <span class="who">${options.signedInAs}</span>
        <button type="submit" class="link">Sign out</button>
      </form>`
      : ""
  }
</header>
${
  options.nav?.length
    ? html`<nav class="nav" aria-label="Console"><ul>${options.nav.map(
        (link) => html`<li><a href="${link.href}"${link.href === options.current ? raw(' aria-current="page"') : ""}>${link.label}</a></li>`,
      )}</ul></nav>`
    : ""
}
<main id="main" tabindex="-1"${options.wide ? raw(' class="wide"') : ""}>
${body}
</main>
</body>
</html>`;
}

export function notice(kind: "error" | "ok" | "info", text: string): Markup {
  return html`<p class="notice ${kind}" role="${kind === "error" ? "alert" : "status"}">${text}</p>`;
}

export { html, raw };
