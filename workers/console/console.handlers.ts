/**
 * The web pages a human uses, mounted here: sign in, the proposals' inbox and approval page
 * (`approval_url`), and the console's pages (console.routers.ts: each lives in its feature's
 * `pages/`), with the one stylesheet. Cookie sessions only; every form carries the session's CSRF
 * token and must come from this origin.
 */
import { proposalPages } from "../proposals/pages/proposals.handlers.ts";
import { createRouter } from "../router.ts";
import { signInPages } from "../sign-in/pages/sign-in.handlers.ts";
import { ssoSignInPages } from "../sso/pages/sso-sign-in.handlers.ts";
import { APP_CSS } from "./app-css.ts";
import { consoleRouters } from "./console.routers.ts";

export const pagesRouter = createRouter();

pagesRouter.get("/assets/app.css", (c) =>
  c.body(APP_CSS, 200, { "Content-Type": "text/css; charset=utf-8", "Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff" }),
);
pagesRouter.get("/", (c) => c.redirect("/inbox", 303));
for (const router of consoleRouters) pagesRouter.route("/", router);
pagesRouter.route("/", signInPages);
pagesRouter.route("/", ssoSignInPages);
pagesRouter.route("/", proposalPages);
