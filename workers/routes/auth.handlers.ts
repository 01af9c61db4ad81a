/** Sign-in, sign-out and whoami. */
import { eq } from "drizzle-orm";
import { setCookie, deleteCookie } from "hono/cookie";
import { SESSION_COOKIE } from "../auth/bearer.ts";
import { findCompany } from "../db/companies.queries.ts";
import { users, userSessions } from "../db/schema.ts";
import { clearAccountFailures, recordFailure, throttledFor, throttleKeys } from "../db/sign-in-throttle.queries.ts";
import { COOKIE_SESSION_TTL_MS, createUserSession, userView } from "../db/users.queries.ts";
import { AppError, forbidden, notFound } from "../lib/app-error.ts";
import { iso } from "../lib/openapi.ts";
import { DUMMY_PASSWORD_HASH, verifyPassword } from "../lib/password.ts";
import { createRouter } from "../lib/router.ts";
import { authenticate } from "../middleware/authenticate.ts";
import * as routes from "./auth.routes.ts";

export const authRouter = createRouter();
authRouter.use("/v1/auth/sign-out", authenticate);
authRouter.use("/v1/whoami", authenticate);

authRouter
  .openapi(routes.signIn, async (c) => {
    const body = c.req.valid("json");
    const email = body.email.toLowerCase();
    const db = c.var.db;
    const keys = throttleKeys(email, c.req.header("CF-Connecting-IP") ?? "unknown");
    const wait = await throttledFor(db, keys);
    if (wait > 0) {
      throw new AppError(429, "too_many_attempts", "Too many failed sign-ins; try again later", { headers: { "Retry-After": String(wait) } });
    }
    const user = await db.select().from(users).where(eq(users.email, email)).get();
    // Verify against a dummy hash when there is no such user, so timing does not reveal accounts.
    const ok = await verifyPassword(body.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!user || !ok || user.status !== "active") {
      await recordFailure(db, keys);
      throw new AppError(401, "invalid_credentials", "Wrong email or password");
    }
    await clearAccountFailures(db, keys.account);
    const session = await createUserSession(db, user, body.mode);
    if (body.mode === "cookie") {
      setCookie(c, SESSION_COOKIE, session.token, {
        httpOnly: true,
        secure: true,
        sameSite: "Strict",
        path: "/",
        maxAge: COOKIE_SESSION_TTL_MS / 1000,
      });
      return c.json({ csrf_token: session.csrfToken, expires_at: iso(session.expiresAt) ?? "", user: userView(user) }, 200);
    }
    return c.json({ token: session.token, expires_at: iso(session.expiresAt) ?? "", user: userView(user) }, 200);
  })
  .openapi(routes.signOut, async (c) => {
    const principal = c.var.principal;
    if (principal.kind !== "user") throw forbidden("Only user sessions sign out; revoke API keys instead", "not_a_session");
    await c.var.db.update(userSessions).set({ revokedAt: Date.now() }).where(eq(userSessions.id, principal.sessionId));
    if (principal.viaCookie) deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
    return c.json({ signed_out: true as const }, 200);
  })
  .openapi(routes.whoami, async (c) => {
    const principal = c.var.principal;
    const company = await findCompany(c.var.db, principal.companyId);
    if (!company) throw notFound("Company");
    const base = { kind: principal.kind, id: principal.id, company: { id: company.id, name: company.name }, company_role: principal.companyRole };
    if (principal.kind === "user") {
      const user = await c.var.db.select().from(users).where(eq(users.id, principal.id)).get();
      return c.json({ ...base, email: principal.email, name: user ? userView(user).name : "" }, 200);
    }
    if (principal.kind === "agent") return c.json({ ...base, name: principal.name }, 200);
    return c.json(base, 200);
  });
