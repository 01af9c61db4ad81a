/**
 * Issuing and verifying agents' JWT-SVIDs, and verifying the access tokens token exchange mints.
 * Signed with the company's active key; verified only against that same company's keys, so a
 * token naming company A but signed by company B's key finds no key and is refused.
 */
import { type Config, configOf } from "../config.ts";
import type { JWTPayload } from "jose";
import type { Database } from "../db/client.ts";
import { activeSigner, type SigningKeyAccess, verificationKey } from "./signing-keys.ts";
import { companyKeys } from "./signing-keys.queries.ts";
import type { Env } from "../env.ts";
import { AppError } from "../lib/app-error.ts";
import {
  ACCESS_TOKEN_TYP,
  audienceList,
  DEFAULT_SVID_AUDIENCE,
  issuerFor,
  parseActClaim,
  readUnverified,
  rejected,
  signJwt,
  SVID_TTL_SECONDS,
  SVID_TYP,
  verifyJwtSignature,
  type ActClaim,
  type SignerKey,
} from "../lib/crypto/jwt-svid.ts";
import { parseAgentSpiffeId, spiffeIdFor, trustDomainProblem } from "../lib/crypto/spiffe.ts";

export type IssueSvidOptions = {
  companyId: string;
  agentName: string;
  /** Who the SVID is for; defaults to `["edgevault"]` (this service's token exchange). */
  audience?: string[];
  /** Clock override (epoch ms), for tests. */
  now?: number;
};

export type IssuedSvid = { svid: string; spiffeId: string; expiresAt: Date };

/** What signing needs of an action's context (an `ActionContext` is one): the keys, and the trust domain in the settings. */
export type SvidSigning = SigningKeyAccess & { config: Config };
/** What verifying needs: the keys' public halves in D1, and the trust domain. */
export type SvidVerifying = { db: Database; config: Config };

/** Checks the configured trust domain: a bad one is our misconfiguration, not the caller's input. */
export function trustDomainOf(env: Env): string {
  return trustDomainIn(configOf(env));
}

/** `trustDomainOf` for settings already read (an action holds its `Config`, never `Env`). */
export function trustDomainIn(config: Pick<Config, "trustDomain">): string {
  const { trustDomain } = config;
  const problem = trustDomainProblem(trustDomain);
  if (problem) throw new AppError(500, "server_misconfigured", "The server's trust domain is not configured", { cause: `TRUST_DOMAIN: ${problem}` });
  return trustDomain;
}

const MAX_AUDIENCES = 10;
const MAX_AUDIENCE_LENGTH = 512;

/** Refuses an audience list no verifier could match reliably (400 `invalid_audience`). */
export function checkAudience(audience: string[]): string[] {
  if (audience.length === 0 || audience.length > MAX_AUDIENCES) {
    throw new AppError(400, "invalid_audience", `Give between 1 and ${MAX_AUDIENCES} audiences`);
  }
  for (const value of audience) {
    // Printable ASCII without spaces: audiences are compared byte for byte by verifiers.
    if (value.length === 0 || value.length > MAX_AUDIENCE_LENGTH || !/^[\x21-\x7e]+$/.test(value)) {
      throw new AppError(400, "invalid_audience", `Each audience must be 1-${MAX_AUDIENCE_LENGTH} printable characters without spaces`);
    }
  }
  return [...new Set(audience)];
}

/** What a JWT-SVID for an agent says: times are epoch seconds. */
export type SvidClaims = { iss: string; sub: string; aud: string[]; iat: number; exp: number };

/**
 * The claims of a JWT-SVID for an agent of a company, as if issued now: `iss` (the company's
 * issuer), `sub` (the agent's SPIFFE ID), `aud`, `iat`, `exp` = iat + 3600. The one place that
 * decides what goes into an SVID: `issueAgentSvid` signs exactly these, and the console shows
 * them without signing anything (a token on a page would be a leak).
 *
 * @example
 * const claims = agentSvidClaims(ctx.config, { companyId, agentName: "researcher-1" }); // claims.sub: spiffe://…/agent/researcher-1
 */
export function agentSvidClaims(config: Pick<Config, "trustDomain">, options: IssueSvidOptions): SvidClaims {
  const trustDomain = trustDomainIn(config);
  const sub = spiffeIdFor(trustDomain, options.companyId, options.agentName);
  const aud = checkAudience(options.audience ?? [DEFAULT_SVID_AUDIENCE]);
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  return { iss: issuerFor(trustDomain, options.companyId), sub, aud, iat, exp: iat + SVID_TTL_SECONDS };
}

/**
 * Issues a JWT-SVID for an agent of a company: header `{alg, kid, typ: "JWT"}`, the claims of
 * `agentSvidClaims`. Does not check that the agent exists or may have one: the caller (the
 * agents' actions, `svidRequestFor`) does. Creates the company's keys on first use.
 *
 * @example
 * const { svid, spiffeId, expiresAt } = await issueAgentSvid(ctx, { companyId, agentName: "researcher-1" });
 */
