/**
 * Signing in through a company's identity provider (sso-sign-in.actions.ts), as pages:
 * `GET /sign-in/sso` asks for a work address or takes the company, then shows where the person
 * goes before they go, and sets the cookie that binds the sign-in to this browser;
 * `GET /sign-in/sso/callback` is where the provider sends them back. Both live on the public
 * origin only: a start reached under a company's host moves there first, so its cookie is where
 * the callback will look. A refusal is a page saying why, with its status, never a 500.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../../app-env.ts";
import { ruleOf } from "../../auth/gate.ts";
import { configOf, publicOriginIn } from "../../config.ts";
import { page } from "../../console/console-route.ts";
import { AppError } from "../../lib/app-error.ts";
import { createRouter } from "../../router.ts";
import { publicContextOf } from "../../request-context.ts";
import { setSessionCookie } from "../../sign-in/session-cookie.ts";
import { safeNext } from "../../sign-in/pages/next-path.ts";
import { SSO_FLOW_COOKIE, SSO_FLOW_TTL_MS } from "../sso-flow-cookie.ts";
import { finishSsoSignIn, type SsoTarget, startSsoSignIn } from "../sso-sign-in.actions.ts";
import { SSO_CALLBACK_PATH, SSO_START_PATH } from "../sso.contract.ts";
import { ssoAddressPage, ssoContinuePage, ssoSignedInPage } from "./sso-sign-in.page.ts";

ruleOf("GET /sign-in/sso");
ruleOf("GET /sign-in/sso/callback");

/**
 * The flow cookie: SameSite=Lax, unlike the session's Strict, because the provider's redirect back
 * is a cross-site navigation that must carry it; scoped to the two paths that read it.
 */
const FLOW_COOKIE_OPTIONS = { httpOnly: true, secure: true, sameSite: "Lax", path: SSO_START_PATH } as const;

/** Refusals the pages render (4xx), and a provider that could not be reached (502). */
const shown = (error: unknown): error is AppError => error instanceof AppError && (error.status < 500 || error.status === 502);

export const ssoSignInPages = createRouter();

ssoSignInPages.get(SSO_START_PATH, async (c) => {
  const origin = publicOriginIn(configOf(c.env));
  const here = new URL(c.req.url);
  if (here.origin !== origin) return c.redirect(`${origin}${here.pathname}${here.search}`, 303);
  const next = safeNext(c.req.query("next"));
  const company = c.req.query("company");
  const email = c.req.query("email")?.trim();
  if (!company && !email) return page(c, ssoAddressPage({ next }));
  const target: SsoTarget = company ? { company: company.slice(0, 64) } : { email: (email ?? "").slice(0, 254) };
  try {
    const started = await startSsoSignIn(publicContextOf(c), target, next);
    setCookie(c, SSO_FLOW_COOKIE, started.cookie, { ...FLOW_COOKIE_OPTIONS, maxAge: SSO_FLOW_TTL_MS / 1000 });
    return page(c, ssoContinuePage({ company: started.company, providerHost: started.providerHost, url: started.authorizationUrl, next }));
  } catch (error) {
    if (!shown(error)) throw error;
    return page(c, ssoAddressPage({ next, email, error: error.message }), refusal(error));
  }
});

ssoSignInPages.get(SSO_CALLBACK_PATH, async (c: Context<AppEnv>) => {
  const cookie = getCookie(c, SSO_FLOW_COOKIE);
  // Spent whatever happens: a sign-in is finished once, by one answer.
  deleteCookie(c, SSO_FLOW_COOKIE, FLOW_COOKIE_OPTIONS);
  try {
    const { session, next } = await finishSsoSignIn(publicContextOf(c), cookie, new URL(c.req.url));
    setSessionCookie(c, session.token);
    return page(c, ssoSignedInPage({ email: session.user.email, next }), 200, { Refresh: `0; url=${next}` });
  } catch (error) {
    if (!shown(error)) throw error;
    // For whoever sets up the provider: why it failed, by the check's name (never a token, a code or a claim).
    const cause = error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : undefined;
    console.warn(JSON.stringify({ level: "warn", code: error.code, where: "sso callback", reason: cause ?? error.message }));
    return page(c, ssoAddressPage({ next: "/inbox", error: error.message }), refusal(error));
  }
});

const refusal = (error: AppError): 400 | 403 | 404 | 502 => (error.status === 404 ? 404 : error.status === 403 ? 403 : error.status === 502 ? 502 : 400);
