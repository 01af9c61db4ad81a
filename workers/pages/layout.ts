/**
 * The web pages' shell: server-rendered HTML with one same-origin stylesheet and no script,
 * under a strict Content-Security-Policy. `html` from hono escapes every interpolated value.
 */
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

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

type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

export function layout(title: string, body: Markup, options: { signedInAs?: string; csrf?: string } = {}): Markup {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Edgevault</title>
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
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
<main id="main">
${body}
</main>
</body>
</html>`;
}

export function notice(kind: "error" | "ok" | "info", text: string): Markup {
  return html`<p class="notice ${kind}" role="${kind === "error" ? "alert" : "status"}">${text}</p>`;
}

export { html, raw };
