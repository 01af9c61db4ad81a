/**
 * Signing in through a company's identity provider (OpenID Connect, authorization code with PKCE),
 * for the sign-in pages. Starting picks the company — by the e-mail's domain or named outright (its
 * host's sign-in page names it) — and seals the request's state, nonce and verifier into a cookie
 * for this browser; finishing opens that cookie, has oidc-client.ts check the provider's answer and
 * ID token against *that* company's issuer and client, and signs the person into that company
 * only, creating them on their first sign-in. The session is a password sign-in's cookie session.
 *
 * Why one company's provider never signs anyone into another: the company comes from the sealed
 * cookie of the browser that started, never from the answer; the answer is checked against that
 * company's issuer, client id and JWKS (another provider's, or another client's, code or token
 * fails); the person is looked up and created in that company alone; and with domains set, only
 * addresses of those domains are accepted.
 */
import type { PublicActionContext } from "../action-context.ts";
import { csrfTokenFor } from "../auth/csrf.ts";
import { findCompany } from "../companies/companies.queries.ts";
import { publicOriginIn } from "../config.ts";
import { AppError } from "../lib/app-error.ts";
import { associatedData, openText } from "../lib/crypto/crypto-envelope.ts";
import { newId } from "../lib/crypto/tokens.ts";
import { iso } from "../lib/openapi.ts";
import type { SignedInSession } from "../sign-in/sign-in.actions.ts";
import { Email } from "../users/users.contract.ts";
import { createUserSession, findUserByEmail, type UserRow, userView } from "../users/users.queries.ts";
import { authorizationRequest, completeAuthorization, discover, type ProviderIdentity } from "./oidc-client.ts";
import { flowCompany, openFlow, SSO_FLOW_TTL_MS, sealFlow } from "./sso-flow-cookie.ts";
import { SSO_CALLBACK_PATH, SsoDomain } from "./sso.contract.ts";
import { activateInvitedUserChange, type CompanySso, companyOfDomain, findCompanySso, provisionUserChange } from "./sso.queries.ts";

/** How a sign-in through a provider is asked for: the company by id (its host, a link), or an address's domain. */
export type SsoTarget = { company: string } | { email: string };

/** A started sign-in: where the browser goes (and what to tell the person first), and the cookie that binds it to them. */
export type StartedSsoSignIn = { company: { id: string; name: string }; providerHost: string; authorizationUrl: string; cookie: string };

/** What the sign-in page offers on a company's host: its provider, and whether passwords still work there. */
export type HostSignInOptions = { company: { id: string; name: string }; providerHost: string; passwordSignIn: boolean };

const redirectUriOf = (ctx: PublicActionContext) => `${publicOriginIn(ctx.config)}${SSO_CALLBACK_PATH}`;

const notConfigured = (what: string) => new AppError(404, "sso_not_configured", `No single sign-on is set up for ${what}: sign in with your password`);

/** The company and its provider a target names, or 404 `sso_not_configured` (an unknown company reads the same). */
async function targetCompany(ctx: PublicActionContext, target: SsoTarget): Promise<CompanySso> {
  if ("company" in target) {
    const sso = await findCompanySso(ctx.db, target.company);
    if (!sso) throw notConfigured("this company");
    return sso;
  }
  const domain = SsoDomain.safeParse(target.email.slice(target.email.lastIndexOf("@") + 1));
  if (!target.email.includes("@") || !domain.success) throw new AppError(400, "sso_email_missing", "Enter your work e-mail address");
  const companyId = await companyOfDomain(ctx.db, domain.data);
  const sso = companyId ? await findCompanySso(ctx.db, companyId) : undefined;
  if (!sso) throw notConfigured(domain.data);
  return sso;
}

/** Starts a sign-in through the target's provider; `next` is a same-site path (the page checked it). */
export async function startSsoSignIn(ctx: PublicActionContext, target: SsoTarget, next: string): Promise<StartedSsoSignIn> {
  const sso = await targetCompany(ctx, target);
  const company = await findCompany(ctx.db, sso.companyId);
  if (!company) throw notConfigured("this company");
  const server = await discover(sso.issuer, ctx.config.allowPrivateUpstreams);
  const request = await authorizationRequest(server, { clientId: sso.clientId, redirectUri: redirectUriOf(ctx), scopes: sso.scopes });
  const cookie = await sealFlow(await ctx.edge.dataKey(company.id), company.id, {
    ...request.secrets,
    issuer: sso.issuer,
    clientId: sso.clientId,
    next,
    expiresAt: ctx.edge.now() + SSO_FLOW_TTL_MS,
  });
  return { company: { id: company.id, name: company.name }, providerHost: new URL(request.url).host, authorizationUrl: request.url, cookie };
}

/**
 * Finishes the sign-in the browser's cookie started, from the provider's answer (`callback`, the
 * URL it sent the browser to): a cookie session for the person, and where they were going.
 */
