/**
 * RFC 8693 token exchange. The subject token (an agent's JWT-SVID) is the only credential: the
 * endpoint needs no other caller authentication, since it only ever returns a token for the
 * same subject that is narrower (one named target, scopes within the agent's capabilities) and
 * no longer-lived than what was presented. SVIDs are accepted only with audience "edgevault",
 * so a resource server that received an SVID meant for itself cannot exchange it here.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import type { Database } from "../db/client.ts";
import { publicOriginOf } from "../config.ts";
import { AppError } from "../lib/app-error.ts";
import { ACCESS_TOKEN_TYP, DEFAULT_SVID_AUDIENCE, issuerFor, MAX_TOKEN_TTL_SECONDS } from "../lib/jwt-svid.ts";
import { createRouter } from "../router.ts";
import { signCompanyToken, trustDomainOf, verifyAgentSvid, verifyCompanyToken, type VerifiedToken } from "../identity/svid.ts";
import {
  actClaimFor,
  grantScope,
  intersectScopes,
  oauthError,
  paramsFromForm,
  paramsFromJson,
  parseTokenExchangeRequest,
  TOKEN_TYPE_JWT,
  type RawParams,
} from "./token-exchange.request.ts";
import { findActiveAgentByName } from "./token-exchange.queries.ts";
import { tokenExchange } from "./token-exchange.routes.ts";

async function readParams(c: Context<AppEnv>): Promise<RawParams> {
  const type = (c.req.header("Content-Type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded" && type !== "application/json") {
    throw oauthError("invalid_request", "Send the parameters as application/x-www-form-urlencoded (or application/json)");
  }
  let text: string;
  try {
    // Decoded by hand: workerd warns when .text() reads a form body.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(await c.req.arrayBuffer());
  } catch {
    throw oauthError("invalid_request", "The body is not valid UTF-8");
  }
  if (type === "application/x-www-form-urlencoded") return paramsFromForm(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw oauthError("invalid_request", "The body is not valid JSON");
  }
  return paramsFromJson(parsed);
}

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
async function activeAgent(db: Database, token: VerifiedToken) {
  const agent = await findActiveAgentByName(db, token.companyId, token.agentName);
  return agent && Math.floor(agent.registeredAt / 1000) <= token.issuedAt ? agent : undefined;
}

export const tokenExchangeRouter = createRouter();
// The document shows the RFC 8693 body; the route is mounted like every other (its gate attached:
// a public row, the subject token its only credential) but without zod reading that body, since
// RFC 6749 fixes both its input rules and its error codes (`readParams`, token-exchange.request.ts).
tokenExchangeRouter.openAPIRegistry.registerPath(tokenExchange);

tokenExchangeRouter.openapi({ ...tokenExchange, hide: true, request: undefined }, async (c) => {
  const request = parseTokenExchangeRequest(await readParams(c));
  const db = c.var.db;
  const now = Date.now();

  const subject = await verifiedOrInvalidRequest("subject_token", verifyAgentSvid(db, c.env, request.subjectToken, { audience: DEFAULT_SVID_AUDIENCE, now }));
  const subjectAgent = await activeAgent(db, subject);
  if (!subjectAgent) throw oauthError("invalid_request", "subject_token: the agent does not exist or is not active");

  let actor: VerifiedToken | undefined;
  let actorCapabilities: string[] | undefined;
  if (request.actorToken) {
    // The actor may present its SVID or a token from this endpoint (itself delegated).
    actor = await verifiedOrInvalidRequest(
      "actor_token",
      verifyCompanyToken(db, c.env, request.actorToken, { audience: DEFAULT_SVID_AUDIENCE, acceptAccessTokens: true, now }),
    );
    if (actor.companyId !== subject.companyId) throw oauthError("invalid_request", "actor_token: the actor belongs to another company");
    const actorAgent = await activeAgent(db, actor);
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
    iss: issuerFor(trustDomainOf(c.env), subject.companyId),
    sub: subject.spiffeId,
    // Without a target the token is for the edge itself (its public origin, PUBLIC_ORIGIN), as docs/identity.md says.
    aud: request.targets.length ? request.targets : [publicOriginOf(c.env)],
    iat,
    exp,
    jti: crypto.randomUUID(),
    ...(scope.length > 0 ? { scope: scope.join(" ") } : {}),
    ...(actor ? { act: actClaimFor(actor) } : {}),
  };
  const accessToken = await signCompanyToken(db, c.env, subject.companyId, ACCESS_TOKEN_TYP, claims);
  const body = {
    access_token: accessToken,
    issued_token_type: TOKEN_TYPE_JWT,
    token_type: "N_A",
    expires_in: exp - iat,
    ...(scope.length > 0 ? { scope: scope.join(" ") } : {}),
  } as const;
  return c.json(body, 200, { "Cache-Control": "no-store", Pragma: "no-cache" });
});
