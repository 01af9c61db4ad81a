/**
 * The web pages' sign-in and sign-out: the same actions as POST /v1/auth/sign-in (cookie mode) and
 * POST /v1/auth/sign-out (sign-in.actions.ts), answered with pages and redirects. Both forms must
 * come from this origin; signing out also needs the session's CSRF token.
 */
import { z } from "zod";
import { holdPageTo, ruleOf } from "../../auth/gate.ts";
import { AppError } from "../../lib/app-error.ts";
import { page } from "../../console/console-route.ts";
import { FORM_BODY_LIMIT, formBodyLimit, requireForm } from "../../console/page-forms.ts";
import { pageSession } from "../../console/page-session.ts";
import { createRouter } from "../../router.ts";
import { actionContextOf, publicContextOf } from "../../request-context.ts";
import { clearSessionCookie, setSessionCookie } from "../session-cookie.ts";
import { signIn, signOut } from "../sign-in.actions.ts";
import { signInPage } from "./sign-in.page.ts";

// Public rows, classified like every page (an unclassified one fails here, at start).
ruleOf("GET /sign-in");
ruleOf("POST /sign-in");

/** Only same-site relative paths: `next` must never send a signed-in user to another host. */
const safeNext = (next: string | undefined) => (next && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : "/inbox");

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

signInPages.get("/sign-in", async (c) => page(c, signInPage({ next: safeNext(c.req.query("next")) })));

signInPages.post("/sign-in", formBodyLimit(FORM_BODY_LIMIT), async (c) => {
  if (c.req.header("Origin") !== new URL(c.req.url).origin) throw new AppError(403, "csrf_failed", "This form must be sent from Edgevault's own pages");
  const parsed = SignInForm.safeParse(Object.fromEntries(Object.entries(await c.req.parseBody()).map(([k, v]) => [k, String(v)])));
  const next = safeNext(parsed.success ? parsed.data.next : undefined);
  if (!parsed.success) return page(c, signInPage({ next, error: "Enter your email and password." }), 400);
  try {
    const { email, password, company } = parsed.data;
    const signedIn = await signIn(publicContextOf(c), { email, password, mode: "cookie", company: company || undefined }, c.req.header("CF-Connecting-IP"));
    setSessionCookie(c, signedIn.token);
    return c.redirect(next, 303);
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    if (error.code === "company_required") {
      const companies = CompanyChoices.parse(error.extra.companies);
      return page(
        c,
        signInPage({
          next,
          email: parsed.data.email,
          companies,
          error: "This email and password open accounts in more than one company. Choose one and enter your password again.",
        }),
        409,
      );
    }
    const status = error.status === 429 ? 429 : 401;
    return page(c, signInPage({ next, email: parsed.data.email, error: error.message }), status);
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
