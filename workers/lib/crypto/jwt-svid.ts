/**
 * Pure JOSE logic for the tokens Edgevault signs: JWT-SVIDs (`typ: JWT`) and the access tokens
 * minted by token exchange (`typ: at+jwt`). No bindings here: keys come in as CryptoKeys, so
 * every rule (accepted algorithms, header checks, lifetimes) can be read and tested on its own.
 */
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT } from "jose";
import type { CryptoKey as JoseCryptoKey, JWTPayload, ProtectedHeaderParameters } from "jose";
import { z } from "zod";
import { AppError } from "../app-error.ts";
import { PASSPORT_TYP } from "./passport-format.ts";

/**
 * The only algorithms we sign with and accept. EdDSA (Ed25519) is the default Vane promised;
 * ES256 exists because standard JWT-SVID validators (go-spiffe, java-spiffe) accept only
 * RS/ES/PS algorithms. Everything else, `none` and HMAC included, is refused before any key lookup.
 */
export const SIGNING_ALGS = ["EdDSA", "ES256"] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];
export const isSigningAlg = (value: unknown): value is SigningAlg => typeof value === "string" && (SIGNING_ALGS as readonly string[]).includes(value);

/** JWT-SVID lifetime (seed 003). */
export const SVID_TTL_SECONDS = 3600;
/** Upper bound for every token we sign (SVIDs and exchanged tokens): drives key retention. */
export const MAX_TOKEN_TTL_SECONDS = 3600;
/** Clock difference tolerated between us and verifiers; retired keys stay published this much longer. */
export const CLOCK_SKEW_SECONDS = 60;
/** How long JWKS and bundle responses may be cached; also the minimum age of a key before it signs. */
export const JWKS_MAX_AGE_SECONDS = 300;
/** Audience of SVIDs issued without one: Edgevault's own token-exchange endpoint. */
export const DEFAULT_SVID_AUDIENCE = "edgevault";
/** Tokens larger than this are refused unparsed. */
export const MAX_TOKEN_LENGTH = 8 * 1024;

export const SVID_TYP = "JWT";
export const ACCESS_TOKEN_TYP = "at+jwt";

/** The issuer of every token a company signs (request-independent so it never varies by host). */
export function issuerFor(trustDomain: string, companyId: string): string {
  return `spiffe://${trustDomain}/company/${companyId}`;
}

const PublicJwk = z.object({ kty: z.enum(["OKP", "EC"]), crv: z.enum(["Ed25519", "P-256"]), x: z.string().min(1), y: z.string().min(1).optional() });
const PrivateJwk = PublicJwk.extend({ d: z.string().min(1) });
export type PublicJwk = z.infer<typeof PublicJwk>;

/** Parses a stored public JWK (public members only). */
export function parsePublicJwk(value: unknown): PublicJwk {
  return PublicJwk.parse(value);
}

export type GeneratedKeyPair = { publicJwk: PublicJwk; privateJwk: string };

/** A fresh key pair; the private half only as JWK JSON, ready to be sealed. */
export async function generateSigningKeyPair(alg: SigningAlg): Promise<GeneratedKeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const exported = await exportJWK(privateKey);
  const publicJwk = PublicJwk.parse(await exportJWK(publicKey));
  const privateJwk = PrivateJwk.parse(exported);
  return {
    publicJwk: { kty: publicJwk.kty, crv: publicJwk.crv, x: publicJwk.x, ...(publicJwk.y ? { y: publicJwk.y } : {}) },
    privateJwk: JSON.stringify(privateJwk),
  };
}

/** Imports an unsealed private JWK as a non-extractable signing key. */
export async function importPrivateKey(privateJwkJson: string, alg: SigningAlg): Promise<JoseCryptoKey> {
  const jwk = PrivateJwk.parse(JSON.parse(privateJwkJson));
  const key = await importJWK({ ...jwk, alg }, alg, { extractable: false });
  if (key instanceof Uint8Array) throw new Error("expected an asymmetric key");
  return key;
}

export async function importPublicKey(publicJwk: PublicJwk, alg: SigningAlg): Promise<JoseCryptoKey> {
  const key = await importJWK({ ...publicJwk, alg }, alg);
  if (key instanceof Uint8Array) throw new Error("expected an asymmetric key");
  return key;
}

export type SignerKey = { kid: string; alg: SigningAlg; privateKey: JoseCryptoKey };

/** Signs a JWT with header `{alg, kid, typ}`. */
export async function signJwt(signer: SignerKey, typ: string, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ }).sign(signer.privateKey);
}

