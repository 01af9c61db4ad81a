/**
 * Signing in and out, for the API and the web pages alike, and `whoami` for every caller. A
 * password sign-in is throttled before its password is checked, timing-safe, and makes one
 * session (a bearer token for the CLI, a cookie for the pages: the entry sets the cookie).
 */
import type { z } from "zod";
import type { ActionContext, PublicActionContext } from "../action-context.ts";
import { csrfTokenFor } from "../auth/csrf.ts";
import { findCompany } from "../companies/companies.queries.ts";
import { AppError, forbidden, notFound } from "../lib/app-error.ts";
import { clientAddressKey } from "../lib/http/client-address.ts";
import { iso } from "../lib/openapi.ts";
import { DUMMY_PASSWORD_HASH, verifyPassword } from "../lib/crypto/password.ts";
import type { UserView } from "../users/users.contract.ts";
import { createUserSession, findUserInCompany, signOutChange, type UserRow, userView } from "../users/users.queries.ts";
import type { SignedOut, SignInBody, WhoAmI } from "./sign-in.contract.ts";
import { companiesWithoutPasswordSignIn } from "../sso/sso.queries.ts";
import { companyChoices, signInCandidates } from "./sign-in.queries.ts";
import { admitSignInAttempt, forgiveSignInAttempt, signInThrottleKeys } from "./sign-in-throttle.queries.ts";

export type SignInInput = z.output<typeof SignInBody>;
/** A new sign-in: its token (the API's answer in bearer mode; the cookie's value in cookie mode), and the CSRF token of a cookie. */
export type SignedInSession = { token: string; csrf_token?: string; expires_at: string; user: z.output<typeof UserView> };

/**
 * E-mail is unique per company only, so one address may have accounts in a few companies.
 * Each costs one password verification; this bounds the work one attempt can cause.
 */
export const MAX_ACCOUNTS_PER_EMAIL = 10;

/**
 * Signs in with e-mail and password from `clientAddress` (CF-Connecting-IP). The attempt is counted
 * before the password is checked (sign-in-throttle.queries.ts), and taken back only when the
 * password opened every account it was checked against. When the password opens accounts in
 * several companies, `company` picks one: without it, 409 `company_required` lists those companies
 * (only ones this password was just proven for). A company whose single sign-on turned passwords
 * off is left out of what the password opened: when nothing is left, 403
 * `password_sign_in_disabled`, said only once the password was proven (docs/sso.md).
 *
 * Why "every account": anyone can create, in their own company, an account with someone
 * else's address and a guessed password. Signing in to it must not tell them, unthrottled,
 * whether the guess also opens the other company's account: that attempt stays counted against
 * the address, like any guess at it.
 */
export async function signIn(ctx: PublicActionContext, input: SignInInput, clientAddress: string | undefined): Promise<SignedInSession> {
  const { db } = ctx;
  const normalized = input.email.toLowerCase();
  const attempt = await admitSignInAttempt(db, signInThrottleKeys(normalized, clientAddressKey(clientAddress)));
  if (!attempt.admitted) {
    throw new AppError(429, "too_many_attempts", "Too many failed sign-ins; try again later", {
      headers: { "Retry-After": String(attempt.retryAfterSeconds) },
    });
  }
  const candidates = await signInCandidates(db, normalized, input.company, MAX_ACCOUNTS_PER_EMAIL);
  const opened = await accountsOpenedBy(input.password, candidates, input.company === undefined ? 2 : 1);
  if (opened.length === 0) throw new AppError(401, "invalid_credentials", "Wrong email or password");
  if (opened.length === candidates.length) await forgiveSignInAttempt(db, attempt);
  // Said only to someone who proved the password: a company that signs in through its provider refuses passwords.
  const providerOnly = await companiesWithoutPasswordSignIn(
    db,
    opened.map((u) => u.companyId),
  );
  const matched = opened.filter((u) => !providerOnly.has(u.companyId));
  const [user, ...others] = matched;
  if (!user) {
    throw new AppError(403, "password_sign_in_disabled", "Your company signs in through its identity provider: use single sign-on on the sign-in page");
  }
  if (others.length > 0) {
    const choices = await companyChoices(
      db,
      matched.map((u) => u.companyId),
    );
    throw new AppError(409, "company_required", "This email and password open accounts in more than one company: send `company` to choose one", {
      extra: { companies: choices },
    });
  }
  // Not a Change: proving a password gives a credential, and who may do what does not change.
  const session = await createUserSession(db, ctx.edge.mint, user, input.mode);
  return {
    token: session.token,
    ...(input.mode === "cookie" ? { csrf_token: await csrfTokenFor(session.token) } : {}),
    expires_at: iso(session.expiresAt) ?? "",
    user: userView(user),
  };
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

/** Ends the caller's sign-in (a person's session only); vault sessions minted with it end with it. */
export async function signOut(ctx: ActionContext): Promise<z.output<typeof SignedOut>> {
  const principal = ctx.principal;
  if (principal.kind !== "user") throw forbidden("Only user sessions sign out; revoke API keys instead", "not_a_session"); // the table refuses these first
  await ctx.commit(signOutChange(ctx.db, principal.id, principal.sessionId, ctx.edge.now()));
  return { signed_out: true };
}

/** Who the caller is: its kind, id, company and company role, and a person's e-mail and name or an agent's name. */
export async function whoami(ctx: ActionContext): Promise<z.output<typeof WhoAmI>> {
  const { db, principal } = ctx;
  const company = await findCompany(db, principal.companyId);
  if (!company) throw notFound("Company");
  const base = { kind: principal.kind, id: principal.id, company: { id: company.id, name: company.name }, company_role: principal.companyRole };
  if (principal.kind === "user") {
    const user = await findUserInCompany(db, principal.companyId, principal.id);
    return { ...base, email: principal.email, name: user ? userView(user).name : "" };
  }
  if (principal.kind === "agent") return { ...base, name: principal.name };
  return base;
}
