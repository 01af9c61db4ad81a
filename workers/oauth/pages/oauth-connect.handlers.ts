/**
 * Connecting an account in the browser (connect.actions.ts), as pages: "Connect <provider>" on a
 * service (`POST /vaults/{vault}/services/{name}/connect`, from the vault page and the approval
 * page) makes a connect and shows it; its page (`GET /vaults/{vault}/oauth/{id}`, also where the
 * CLI's link leads) shows the provider and the scopes before the person goes; "Continue"
 * (`POST`) binds the state to this session and, by a cookie, to this browser, and answers the link
 * to the provider (the console's CSP, `form-action 'self'`, keeps a form from redirecting off the
 * edge); the provider's answer comes back to `GET /oauth/callback`.
 *
 * The binding cookie is SameSite=Lax, unlike the session's Strict: the provider's redirect back is
 * a cross-site navigation that must carry it (and cannot carry the session's). It holds a random
 * value whose SHA-256 the connect keeps, is scoped to the callback's path, and is spent there.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../../app-env.ts";
import { ruleOf } from "../../auth/gate.ts";
import { consoleGet, consolePost, page } from "../../console/console-route.ts";
import { frameOf } from "../../console/nav.ts";
import { FORM_BODY_LIMIT, formBodyLimit } from "../../console/page-forms.ts";
import { pageSession } from "../../console/page-session.ts";
import { AppError } from "../../lib/app-error.ts";
import { createRouter } from "../../router.ts";
import { actionContextOf, publicContextOf } from "../../request-context.ts";
import { createConnection, finishConnect, readConnection, startConnect } from "../connect.actions.ts";
import { CONNECT_TTL_MS, connectPagePath, MAX_CLIENT_SECRET_LENGTH, OAUTH_CALLBACK_PATH } from "../oauth-connect.contract.ts";
import { connectedPage, connectPage, goToProviderPage } from "./oauth-connect.page.ts";

ruleOf("GET /oauth/callback");

export const OAUTH_CONNECT_COOKIE = "ev_oauth_connect";
const CONNECT_COOKIE_OPTIONS = { httpOnly: true, secure: true, sameSite: "Lax", path: OAUTH_CALLBACK_PATH } as const;

export const oauthConnectPages = createRouter();

oauthConnectPages.post(
  "/vaults/:vault/services/:name/connect",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /vaults/{vault}/services/{name}/connect", async (c) => {
    const vault = c.req.param("vault") ?? "";
    const made = await createConnection(actionContextOf(c), vault, c.req.param("name") ?? "", {});
    return c.redirect(connectPagePath(vault, made.id), 303);
  }),
);

oauthConnectPages.get(
  "/vaults/:vault/oauth/:id",
  consoleGet("GET /vaults/{vault}/oauth/{id}", async (c, session) => {
    const connection = await readConnection(actionContextOf(c), c.req.param("vault") ?? "", c.req.param("id") ?? "");
    return page(c, connectPage({ frame: frameOf(session, "/vaults"), connection }));
  }),
);

oauthConnectPages.post(
  "/vaults/:vault/oauth/:id",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /vaults/{vault}/oauth/{id}", async (c, session, form) => {
    const typed = form.one("client_secret")?.trim() || undefined;
    if (typed && typed.length > MAX_CLIENT_SECRET_LENGTH) throw new AppError(400, "invalid_request", "The client secret is too long");
    const started = await startConnect(actionContextOf(c), c.req.param("vault") ?? "", c.req.param("id") ?? "", typed);
    setCookie(c, OAUTH_CONNECT_COOKIE, started.browserBinding, { ...CONNECT_COOKIE_OPTIONS, maxAge: CONNECT_TTL_MS / 1000 });
    return page(c, goToProviderPage({ frame: frameOf(session, "/vaults"), connection: started.view, url: started.authorizationUrl }));
  }),
);

oauthConnectPages.get(OAUTH_CALLBACK_PATH, async (c: Context<AppEnv>) => {
  const binding = getCookie(c, OAUTH_CONNECT_COOKIE);
  // Spent whatever happens: a connect is finished once, by one answer.
  deleteCookie(c, OAUTH_CONNECT_COOKIE, CONNECT_COOKIE_OPTIONS);
  // The person's menu when their Strict session cookie came along (it does not on the provider's cross-site redirect).
  const session = await pageSession(c);
  const frame = session ? frameOf(session) : undefined;
  try {
    const done = await finishConnect(publicContextOf(c), new URL(c.req.url), binding);
    return page(c, connectedPage({ frame, outcome: { ok: true, ...done } }));
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    console.warn(JSON.stringify({ level: "warn", code: error.code, where: "oauth callback", reason: error.extra.reason ?? error.code }));
    return page(c, connectedPage({ frame, outcome: { ok: false, message: error.message } }), error.status === 403 || error.status === 409 ? error.status : 400);
  }
});