/** The `act` claim of RFC 8693 §4.1: outermost is the current actor, nested ones are prior actors. */
export type ActClaim = { sub: string; act?: ActClaim };

/** Longest delegation chain (`act` nesting) we mint or accept. */
export const MAX_ACT_DEPTH = 8;
const ActClaimSchema: z.ZodType<ActClaim> = z.lazy(() => z.object({ sub: z.string().min(1), act: ActClaimSchema.optional() }).passthrough());

/** Reads a token's `act` chain; undefined when absent, an error when malformed or too deep. */
export function parseActClaim(value: unknown): ActClaim | undefined {
  if (value === undefined) return undefined;
  const parsed = ActClaimSchema.safeParse(value);
  if (!parsed.success) throw rejected("the act claim is malformed");
  let depth = 0;
  for (let link: ActClaim | undefined = parsed.data; link; link = link.act) {
    if (++depth > MAX_ACT_DEPTH) throw rejected(`the delegation chain is deeper than ${MAX_ACT_DEPTH}`);
  }
  // Keep only sub/act so a chain copied into a new token carries nothing else.
  const strip = (link: ActClaim): ActClaim => ({ sub: link.sub, ...(link.act ? { act: strip(link.act) } : {}) });
  return strip(parsed.data);
}

/** A refused token. 401 `invalid_token`; callers with their own wire format (token exchange) map it. */
export function rejected(reason: string): AppError {
  return new AppError(401, "invalid_token", `Token refused: ${reason}`);
}

export type UnverifiedJwt = { header: ProtectedHeaderParameters & { alg: SigningAlg; kid: string }; claims: JWTPayload };

/**
 * Reads header and claims without trusting them, refusing early what no key could make valid:
 * oversize or malformed tokens, algorithms outside {@link SIGNING_ALGS} (`none`, HS256…), a
 * missing `kid`, a `typ` other than the one expected, critical extensions.
 */
export function readUnverified(token: string, acceptedTyps: readonly (string | undefined)[]): UnverifiedJwt {
  if (token.length > MAX_TOKEN_LENGTH) throw rejected("the token is too large");
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) throw rejected("not a JWS in compact serialization");
  let header: ProtectedHeaderParameters;
  let claims: JWTPayload;
  try {
    header = decodeProtectedHeader(token);
    claims = decodeJwt(token);
  } catch {
    throw rejected("the token cannot be decoded");
  }
  if (!isSigningAlg(header.alg)) throw rejected(`alg ${JSON.stringify(header.alg ?? null)} is not accepted (EdDSA or ES256 only)`);
  if (typeof header.kid !== "string" || header.kid.length === 0) throw rejected("the header has no kid");
  if (header.crit !== undefined) throw rejected("critical header extensions are not supported");
  if (header.typ === PASSPORT_TYP) throw rejected(`a passport (${PASSPORT_TYP}) is not an SVID: it is for MCP servers; present the agent's JWT-SVID here`);
  if (!acceptedTyps.includes(header.typ)) throw rejected(`typ ${JSON.stringify(header.typ ?? null)} is not accepted here`);
  return { header: { ...header, alg: header.alg, kid: header.kid }, claims };
}

export type VerifyJwtOptions = { alg: SigningAlg; audience: string | string[]; issuer: string; now: number };

/** Checks signature, `exp`, `aud` and `iss`; turns jose's errors into a specific refusal. */
export async function verifyJwtSignature(token: string, publicKey: JoseCryptoKey, options: VerifyJwtOptions): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, publicKey, {
      algorithms: [options.alg],
      audience: options.audience,
      issuer: options.issuer,
      currentDate: new Date(options.now),
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ["sub", "aud", "exp", "iat"],
    });
    return payload;
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw rejected("the token has expired");
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) throw rejected("the signature does not verify");
    if (error instanceof joseErrors.JWTClaimValidationFailed) {
      if (error.claim === "aud") throw rejected("the audience does not match");
      if (error.claim === "iss") throw rejected("the issuer does not match");
      throw rejected(`the ${error.claim} claim is invalid`);
    }
    if (error instanceof joseErrors.JOSEError) throw rejected("the token is malformed");
    throw error;
  }
}

/** `aud` as an array (JWT allows a single string). */
export function audienceList(aud: JWTPayload["aud"]): string[] {
  if (aud === undefined) return [];
  return typeof aud === "string" ? [aud] : aud;
}
