/**
 * The web pages' sign-in and sign-out: the same actions as POST /v1/auth/sign-in (cookie mode) and
 * POST /v1/auth/sign-out (sign-in.actions.ts), answered with pages and redirects. Both forms must
 * come from this origin; signing out also needs the session's CSRF token.
 */
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../app-env.ts";
import { configOf, publicOriginIn } from "../../config.ts";
import { companyOfHost } from "../../lib/http/company-host.ts";
import { hostSignInOptions } from "../../sso/sso-sign-in.actions.ts";
import { SSO_START_PATH } from "../../sso/sso.contract.ts";
import { holdPageTo, ruleOf } from "../../auth/gate.ts";
import { AppError } from "../../lib/app-error.ts";
import { page } from "../../console/console-route.ts";
import { FORM_BODY_LIMIT, formBodyLimit, requireForm } from "../../console/page-forms.ts";
import { pageSession } from "../../console/page-session.ts";
import { createRouter } from "../../router.ts";
import { actionContextOf, publicContextOf } from "../../request-context.ts";
import { clearSessionCookie, setSessionCookie } from "../session-cookie.ts";
import { signIn, signOut } from "../sign-in.actions.ts";
import { safeNext } from "./next-path.ts";
import { type SsoOffer, signInPage } from "./sign-in.page.ts";

// Public rows, classified like every page (an unclassified one fails here, at start).
ruleOf("GET /sign-in");
ruleOf("POST /sign-in");

const SignInForm = z.object({
  email: z.string().email().max(254),
  password: z.string().min(1).max(256),
  next: z.string().max(2000).optional(),
  // Only sent once the password opened accounts in several companies (the page then asks which).
  company: z.string().max(64).optional(),
});
/** The `companies` a 409 `company_required` offers, as the sign-in page renders them. */
const CompanyChoices = z.array(z.object({ id: z.string(), name: z.string() }));

export const signInPages = createRouter();

/**
 * Single sign-on as this page offers it. Both links start on the public origin: the provider sends
 * people back there, and the cookie binding the sign-in to this browser must be there too.
 */
async function ssoOffer(c: Context<AppEnv>, next: string): Promise<SsoOffer> {
  const config = configOf(c.env);
  const start = (query: Record<string, string>) => `${publicOriginIn(config)}${SSO_START_PATH}?${new URLSearchParams({ ...query, next })}`;
  const host = await hostSignInOptions(publicContextOf(c), companyOfHost(new URL(c.req.url).hostname, config.baseDomain));
  return {
    byAddress: start({}),
    ...(host
      ? { company: { name: host.company.name, providerHost: host.providerHost, passwordSignIn: host.passwordSignIn, url: start({ company: host.company.id }) } }
      : {}),
  };
}

signInPages.get("/sign-in", async (c) => {
  const next = safeNext(c.req.query("next"));
  return page(c, signInPage({ next, sso: await ssoOffer(c, next) }));
});

signInPages.post("/sign-in", formBodyLimit(FORM_BODY_LIMIT), async (c) => {
  if (c.req.header("Origin") !== new URL(c.req.url).origin) throw new AppError(403, "csrf_failed", "This form must be sent from Edgevault's own pages");
  const parsed = SignInForm.safeParse(Object.fromEntries(Object.entries(await c.req.parseBody()).map(([k, v]) => [k, String(v)])));
  const next = safeNext(parsed.success ? parsed.data.next : undefined);
  if (!parsed.success) return page(c, signInPage({ next, sso: await ssoOffer(c, next), error: "Enter your email and password." }), 400);
  try {
    const { email, password, company } = parsed.data;
    const signedIn = await signIn(publicContextOf(c), { email, password, mode: "cookie", company: company || undefined }, c.req.header("CF-Connecting-IP"));
    setSessionCookie(c, signedIn.token);
    return c.redirect(next, 303);
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    const sso = await ssoOffer(c, next);
    if (error.code === "company_required") {
      const companies = CompanyChoices.parse(error.extra.companies);
      return page(
        c,
        signInPage({
          next,
          sso,
          email: parsed.data.email,
          companies,
          error: "This email and password open accounts in more than one company. Choose one and enter your password again.",
        }),
        409,
      );
    }
    // 403: the password was right, but the company signs in through its identity provider.
    const status = error.status === 429 || error.status === 403 ? error.status : 401;
    return page(c, signInPage({ next, sso, email: parsed.data.email, error: error.message }), status);
  }
});

signInPages.post("/sign-out", formBodyLimit(FORM_BODY_LIMIT), async (c) => {
  const session = await pageSession(c);
  if (session) {
    holdPageTo(c, "POST /sign-out", session.principal);
    await requireForm(c, String((await c.req.parseBody()).csrf ?? ""));
    await signOut(actionContextOf(c));
  }
  clearSessionCookie(c);
  return c.redirect("/sign-in", 303);
});
