/**
 * CLI logins' contract: `edgevault login --web`, the OAuth device flow's shape (RFC 8628) as
 * `gh auth login --web` uses it. The CLI starts a login and polls with its device code; a
 * signed-in person confirms the user code on the `/cli-login` page (or denies it); the CLI then
 * collects, once, a user session of that person. Zod schemas and constants only, imported by the
 * routes, the page and the CLI.
 */
import { z } from "@hono/zod-openapi";
import { ResourceName, Timestamp } from "../lib/openapi.ts";
import { UserView } from "../users/users.contract.ts";

/** A login waits this long for its person, then its codes are worth nothing. */
export const CLI_LOGIN_TTL_SECONDS = 10 * 60;
/** The CLI polls no faster than this (`slow_down` otherwise; a second of slack for timers). */
export const CLI_LOGIN_POLL_SECONDS = 5;
/** Logins started from one client address and still waiting, at most (`too_many_pending_logins`). */
export const MAX_PENDING_CLI_LOGINS_PER_ADDRESS = 5;
export const MAX_CLIENT_NAME_LENGTH = 100;
/**
 * User codes: eight letters from twenty consonants (no vowels, so no words; no I, O, U, Y to
 * misread), shown as `WDJB-MJHT`; 20^8 ≈ 2.6·10^10 of them, alive 10 minutes each.
 */
export const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";
export const USER_CODE_PATTERN = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

/** `wdjb mjht`, `WDJBMJHT` → `WDJB-MJHT`; anything that cannot be one stays as typed (and is not found). */
export function normalUserCode(typed: string): string {
  const letters = typed.toUpperCase().replace(/[\s-]/g, "");
  return letters.length === 8 ? `${letters.slice(0, 4)}-${letters.slice(4)}` : typed.trim();
}

export const StartCliLoginBody = z
  .object({
    client_name: z
      .string()
      .trim()
      .min(1)
      .max(MAX_CLIENT_NAME_LENGTH)
      .regex(/^[\x20-\x7e]+$/, "visible ASCII only")
      .default("edgevault CLI")
      .openapi({ description: "What asks, shown to the person who confirms: e.g. `edgevault 0.1.0 on ada-laptop (linux)`" }),
    company: ResourceName.optional().openapi({
      description: "Only a person of this company may confirm; without it, whoever confirms logs the CLI in to their company",
    }),
  })
  .strict();

export const CliLoginStarted = z
  .object({
    device_code: z.string().openapi({ description: "The CLI's secret for collecting the login: keep it, never show it" }),
    user_code: z.string().openapi({ example: "WDJB-MJHT" }),
    verification_uri: z.string().openapi({ description: "The console page where the person types the user code" }),
    verification_uri_complete: z.string().openapi({ description: "The same page with the code filled in" }),
    expires_in: z.number().int(),
    interval: z.number().int(),
  })
  .openapi("CliLoginStarted");

export const CollectCliLoginBody = z.object({ device_code: z.string().min(1).max(200) }).strict();

/** The collected login: a user session, shown this once (only its SHA-256 is kept). */
export const CliLoginCollected = z.object({ token: z.string(), expires_at: Timestamp, user: UserView }).openapi("CliLoginCollected");

export const CliLoginParams = z.object({ userCode: z.string().min(1).max(20) });

/** A login as the person deciding it sees it: what asks, from where, until when. */
export const CliLoginView = z
  .object({
    user_code: z.string(),
    client_name: z.string(),
    client_address: z.string().nullable(),
    status: z.enum(["pending", "approved", "denied", "collected", "expired"]),
    created_at: Timestamp,
    expires_at: Timestamp,
  })
  .openapi("CliLogin");
export type CliLoginView = z.output<typeof CliLoginView>;