export async function finishSsoSignIn(
  ctx: PublicActionContext,
  cookie: string | undefined,
  callback: URL,
): Promise<{ session: SignedInSession; next: string }> {
  const companyId = flowCompany(cookie);
  const flow = companyId && cookie ? await openFlow(await ctx.edge.dataKey(companyId), companyId, cookie, ctx.edge.now()) : undefined;
  if (!companyId || !flow) {
    throw new AppError(400, "sso_flow_invalid", "This browser did not start this sign-in, or took longer than 10 minutes: start again from the sign-in page");
  }
  const sso = await findCompanySso(ctx.db, companyId);
  if (!sso) throw notConfigured("this company");
  if (sso.issuer !== flow.issuer || sso.clientId !== flow.clientId) {
    throw new AppError(400, "sso_flow_invalid", "The company's identity provider changed during this sign-in: start again");
  }
  const server = await discover(sso.issuer, ctx.config.allowPrivateUpstreams);
  const clientSecret = await openText(await ctx.edge.dataKey(companyId), sso.sealedClientSecret, associatedData.ssoClientSecret(companyId));
  const identity = await completeAuthorization(
    server,
    { issuer: sso.issuer, clientId: sso.clientId, clientSecret, tokenAuth: sso.tokenAuth },
    { redirectUri: redirectUriOf(ctx), callback, secrets: flow, allowPrivate: ctx.config.allowPrivateUpstreams },
  );
  const user = await personOf(ctx, sso, identity);
  // Not a Change, as for a password: proving who one is gives a credential; who may do what does not change.
  const session = await createUserSession(ctx.db, ctx.edge.mint, user, "cookie", ctx.edge.now(), { viaSso: true });
  return {
    session: { token: session.token, csrf_token: await csrfTokenFor(session.token), expires_at: iso(session.expiresAt) ?? "", user: userView(user) },
    next: flow.next,
  };
}

/**
 * The company's person the provider vouched for, by e-mail: an active one as they are, an invited
 * one activated, anyone else created (a member, or the role their groups map to).
 */
async function personOf(ctx: PublicActionContext, sso: CompanySso, identity: ProviderIdentity): Promise<UserRow> {
  const email = emailOf(sso, identity.claims);
  const existing = await findUserByEmail(ctx.db, sso.companyId, email);
  if (existing?.status === "active") return existing;
  if (existing?.status === "disabled") throw new AppError(403, "sso_account_disabled", "Your account in this company is disabled: ask an owner");
  const now = ctx.edge.now();
  if (existing) {
    await ctx.commit(activateInvitedUserChange(ctx.db, existing, sso.issuer, now));
    return { ...existing, status: "active", updatedAt: now };
  }
  const groups = groupsOf(identity.claims[sso.groupsClaim]);
  const role = groups.some((group) => sso.groupRoles[group] === "owner") ? "owner" : "member";
  const name = typeof identity.claims.name === "string" ? identity.claims.name.slice(0, 200) : "";
  const user: UserRow = {
    id: newId("usr"),
    companyId: sso.companyId,
    email,
    name,
    role,
    passwordHash: null,
    status: "active",
    createdAt: now,
    updatedAt: null,
  };
  try {
    await ctx.commit(provisionUserChange(ctx.db, user, sso.issuer, groups));
    return user;
  } catch (error) {
    // Two first sign-ins at once: the other one created them (the address is unique per company).
    const created = await findUserByEmail(ctx.db, sso.companyId, email);
    if (created?.status === "active") return created;
    throw error;
  }
}

/** The address the provider vouches for: present, not marked unverified, of the company's domains when it has any. */
function emailOf(sso: CompanySso, claims: Record<string, unknown>): string {
  const email = Email.safeParse(typeof claims.email === "string" ? claims.email.trim().toLowerCase() : undefined);
  if (!email.success) throw new AppError(403, "sso_email_missing", "Your identity provider did not say which e-mail address you sign in with");
  // Some providers send the claim as a string.
  if (claims.email_verified === false || claims.email_verified === "false")
    throw new AppError(403, "sso_email_unverified", "Your identity provider has not verified your e-mail address");
  const domain = email.data.slice(email.data.lastIndexOf("@") + 1);
  if (sso.domains.length && !sso.domains.includes(domain)) {
    throw new AppError(403, "sso_email_domain", `This company's single sign-on takes addresses of ${sso.domains.join(", ")} only`);
  }
  return email.data;
}

/** A groups claim as providers send it: a list of names, or one name. */
function groupsOf(claim: unknown): string[] {
  if (typeof claim === "string") return [claim];
  return Array.isArray(claim) ? claim.filter((group): group is string => typeof group === "string") : [];
}

/** What `/sign-in` on a company's host offers: that company's provider, if it has one. */
export async function hostSignInOptions(ctx: PublicActionContext, companyId: string | undefined): Promise<HostSignInOptions | undefined> {
  if (!companyId) return undefined;
  const [sso, company] = await Promise.all([findCompanySso(ctx.db, companyId), findCompany(ctx.db, companyId)]);
  if (!sso || !company) return undefined;
  return { company: { id: company.id, name: company.name }, providerHost: new URL(sso.issuer).host, passwordSignIn: sso.passwordSignIn };
}