export async function issueAgentSvid(ctx: SvidSigning, options: IssueSvidOptions): Promise<IssuedSvid> {
  const claims = agentSvidClaims(ctx.config, options);
  const signer = await activeSigner(ctx, options.companyId);
  const svid = await signJwt(signer, SVID_TYP, claims);
  return { svid, spiffeId: claims.sub, expiresAt: new Date(claims.exp * 1000) };
}

/**
 * The header an SVID issued now would carry (`alg`, `kid`), read without creating anything:
 * undefined until the company's first SVID creates its keys.
 */
export async function currentSvidHeader(db: Database, companyId: string): Promise<{ alg: string; kid: string; typ: string } | undefined> {
  const active = (await companyKeys(db, companyId)).find((row) => row.status === "active");
  return active ? { alg: active.alg, kid: active.id, typ: SVID_TYP } : undefined;
}

/** What a verified token says. Times are epoch seconds. */
export type VerifiedToken = {
  spiffeId: string;
  companyId: string;
  agentName: string;
  audience: string[];
  issuedAt: number;
  expiresAt: number;
  kid: string;
  /** Present only on exchanged (delegated) access tokens. */
  act?: ActClaim;
  /** Space-separated scopes of an exchanged access token. */
  scope?: string[];
  claims: JWTPayload;
};

export type VerifyTokenOptions = {
  /** The verifier's own audience: the token must name it. */
  audience: string | string[];
  /** Accept exchanged access tokens (`typ: at+jwt`) as well as SVIDs. Default: SVIDs only. */
  acceptAccessTokens?: boolean;
  now?: number;
};

/**
 * Verifies a JWT-SVID signed by one of the company keys this edge holds. Refuses (401
 * `invalid_token` with a specific message): `alg` none, HMAC or anything but EdDSA/ES256; a
 * `typ` other than JWT/JOSE; an unknown, unpublished or other company's `kid`; a tampered or
 * expired token; a wrong audience or issuer; a `sub` that is not an agent SPIFFE ID of this
 * trust domain; an exchanged access token passed off as an SVID.
 */
export async function verifyAgentSvid(ctx: SvidVerifying, token: string, options: VerifyTokenOptions): Promise<VerifiedToken> {
  return verifyCompanyToken(ctx, token, { ...options, acceptAccessTokens: false });
}

/** Verifies an SVID or (with `acceptAccessTokens`) an access token minted by token exchange. */
export async function verifyCompanyToken(ctx: SvidVerifying, token: string, options: VerifyTokenOptions): Promise<VerifiedToken> {
  const trustDomain = trustDomainIn(ctx.config);
  const now = options.now ?? Date.now();
  // JWT-SVID: typ absent, JWT or JOSE. Exchanged tokens carry at+jwt so they never pass as SVIDs.
  const typs = options.acceptAccessTokens ? [undefined, SVID_TYP, "JOSE", ACCESS_TOKEN_TYP] : [undefined, SVID_TYP, "JOSE"];
  const { header, claims: unverified } = readUnverified(token, typs);
  const subject = typeof unverified.sub === "string" ? parseAgentSpiffeId(unverified.sub) : undefined;
  if (!subject) throw rejected("sub is not an agent SPIFFE ID");
  if (subject.trustDomain !== trustDomain) throw rejected("sub is not in this trust domain");
  // The key is looked up only among the subject's own company keys.
  const key = await verificationKey(ctx.db, subject.companyId, header.kid, now);
  if (!key) throw rejected("unknown signing key for this company");
  if (key.alg !== header.alg) throw rejected("alg does not match the signing key");
  const claims = await verifyJwtSignature(token, key.publicKey, {
    alg: key.alg,
    audience: options.audience,
    issuer: issuerFor(trustDomain, subject.companyId),
    now,
  });
  const isAccessToken = header.typ === ACCESS_TOKEN_TYP;
  if (!isAccessToken && (claims.act !== undefined || claims.scope !== undefined)) throw rejected("an SVID carries no act or scope claim");
  const act = isAccessToken ? parseActClaim(claims.act) : undefined;
  const scope = isAccessToken && typeof claims.scope === "string" ? claims.scope.split(" ").filter(Boolean) : undefined;
  return {
    spiffeId: claims.sub ?? "",
    companyId: subject.companyId,
    agentName: subject.agentName,
    audience: audienceList(claims.aud),
    issuedAt: claims.iat ?? 0,
    expiresAt: claims.exp ?? 0,
    kid: header.kid,
    ...(act ? { act } : {}),
    ...(scope ? { scope } : {}),
    claims,
  };
}

/** Signs an access token with the company's active key (used by token exchange). */
export async function signCompanyToken(ctx: SvidSigning, companyId: string, typ: string, claims: JWTPayload): Promise<string> {
  const signer: SignerKey = await activeSigner(ctx, companyId);
  return signJwt(signer, typ, claims);
}
