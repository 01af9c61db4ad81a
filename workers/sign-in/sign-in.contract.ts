/**
 * Sign-in's contract: humans sign in and out, and every caller asks who it is. Zod schemas and
 * constants only, imported by the routes and by the CLI.
 */
import { z } from "@hono/zod-openapi";
import { CompanyRole } from "../companies/companies.contract.ts";
import { ResourceName, Timestamp } from "../lib/openapi.ts";
import { Email, MAX_PASSWORD_LENGTH, UserView } from "../users/users.contract.ts";

/** The kinds of caller a token can be, as `whoami` names them. */
export const CALLER_KINDS = ["company_key", "user", "agent", "vault_session"] as const;
export type CallerKind = (typeof CALLER_KINDS)[number];
export const CallerKind = z.enum(CALLER_KINDS);

export const SIGN_IN_MODES = ["bearer", "cookie"] as const;
/** A bearer sign-in (the CLI's) lasts 30 days; a cookie sign-in (the web pages') 12 hours. */
export const BEARER_SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
export const COOKIE_SESSION_TTL_MS = 12 * 3600 * 1000;

export const SignInBody = z
  .object({
    email: Email,
    password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
    mode: z.enum(SIGN_IN_MODES).default("bearer"),
    company: ResourceName.optional().openapi({ description: "The company to sign in to; needed only when the password opens accounts in several" }),
  })
  .strict();
export const SignedIn = z.object({ token: z.string().optional(), csrf_token: z.string().optional(), expires_at: Timestamp, user: UserView });
export const SignedOut = z.object({ signed_out: z.literal(true) });

export const WhoAmI = z.object({
  kind: CallerKind,
  id: z.string(),
  company: z.object({ id: z.string(), name: z.string() }),
  company_role: CompanyRole,
  email: z.string().optional(),
  name: z.string().optional(),
  vault: z.string().optional(),
});
