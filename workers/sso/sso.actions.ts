/**
 * A company's single sign-on, as its owners (people or API keys) set, read and remove it, for the
 * API, the console and the CLI alike. Setting it reads the provider's discovery document first, so
 * a wrong issuer is refused now rather than at someone's sign-in; the client secret is sealed with
 * the company's data key and never shown again. Signing in through it: sso-sign-in.actions.ts.
 */
import type { z } from "zod";
import type { ActionContext } from "../action-context.ts";
import { publicOriginIn } from "../config.ts";
import { isGuardFailure } from "../db/audit.ts";
import { AppError, conflict } from "../lib/app-error.ts";
import { associatedData, sealText } from "../lib/crypto/crypto-envelope.ts";
import { iso } from "../lib/openapi.ts";
import { discover, issuerUrl } from "./oidc-client.ts";
import { SSO_CALLBACK_PATH, SSO_START_PATH, type SetSsoBody, type SsoRemoved, type SsoSettings } from "./sso.contract.ts";
import { type CompanySso, type CompanySsoRow, domainsTakenElsewhere, findCompanySso, removeSsoChange, setSsoChange } from "./sso.queries.ts";

export type SetSsoInput = z.output<typeof SetSsoBody>;
type Settings = z.output<typeof SsoSettings>;

const ssoView = (sso: CompanySso) => ({
  issuer: sso.issuer,
  client_id: sso.clientId,
  client_secret: "set" as const,
  token_auth: sso.tokenAuth,
  scopes: sso.scopes,
  domains: sso.domains,
  password_sign_in: sso.passwordSignIn,
  groups_claim: sso.groupsClaim,
  group_roles: sso.groupRoles,
  updated_at: iso(sso.updatedAt) ?? "",
});

function settingsOf(ctx: ActionContext, sso: CompanySso | undefined): Settings {
  const origin = publicOriginIn(ctx.config);
  return {
    sso: sso ? ssoView(sso) : null,
    redirect_uri: `${origin}${SSO_CALLBACK_PATH}`,
    sign_in_url: `${origin}${SSO_START_PATH}?company=${encodeURIComponent(ctx.principal.companyId)}`,
  };
}

/** The caller's company's provider (or none), with the redirect URI its client must register. */
export async function companySsoSettings(ctx: ActionContext): Promise<Settings> {
  return settingsOf(ctx, await findCompanySso(ctx.db, ctx.principal.companyId));
}

/**
 * Sets the company's provider, replacing what was there. The client secret may be left out only
 * while the issuer and client stay the same (a secret belongs to its client). Refusals: 400 for an
 * issuer the edge may not reach or whose discovery fails; 409 `sso_domain_taken` for a domain
 * another company's provider has; 409 `break_glass_required` for password sign-in off in a company
 * without an API key (checked in the write itself).
 */
export async function setCompanySso(ctx: ActionContext, input: SetSsoInput): Promise<Settings> {
  const { db, principal } = ctx;
  const companyId = principal.companyId;
  const allowPrivate = ctx.config.allowPrivateUpstreams;
  issuerUrl(input.issuer, allowPrivate);
  const existing = await findCompanySso(db, companyId);
  // Stored as the provider's own discovery document spells it: the ID token's `iss` and RFC 9207's are compared with that.
  const issuer = (await discover(input.issuer, allowPrivate, true)).issuer;
  const sameClient = existing?.issuer === issuer && existing.clientId === input.client_id;
  if (input.client_secret === undefined && !sameClient) {
    throw new AppError(400, "sso_secret_required", "Send client_secret: a new issuer or client needs its own secret");
  }
  const domains = [...new Set(input.domains)].sort();
  const taken = await domainsTakenElsewhere(db, companyId, domains);
  if (taken.length) throw domainTaken(taken);
  const sealedClientSecret =
    input.client_secret === undefined
      ? (existing?.sealedClientSecret ?? "")
      : await sealText(await ctx.edge.dataKey(companyId), input.client_secret, associatedData.ssoClientSecret(companyId));
  const row: CompanySsoRow = {
    companyId,
    issuer,
    clientId: input.client_id,
    sealedClientSecret,
    tokenAuth: input.token_auth,
    scopes: [...new Set(input.scopes)],
    passwordSignIn: input.password_sign_in,
    groupsClaim: input.groups_claim,
    groupRoles: input.group_roles,
    updatedAt: ctx.edge.now(),
    updatedBy: principal.id,
  };
  await ctx.commit(setSsoChange(db, principal, row, domains)).catch(async (error: unknown) => {
    if (isGuardFailure(error)) {
      throw conflict(
        "break_glass_required",
        "Create an API key first and keep it safe: with password sign-in off it is how an owner gets back in when the identity provider is down",
      );
    }
    if (isDomainTaken(error)) throw domainTaken(await domainsTakenElsewhere(db, companyId, domains));
    throw error;
  });
  return settingsOf(ctx, { ...row, domains });
}

/** Removes the company's provider: everyone signs in with a password again (people it made have none yet). */
export async function removeCompanySso(ctx: ActionContext): Promise<z.output<typeof SsoRemoved>> {
  const companyId = ctx.principal.companyId;
  if (!(await findCompanySso(ctx.db, companyId))) throw new AppError(404, "sso_not_configured", "The company has no single sign-on to remove");
  await ctx.commit(removeSsoChange(ctx.db, ctx.principal, companyId));
  return { removed: true };
}

const domainTaken = (domains: readonly string[]) =>
  conflict(
    "sso_domain_taken",
    `Another company's single sign-on already has ${domains.length ? domains.join(", ") : "one of these domains"}: a domain sends its sign-ins to one company`,
  );

function isDomainTaken(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : String(error);
  return text.includes("company_sso_domains.domain");
}
