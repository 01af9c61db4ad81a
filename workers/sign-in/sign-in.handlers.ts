/** Sign-in, sign-out and whoami. */
import { deleteCookie } from "hono/cookie";
import { SESSION_COOKIE } from "../auth/bearer.ts";
import { setSessionCookie, signInWithPassword } from "./sign-in.ts";
import { minterFor } from "../auth/token-signer.ts";
import { findCompany } from "../companies/companies.queries.ts";
import { commitChange } from "../effects.ts";
import { findUserInCompany, signOutChange, userView } from "../users/users.queries.ts";
import { forbidden, notFound } from "../lib/app-error.ts";
import { iso } from "../lib/openapi.ts";
import { createRouter } from "../router.ts";
import * as routes from "./sign-in.routes.ts";

export const authRouter = createRouter();

authRouter
  .openapi(routes.signIn, async (c) => {
    const body = c.req.valid("json");
    const { user, session } = await signInWithPassword(
      c.var.db,
      minterFor(c.env),
      body.email,
      body.password,
      c.req.header("CF-Connecting-IP"),
      body.mode,
      body.company,
    );
    if (body.mode === "cookie") {
      setSessionCookie(c, session.token);
      return c.json({ csrf_token: session.csrfToken, expires_at: iso(session.expiresAt) ?? "", user: userView(user) }, 200);
    }
    return c.json({ token: session.token, expires_at: iso(session.expiresAt) ?? "", user: userView(user) }, 200);
  })
  .openapi(routes.signOut, async (c) => {
    const principal = c.var.principal;
    if (principal.kind !== "user") throw forbidden("Only user sessions sign out; revoke API keys instead", "not_a_session"); // the table refuses these first
    // Vault sessions minted with this sign-in end with it.
    await commitChange(c, signOutChange(c.var.db, principal.id, principal.sessionId, Date.now()));
    if (principal.viaCookie) deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
    return c.json({ signed_out: true as const }, 200);
  })
  .openapi(routes.whoami, async (c) => {
    const principal = c.var.principal;
    const company = await findCompany(c.var.db, principal.companyId);
    if (!company) throw notFound("Company");
    const base = { kind: principal.kind, id: principal.id, company: { id: company.id, name: company.name }, company_role: principal.companyRole };
    if (principal.kind === "user") {
      const user = await findUserInCompany(c.var.db, principal.companyId, principal.id);
      return c.json({ ...base, email: principal.email, name: user ? userView(user).name : "" }, 200);
    }
    if (principal.kind === "agent") return c.json({ ...base, name: principal.name }, 200);
    return c.json(base, 200);
  });
