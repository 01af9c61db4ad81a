/**
 * RFC 8693 token exchange. The subject token (an agent's JWT-SVID) is the only credential: the
 * exchange needs no other caller authentication, since it only ever returns a token for the same
 * subject that is narrower (one named target, scopes within the agent's capabilities) and no
 * longer-lived than what was presented. SVIDs are accepted only with audience "edgevault", so a
 * resource server that received an SVID meant for itself cannot exchange it here.
 */
import type { PublicActionContext } from "../action-context.ts";
import { publicOriginIn } from "../config.ts";
import { signCompanyToken, trustDomainIn, verifyAgentSvid, verifyCompanyToken, type VerifiedToken } from "../identity/svid.ts";
import { AppError } from "../lib/app-error.ts";
import { ACCESS_TOKEN_TYP, DEFAULT_SVID_AUDIENCE, issuerFor, MAX_TOKEN_TTL_SECONDS } from "../lib/crypto/jwt-svid.ts";
import { findActiveAgentByName } from "./token-exchange.queries.ts";
import { actClaimFor, grantScope, intersectScopes, oauthError, TOKEN_TYPE_JWT, type TokenExchangeRequest } from "./token-exchange.request.ts";

/** The issued token as RFC 8693 §2.2.1 answers it (the route's `TokenExchangeResponse`). */
export type TokenExchanged = {
  access_token: string;
  issued_token_type: typeof TOKEN_TYPE_JWT;
  token_type: "N_A";
  expires_in: number;
  scope?: string;
};

/** A verification failure is `invalid_request` (RFC 8693 §2.2.2); anything else (e.g. a 500) passes through. */
async function verifiedOrInvalidRequest(which: string, verify: Promise<VerifiedToken>): Promise<VerifiedToken> {
  try {
    return await verify;
  } catch (error) {
    if (error instanceof AppError && error.status < 500) throw oauthError("invalid_request", `${which}: ${error.message}`);
    throw error;
  }
}

/**
 * The agent named by a verified token, if it still exists in that company, is active, and is the
 * agent the token was issued to: SVIDs name agents by name, so a token issued before the agent of
 * that name was (re)created speaks for a deleted agent, not for this one.
 */
async function activeAgent(ctx: PublicActionContext, token: VerifiedToken) {
  const agent = await findActiveAgentByName(ctx.db, token.companyId, token.agentName);
  return agent && Math.floor(agent.registeredAt / 1000) <= token.issuedAt ? agent : undefined;
}

/** Exchanges the subject's SVID (and an actor's, when one acts for it) for an access token of the subject's company. */
export async function exchangeToken(ctx: PublicActionContext, request: TokenExchangeRequest): Promise<TokenExchanged> {
  const now = ctx.edge.now();
  const subject = await verifiedOrInvalidRequest("subject_token", verifyAgentSvid(ctx, request.subjectToken, { audience: DEFAULT_SVID_AUDIENCE, now }));
  const subjectAgent = await activeAgent(ctx, subject);
  if (!subjectAgent) throw oauthError("invalid_request", "subject_token: the agent does not exist or is not active");

  let actor: VerifiedToken | undefined;
  let actorCapabilities: string[] | undefined;
  if (request.actorToken) {
    // The actor may present its SVID or a token from this endpoint (itself delegated).
    actor = await verifiedOrInvalidRequest(
      "actor_token",
      verifyCompanyToken(ctx, request.actorToken, { audience: DEFAULT_SVID_AUDIENCE, acceptAccessTokens: true, now }),
    );
    if (actor.companyId !== subject.companyId) throw oauthError("invalid_request", "actor_token: the actor belongs to another company");
    const actorAgent = await activeAgent(ctx, actor);
    if (!actorAgent) throw oauthError("invalid_request", "actor_token: the agent does not exist or is not active");
    actorCapabilities = actorAgent.capabilities;
  }

  // An actor never gets more than the subject has, nor more than it holds itself.
  const allowed = intersectScopes(subjectAgent.capabilities, actorCapabilities, actor?.scope);
  const scope = grantScope(request.scope, allowed);

  const iat = Math.floor(now / 1000);
  const exp = Math.min(iat + MAX_TOKEN_TTL_SECONDS, subject.expiresAt, actor?.expiresAt ?? Number.POSITIVE_INFINITY);
  if (exp <= iat) throw oauthError("invalid_request", "The presented tokens expire too soon to exchange");

  const claims = {
    iss: issuerFor(trustDomainIn(ctx.config), subject.companyId),
    sub: subject.spiffeId,
    // Without a target the token is for the edge itself (its public origin, PUBLIC_ORIGIN), as docs/identity.md says.
    aud: request.targets.length ? request.targets : [publicOriginIn(ctx.config)],
    iat,
    exp,
    jti: crypto.randomUUID(),
    ...(scope.length > 0 ? { scope: scope.join(" ") } : {}),
    ...(actor ? { act: actClaimFor(actor) } : {}),
  };
  const accessToken = await signCompanyToken(ctx, subject.companyId, ACCESS_TOKEN_TYP, claims);
  return {
    access_token: accessToken,
    issued_token_type: TOKEN_TYPE_JWT,
    token_type: "N_A",
    expires_in: exp - iat,
    ...(scope.length > 0 ? { scope: scope.join(" ") } : {}),
  };
}
