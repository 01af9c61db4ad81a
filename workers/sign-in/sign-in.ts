/** Password sign-in shared by the API and the web pages: throttled, timing-safe, one session. */
import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import type { Database } from "../db/client.ts";
import { companyChoices, signInCandidates } from "./sign-in.queries.ts";
import { admitSignInAttempt, forgiveSignInAttempt, signInThrottleKeys } from "./sign-in-throttle.queries.ts";
import { COOKIE_SESSION_TTL_MS, createUserSession, type UserRow } from "../users/users.queries.ts";
import { AppError } from "../lib/app-error.ts";
import { clientAddressKey } from "../lib/client-address.ts";
import type { TokenMinter } from "../lib/tokens.ts";
import { DUMMY_PASSWORD_HASH, verifyPassword } from "../lib/password.ts";
import { SESSION_COOKIE } from "../auth/bearer.ts";
import { csrfTokenFor } from "../auth/csrf.ts";

/**
 * E-mail is unique per company only, so one address may have accounts in a few companies.
 * Each costs one password verification; this bounds the work one attempt can cause.
 */
export const MAX_ACCOUNTS_PER_EMAIL = 10;

/**
 * Signs in with e-mail and password. The attempt is counted before the password is checked
 * (db/sign-in-throttle.queries.ts), and taken back only when the password opened every account
 * it was checked against. When the password opens accounts in several companies, `company`
 * picks one: without it, 409 `company_required` lists those companies (only ones this password
 * was just proven for).
 *
 * Why "every account": anyone can create, in their own company, an account with someone
 * else's address and a guessed password. Signing in to it must not tell them, unthrottled,
 * whether the guess also opens the other company's account: that attempt stays counted against
 * the address, like any guess at it.
 */
export async function signInWithPassword(
  db: Database,
  mint: TokenMinter,
  email: string,
  password: string,
  ip: string | undefined,
  mode: "bearer" | "cookie",
  company?: string,
) {
  const normalized = email.toLowerCase();
  const attempt = await admitSignInAttempt(db, signInThrottleKeys(normalized, clientAddressKey(ip)));
  if (!attempt.admitted) {
    throw new AppError(429, "too_many_attempts", "Too many failed sign-ins; try again later", {
      headers: { "Retry-After": String(attempt.retryAfterSeconds) },
    });
  }
  const candidates = await signInCandidates(db, normalized, company, MAX_ACCOUNTS_PER_EMAIL);
  const matched = await accountsOpenedBy(password, candidates, company === undefined ? 2 : 1);
  const [user, ...others] = matched;
  if (!user) throw new AppError(401, "invalid_credentials", "Wrong email or password");
  if (matched.length === candidates.length) await forgiveSignInAttempt(db, attempt);
  if (others.length > 0) {
    const choices = await companyChoices(
      db,
      matched.map((u) => u.companyId),
    );
    throw new AppError(409, "company_required", "This email and password open accounts in more than one company: send `company` to choose one", {
      extra: { companies: choices },
    });
  }
  const session = await createUserSession(db, mint, user, mode);
  return { user, session: { ...session, csrfToken: mode === "cookie" ? await csrfTokenFor(session.token) : undefined } };
}

/**
 * The accounts `password` opens. It always verifies at least `minimumChecks` times (against a
 * dummy hash for the rest), so timing does not tell whether the address has an account, nor —
 * when no company is named — whether another company has one too (an attacker's own account
 * with that address plus the victim's is two; everyone pays for two).
 */
async function accountsOpenedBy(password: string, candidates: readonly UserRow[], minimumChecks: number): Promise<UserRow[]> {
  const opened: UserRow[] = [];
  for (const user of candidates) if (user.passwordHash && (await verifyPassword(password, user.passwordHash))) opened.push(user);
  for (let i = candidates.length; i < minimumChecks; i++) await verifyPassword(password, DUMMY_PASSWORD_HASH);
  return opened;
}

export function setSessionCookie(c: Context, token: string): void {
  setCookie(c, SESSION_COOKIE, token, { httpOnly: true, secure: true, sameSite: "Strict", path: "/", maxAge: COOKIE_SESSION_TTL_MS / 1000 });
}
