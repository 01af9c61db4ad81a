/**
 * CLI logins (`edgevault login --web`), for the API and the `/cli-login` page alike: the CLI
 * starts one and polls with its device code; a signed-in person reads what asks and confirms or
 * denies it by its user code; the CLI collects, once, a user session of that person (the same
 * kind `login --email` saves: shown once, stored as SHA-256, revoked by signing out).
 *
 * What each code can do: the device code (256 random bits, only its SHA-256 stored) collects and
 * nothing else; the user code decides and can never collect. Both die after 10 minutes, a
 * collected login is never collected again, and a login asked for a company is open only to that
 * company's people (another company's person is told it does not exist). A login confirmed from a
 * session the company's identity provider granted lives no longer than that session (12 hours at
 * most), so removing a person at the provider still ends it.
 */
import type { z } from "zod";
import type { ActionContext, PublicActionContext } from "../action-context.ts";
import { publicOriginIn } from "../config.ts";
import { findCompany } from "../companies/companies.queries.ts";
import { AppError, forbidden, notFound } from "../lib/app-error.ts";
import { iso } from "../lib/openapi.ts";
import { base64url, digestsEqual, newId, randomBytes, sha256Hex } from "../lib/crypto/tokens.ts";
import { createUserSession, findUserInCompany, userView } from "../users/users.queries.ts";
import {
  CLI_LOGIN_POLL_SECONDS,
  CLI_LOGIN_TTL_SECONDS,
  type CliLoginCollected,
  type CliLoginStarted,
  type CliLoginView,
  MAX_PENDING_CLI_LOGINS_PER_ADDRESS,
  normalUserCode,
  type StartCliLoginBody,
  USER_CODE_ALPHABET,
} from "./cli-logins.contract.ts";
import {
  type CliLoginRow,
  collectCliLogin as markCollected,
  decideCliLogin as recordDecision,
  findCliLoginByDeviceCode,
  findCliLoginByUserCode,
  insertCliLogin,
  notePoll,
  ssoSessionEnd,
} from "./cli-logins.queries.ts";

/** The page where a person types the user code (and `?code=` fills it in). */
export const CLI_LOGIN_PAGE = "/cli-login";

/** A user code: eight letters of the alphabet, each from a uniform random byte (256 is not a multiple of 20: rejection sampling). */
function newUserCode(): string {
  let letters = "";
  while (letters.length < 8) {
    for (const byte of randomBytes(16)) {
      if (byte < 240 && letters.length < 8) letters += USER_CODE_ALPHABET[byte % USER_CODE_ALPHABET.length];
    }
  }
  return `${letters.slice(0, 4)}-${letters.slice(4)}`;
}

/** Starts a login for the CLI that asks, from `clientAddress` (CF-Connecting-IP). */
export async function startCliLogin(
  ctx: PublicActionContext,
  input: z.output<typeof StartCliLoginBody>,
  clientAddress: string | undefined,
): Promise<z.output<typeof CliLoginStarted>> {
  if (input.company !== undefined && !(await findCompany(ctx.db, input.company))) throw notFound("Company");
  const now = ctx.edge.now();
  const deviceCode = base64url(randomBytes(32));
  const userCode = newUserCode();
  const stored = await insertCliLogin(
    ctx.db,
    {
      id: newId("clg"),
      deviceCodeHash: await sha256Hex(deviceCode),
      userCode,
      companyId: input.company ?? null,
      clientName: input.client_name,
      clientAddress: clientAddress ?? null,
      createdAt: now,
      expiresAt: now + CLI_LOGIN_TTL_SECONDS * 1000,
    },
    MAX_PENDING_CLI_LOGINS_PER_ADDRESS,
  );
  if (!stored)
    throw new AppError(
      429,
      "too_many_pending_logins",
      `${MAX_PENDING_CLI_LOGINS_PER_ADDRESS} CLI logins from this address are already waiting; finish one, or wait for them to expire`,
      {
        headers: { "Retry-After": String(CLI_LOGIN_TTL_SECONDS) },
      },
    );
  const page = `${publicOriginIn(ctx.config)}${CLI_LOGIN_PAGE}`;
  return {
    device_code: deviceCode,
    user_code: userCode,
    verification_uri: page,
    verification_uri_complete: `${page}?code=${userCode}`,
    expires_in: CLI_LOGIN_TTL_SECONDS,
    interval: CLI_LOGIN_POLL_SECONDS,
  };
}

const gone = (why: string) => new AppError(400, "expired_token", `${why}: start again with \`edgevault login --web\``);

