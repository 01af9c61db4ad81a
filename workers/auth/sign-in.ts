/** Password sign-in shared by the API and the web pages: throttled, timing-safe, one session. */
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import type { Database } from "../db/client.ts";
import { users } from "../db/schema.ts";
import { admitSignInAttempt, forgiveSignInAttempt, signInThrottleKeys } from "../db/sign-in-throttle.queries.ts";
import { COOKIE_SESSION_TTL_MS, createUserSession, type UserRow } from "../db/users.queries.ts";
import { AppError } from "../lib/app-error.ts";
import { clientAddressKey } from "../lib/client-address.ts";
import { DUMMY_PASSWORD_HASH, verifyPassword } from "../lib/password.ts";
import { SESSION_COOKIE } from "./bearer.ts";

/**
 * Signs in with e-mail and password. The attempt is counted before the password is checked
 * (db/sign-in-throttle.queries.ts), and taken back when the password was right.
 */
export async function signInWithPassword(db: Database, email: string, password: string, ip: string | undefined, mode: "bearer" | "cookie") {
  const normalized = email.toLowerCase();
  const attempt = await admitSignInAttempt(db, signInThrottleKeys(normalized, clientAddressKey(ip)));
  if (!attempt.admitted) {
    throw new AppError(429, "too_many_attempts", "Too many failed sign-ins; try again later", { headers: { "Retry-After": String(attempt.retryAfterSeconds) } });
  }
  const user: UserRow | undefined = await db.select().from(users).where(eq(users.email, normalized)).get();
  // Verify against a dummy hash when there is no such user, so timing does not reveal accounts.
  const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user || !ok || user.status !== "active") throw new AppError(401, "invalid_credentials", "Wrong email or password");
  await forgiveSignInAttempt(db, attempt);
  return { user, session: await createUserSession(db, user, mode) };
}

export function setSessionCookie(c: Context, token: string): void {
  setCookie(c, SESSION_COOKIE, token, { httpOnly: true, secure: true, sameSite: "Strict", path: "/", maxAge: COOKIE_SESSION_TTL_MS / 1000 });
}
