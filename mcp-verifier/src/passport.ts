/**
 * What a passport (CAP+JWT) is, and the offline check of one, in Vane's order so a refusal names
 * the code a Vane verifier would: MALFORMED_TOKEN, ALGORITHM_MISMATCH, WRONG_TOKEN_TYPE,
 * SIGNATURE_INVALID, TOKEN_EXPIRED, TOKEN_NOT_YET_VALID, AUDIENCE_MISMATCH, INVALID_ISSUER,
 * INVALID_SUBJECT, MALFORMED_CLAIMS, UNSUPPORTED_VERSION, CHAIN_INCOHERENT, SCOPE_DENIED. The
 * signature is jose's; everything else is read here. Revocation is not an offline matter: see ocsp.ts.
 */
import { compactVerify, decodeJwt, decodeProtectedHeader, errors } from "jose";
import type { PassportKey } from "./keys.js";
import { matchScope, toolScope } from "./scopes.js";

export const PASSPORT_TYP = "CAP+JWT";
export const PASSPORT_AUDIENCE = "counsel:passport:v1";
const MAX_PASSPORT_LENGTH = 16 * 1024;
const SPIFFE_URI = /^spiffe:\/\/[^/]+\/.+$/;

export type PassportClaims = {
  iss: string;
  sub: string;
  aud: string[];
  jti: string;
  iat: number;
  exp: number;
  nbf?: number;
  counsel: { v: 1; agentId: string; org: string; orgSpiffeId: string; scopes: string[]; delegationChain: string[]; delegationId?: string };
};

export type PassportErrorCode =
  | "MALFORMED_TOKEN"
  | "ALGORITHM_MISMATCH"
  | "WRONG_TOKEN_TYPE"
  | "SIGNATURE_INVALID"
  | "TOKEN_EXPIRED"
  | "TOKEN_NOT_YET_VALID"
  | "AUDIENCE_MISMATCH"
  | "INVALID_ISSUER"
  | "INVALID_SUBJECT"
  | "MALFORMED_CLAIMS"
  | "UNSUPPORTED_VERSION"
  | "CHAIN_INCOHERENT"
  | "SCOPE_DENIED"
  | "PASSPORT_REVOKED"
  | "VERIFICATION_ERROR";

export type PassportResult = { valid: true; claims: PassportClaims; scopeGranted: string } | { valid: false; code: PassportErrorCode; message: string };

export type CheckOptions = {
  /** Epoch milliseconds. */
  now: number;
  clockToleranceSeconds: number;
  /** The MCP tool called: the passport must cover `tool:<tool>`. */
  tool?: string;
  /** Only passports of this company (`counsel.org`). */
  org?: string;
};

const refuse = (code: PassportErrorCode, message: string): PassportResult => ({ valid: false, code, message });
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === "string");

/** The signature step: jose verifies, and its refusals become Vane's codes. */
async function signatureHolds(token: string, key: PassportKey): Promise<PassportResult | undefined> {
  try {
    await compactVerify(token, key.forPassport, { algorithms: ["EdDSA"] });
    return undefined;
  } catch (error) {
    if (error instanceof errors.JWKSTimeout || (error instanceof Error && !(error instanceof errors.JOSEError))) {
      return refuse("VERIFICATION_ERROR", `The CA key could not be read: ${error.message}`);
    }
    return refuse("SIGNATURE_INVALID", "The CA signature does not verify");
  }
}

/** Checks a passport offline against the CA key; never throws on bad input. */
export async function checkPassport(token: string, key: PassportKey, options: CheckOptions): Promise<PassportResult> {
  if (token.length > MAX_PASSPORT_LENGTH || token.split(".").length !== 3) return refuse("MALFORMED_TOKEN", "Expected header.payload.signature");
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
    payload = decodeJwt(token) as Record<string, unknown>;
  } catch {
    return refuse("MALFORMED_TOKEN", "Could not decode the header or the payload");
  }
  if (header.alg !== "EdDSA") return refuse("ALGORITHM_MISMATCH", `Expected EdDSA, got ${JSON.stringify(header.alg ?? null)}`);
  if (header.typ !== PASSPORT_TYP) {
    return refuse(
      "WRONG_TOKEN_TYPE",
      `Expected ${PASSPORT_TYP}, got ${JSON.stringify(header.typ ?? null)}: this is not a passport (an SVID or an edge token is not one)`,
    );
  }
  // A CA key's kid is 16 hex; a JWK Set also holds the company's SVID keys, which never sign a passport.
  if (key.caKidsOnly && !(typeof header.kid === "string" && /^[0-9a-f]{16}$/.test(header.kid))) {
    return refuse("SIGNATURE_INVALID", "The passport names no CA key");
  }
  const unsigned = await signatureHolds(token, key);
  if (unsigned) return unsigned;

  const now = Math.floor(options.now / 1000);
  if (typeof payload.exp !== "number" || payload.exp < now - options.clockToleranceSeconds) return refuse("TOKEN_EXPIRED", "The passport has expired");
  if (typeof payload.nbf === "number" && payload.nbf > now + options.clockToleranceSeconds)
    return refuse("TOKEN_NOT_YET_VALID", "The passport is not valid yet");
  if (!isStrings(payload.aud) || !payload.aud.includes(PASSPORT_AUDIENCE))
    return refuse("AUDIENCE_MISMATCH", `The audience must include "${PASSPORT_AUDIENCE}"`);
  if (typeof payload.iss !== "string" || !SPIFFE_URI.test(payload.iss)) return refuse("INVALID_ISSUER", "iss is not a SPIFFE ID");
  if (typeof payload.sub !== "string" || !SPIFFE_URI.test(payload.sub)) return refuse("INVALID_SUBJECT", "sub is not a SPIFFE ID");
  const counsel = payload.counsel;
  if (!isObject(counsel)) return refuse("MALFORMED_CLAIMS", 'Missing or malformed "counsel" claims');
  if (counsel.v !== 1) return refuse("UNSUPPORTED_VERSION", `Unsupported passport version ${JSON.stringify(counsel.v ?? null)}`);
  if (!isStrings(counsel.scopes) || counsel.scopes.length === 0) return refuse("MALFORMED_CLAIMS", '"counsel.scopes" must be a non-empty array');
  if (!isStrings(counsel.delegationChain) || counsel.delegationChain.length === 0)
    return refuse("MALFORMED_CLAIMS", '"counsel.delegationChain" must be a non-empty array');
  if (counsel.delegationChain.at(-1) !== payload.sub) return refuse("CHAIN_INCOHERENT", "The delegation chain does not end at the passport's subject");
  if (typeof payload.jti !== "string" || typeof payload.iat !== "number" || typeof counsel.org !== "string" || typeof counsel.agentId !== "string") {
    return refuse("MALFORMED_CLAIMS", "jti, iat, counsel.org and counsel.agentId are required");
  }
  if (options.org !== undefined && counsel.org !== options.org)
    return refuse("INVALID_ISSUER", `The passport was issued by "${counsel.org}", not "${options.org}"`);

  let scopeGranted = counsel.scopes[0] ?? "";
  if (options.tool !== undefined) {
    const granted = matchScope(counsel.scopes, toolScope(options.tool));
    if (granted === null) return refuse("SCOPE_DENIED", `The passport's scopes (${counsel.scopes.join(", ")}) do not cover "${toolScope(options.tool)}"`);
    scopeGranted = granted;
  }
  return { valid: true, claims: payload as unknown as PassportClaims, scopeGranted };
}