/**
 * The CLI's poll: RFC 8628's answers while it waits (`authorization_pending`, `slow_down`, then
 * `access_denied` or `expired_token`), and once a person confirmed, their new session, once.
 */
export async function collectCliLogin(ctx: PublicActionContext, deviceCode: string): Promise<z.output<typeof CliLoginCollected>> {
  const hash = await sha256Hex(deviceCode);
  const login = await findCliLoginByDeviceCode(ctx.db, hash);
  // Found by its hash, and the stored digest compared again in constant time, as tokens are.
  if (!login || !digestsEqual(login.deviceCodeHash, hash)) throw gone("Unknown device code");
  const now = ctx.edge.now();
  if (login.status === "collected") throw gone("This login was collected already");
  if (login.expiresAt <= now) throw gone("This login expired before it was collected");
  if (login.status === "denied") throw new AppError(403, "access_denied", "The login was denied in the browser; nothing was saved");
  if (!(await notePoll(ctx.db, login.id, now, (CLI_LOGIN_POLL_SECONDS - 1) * 1000)))
    throw new AppError(400, "slow_down", `Poll at most every ${CLI_LOGIN_POLL_SECONDS} s`, { headers: { "Retry-After": String(CLI_LOGIN_POLL_SECONDS) } });
  if (login.status === "pending") throw new AppError(400, "authorization_pending", `Waiting for a person to confirm the code ${login.userCode}`);
  const user = login.userId && login.companyId ? await findUserInCompany(ctx.db, login.companyId, login.userId) : undefined;
  if (user?.status !== "active") throw gone("The person who confirmed this login can no longer sign in");
  // Confirmed from a session the identity provider granted: the CLI's ends with it (docs/sso.md), so removal there still ends it within hours.
  if (login.sessionUntil !== null && login.sessionUntil <= now) throw gone("The single sign-on session that confirmed this login has ended");
  if (!(await markCollected(ctx.db, login.id, now))) throw gone("This login was collected already");
  // Not a Change: as with signing in, a person's credential is made and nobody's rights change.
  const bounds = login.sessionUntil !== null ? { viaSso: true, until: login.sessionUntil } : {};
  const session = await createUserSession(ctx.db, ctx.edge.mint, user, "bearer", now, bounds);
  return { token: session.token, expires_at: iso(session.expiresAt) ?? "", user: userView(user) };
}

/** The login a person's user code names, if it is open to their company (else: not found). */
async function loginFor(ctx: ActionContext, typed: string): Promise<CliLoginRow> {
  const login = await findCliLoginByUserCode(ctx.db, normalUserCode(typed));
  const visible = login && (login.companyId === null || login.companyId === ctx.principal.companyId);
  if (!login || !visible) throw notFound("CLI login");
  return login;
}

function viewOf(login: CliLoginRow, now: number): CliLoginView {
  const expired = login.expiresAt <= now && (login.status === "pending" || login.status === "approved");
  return {
    user_code: login.userCode,
    client_name: login.clientName,
    client_address: login.clientAddress,
    status: expired ? "expired" : login.status,
    created_at: iso(login.createdAt) ?? "",
    expires_at: iso(login.expiresAt) ?? "",
  };
}

/** What asks to log in, for the person about to decide. */
export async function readCliLogin(ctx: ActionContext, userCode: string): Promise<CliLoginView> {
  return viewOf(await loginFor(ctx, userCode), ctx.edge.now());
}

/**
 * A person confirms (the CLI then collects a session of theirs) or denies the login. Only a person
 * (the table refuses keys, agents and sessions), only while it waits.
 */
export async function decideCliLogin(ctx: ActionContext, userCode: string, decision: "approved" | "denied"): Promise<CliLoginView> {
  const { principal } = ctx;
  if (principal.kind !== "user") throw forbidden("Only a signed-in person can confirm a CLI login", "human_required");
  const login = await loginFor(ctx, userCode);
  const now = ctx.edge.now();
  const sessionUntil = decision === "approved" ? await ssoSessionEnd(ctx.db, principal.companyId, principal.sessionId) : null;
  const done = await recordDecision(ctx.db, login.id, { status: decision, userId: principal.id, companyId: principal.companyId, sessionUntil }, now);
  if (!done) {
    const current = viewOf((await findCliLoginByUserCode(ctx.db, login.userCode)) ?? login, now);
    if (current.status === "expired") throw new AppError(409, "expired_token", "This CLI login expired: start again with `edgevault login --web`");
    throw new AppError(409, "cli_login_decided", `This CLI login was ${current.status} already`);
  }
  return viewOf({ ...login, status: decision, userId: principal.id, companyId: principal.companyId, decidedAt: now }, now);
}
