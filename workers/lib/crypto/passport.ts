/**
 * Agent passports (CAP+JWT) in Vane's published format: a compact JWS with header
 * `{"alg":"EdDSA","typ":"CAP+JWT","kid":…}` (in that order) and claims `iss, sub, aud, jti, iat,
 * exp, nbf, counsel` (in that order), signed with the company's CA key (identity/ca-key.ts). What
 * goes into one and how one is checked live here, with no bindings: the edge signs and verifies
 * with them, and tests read them on their own. A passport is not an SVID (`typ: JWT`) nor an edge
 * token: each refuses the other (`typ` differs, and so does `aud`).
 *
 * Verification follows Vane's order step by step, so a refusal names the same code a Vane
 * verifier would: MALFORMED_TOKEN, ALGORITHM_MISMATCH, WRONG_TOKEN_TYPE, SIGNATURE_INVALID,
 * TOKEN_EXPIRED, TOKEN_NOT_YET_VALID, AUDIENCE_MISMATCH, INVALID_ISSUER, INVALID_SUBJECT,
 * MALFORMED_CLAIMS, UNSUPPORTED_VERSION, CHAIN_INCOHERENT, SCOPE_DENIED.
 */
import { fromBase64url } from "./crypto-envelope.ts";
import { PASSPORT_AUDIENCE, PASSPORT_TYP } from "./passport-format.ts";
import { matchScope } from "./passport-scopes.ts";
import { base64url } from "./tokens.ts";

export { PASSPORT_AUDIENCE, PASSPORT_DEFAULT_TTL_SECONDS, PASSPORT_MAX_TTL_SECONDS, PASSPORT_TYP } from "./passport-format.ts";
/** Passports are refused unparsed beyond this length. */
const MAX_PASSPORT_LENGTH = 16 * 1024;
const SPIFFE_URI = /^spiffe:\/\/[^/]+\/.+$/;

export type CounselClaims = {
  v: 1;
  agentId: string;
  org: string;
  orgSpiffeId: string;
  scopes: string[];
  delegationChain: string[];
  delegationId?: string;
};

export type PassportClaims = { iss: string; sub: string; aud: string[]; jti: string; iat: number; exp: number; nbf: number; counsel: CounselClaims };

export type PassportHeader = { alg: "EdDSA"; typ: typeof PASSPORT_TYP; kid: string };

export type NewPassport = {
  /** The company's issuer, its SPIFFE ID (`spiffe://{td}/company/{id}`): also `orgSpiffeId`. */
  issuer: string;
  companyId: string;
  agentName: string;
  agentSpiffeId: string;
  scopes: readonly string[];
  jti: string;
  /** Epoch seconds. */
  issuedAt: number;
  ttlSeconds: number;
  delegationId?: string;
};

/**
 * A passport's claims, in Vane's key order (the JSON is signed as written, so the order is what
 * a verifier sees byte for byte): the chain runs from the company to the agent, `nbf` is `iat`.
 */
export function passportClaims(input: NewPassport): PassportClaims {
  return {
    iss: input.issuer,
    sub: input.agentSpiffeId,
    aud: [PASSPORT_AUDIENCE],
    jti: input.jti,
    iat: input.issuedAt,
    exp: input.issuedAt + input.ttlSeconds,
    nbf: input.issuedAt,
    counsel: {
      v: 1,
      agentId: input.agentName,
      org: input.companyId,
      orgSpiffeId: input.issuer,
      scopes: [...input.scopes],
      delegationChain: [input.issuer, input.agentSpiffeId],
      ...(input.delegationId === undefined ? {} : { delegationId: input.delegationId }),
    },
  };
}

const encodeJson = (value: unknown) => base64url(new TextEncoder().encode(JSON.stringify(value)));

/** Signs `claims` as a CAP+JWT: `sign` is the CA key's Ed25519 signature over the ASCII signing input. */
export async function signPassport(sign: (data: Uint8Array) => Promise<Uint8Array>, kid: string, claims: PassportClaims): Promise<string> {
  const header: PassportHeader = { alg: "EdDSA", typ: PASSPORT_TYP, kid };
  const input = `${encodeJson(header)}.${encodeJson(claims)}`;
  return `${input}.${base64url(await sign(new TextEncoder().encode(input)))}`;
}

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
  | "PASSPORT_REVOKED";

export type PassportCheck =
  | { valid: true; claims: PassportClaims; header: PassportHeader; scopeGranted: string }
  | { valid: false; code: PassportErrorCode; message: string };

export type VerifyPassportOptions = {
  /** Epoch milliseconds. */
  now: number;
  /** When given, the passport must cover `tool:<tool>`. */
  tool?: string;
  /** Tolerated clock difference for `exp` and `nbf`. */
  clockSkewSeconds: number;
};

const refuse = (code: PassportErrorCode, message: string): PassportCheck => ({ valid: false, code, message });

const decodeSegment = (segment: string): unknown => JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(fromBase64url(segment)));

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === "string");

/**
 * A compact JWS's protected header, read without trusting it; undefined when `token` is not one.
 * How the edge tells a passport (or an SVID) from its own tokens before anything is looked up.
 */
export function peekJwtHeader(token: string): Record<string, unknown> | undefined {
  if (token.length > MAX_PASSPORT_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) return undefined;
  try {
    const header = decodeSegment(token.slice(0, token.indexOf(".")));
    return isObject(header) ? header : undefined;
  } catch {
    return undefined;
  }
}

/** True when `token` presents itself as a passport (its header says `typ: CAP+JWT`); nothing is verified. */
export const looksLikePassport = (token: string): boolean => peekJwtHeader(token)?.typ === PASSPORT_TYP;

/**
 * Why `token` is not an edge token when it is a JWS: a passport (for MCP servers) or another JWT
 * (an SVID, an exchanged token: for token exchange and resource servers). Undefined for anything
 * else, which the edge reads as one of its own tokens. Read from the header alone, before any
 * lookup, so the refusal costs nothing and says what to send instead.
 */
export function notAnEdgeToken(token: string): string | undefined {
  const header = peekJwtHeader(token);
  if (!header) return undefined;
  if (header.typ === PASSPORT_TYP) {
    return `A passport (${PASSPORT_TYP}) is for MCP servers, not for the edge: call the edge with the agent's token (eva_…), a vault session or an API key`;
  }
  return "A JWT (an SVID or an exchanged token) is not an edge token: call the edge with the agent's token (eva_…), a vault session or an API key";
}

/**
 * Checks a passport offline against the CA public key (an Ed25519 `CryptoKey` for verify), in
 * Vane's order; never throws on bad input. A passport signed under another `kid` is refused as
 * SIGNATURE_INVALID before any signature is computed. Revocation is the caller's (the edge looks
 * up the `jti`; offline verifiers ask OCSP).
 */
export async function verifyPassport(token: string, key: { kid: string; publicKey: CryptoKey }, options: VerifyPassportOptions): Promise<PassportCheck> {
  if (token.length > MAX_PASSPORT_LENGTH) return refuse("MALFORMED_TOKEN", "The passport is too large");
  const parts = token.split(".");
  if (parts.length !== 3) return refuse("MALFORMED_TOKEN", "Expected header.payload.signature");
  const [headerPart = "", payloadPart = "", signaturePart = ""] = parts;
  let header: unknown;
  let payload: unknown;
  try {
    header = decodeSegment(headerPart);
    payload = decodeSegment(payloadPart);
  } catch {
    return refuse("MALFORMED_TOKEN", "Could not decode the header or the payload");
  }
  if (!isObject(header) || !isObject(payload)) return refuse("MALFORMED_TOKEN", "The header and the payload must be JSON objects");
  if (header.alg !== "EdDSA") return refuse("ALGORITHM_MISMATCH", `Expected EdDSA, got ${JSON.stringify(header.alg ?? null)}`);
  if (header.typ !== PASSPORT_TYP)
    return refuse("WRONG_TOKEN_TYPE", `Expected ${PASSPORT_TYP}, got ${JSON.stringify(header.typ ?? null)}: this is not a passport`);
  if (header.kid !== key.kid) return refuse("SIGNATURE_INVALID", "The passport was not signed by this company's CA key");
  let signed = false;
  try {
    const data = new TextEncoder().encode(`${headerPart}.${payloadPart}`);
    signed = await crypto.subtle.verify({ name: "Ed25519" }, key.publicKey, fromBase64url(signaturePart), data);
  } catch {
    signed = false;
  }
  if (!signed) return refuse("SIGNATURE_INVALID", "The CA signature does not verify");

  const now = Math.floor(options.now / 1000);
  if (typeof payload.exp !== "number" || payload.exp < now - options.clockSkewSeconds) return refuse("TOKEN_EXPIRED", "The passport has expired");
  if (typeof payload.nbf === "number" && payload.nbf > now + options.clockSkewSeconds) return refuse("TOKEN_NOT_YET_VALID", "The passport is not valid yet");
  if (!isStringArray(payload.aud) || !payload.aud.includes(PASSPORT_AUDIENCE))
    return refuse("AUDIENCE_MISMATCH", `The passport's audience must include "${PASSPORT_AUDIENCE}"`);
  if (typeof payload.iss !== "string" || !SPIFFE_URI.test(payload.iss)) return refuse("INVALID_ISSUER", "iss is not a SPIFFE ID");
  if (typeof payload.sub !== "string" || !SPIFFE_URI.test(payload.sub)) return refuse("INVALID_SUBJECT", "sub is not a SPIFFE ID");
  const counsel = payload.counsel;
  if (!isObject(counsel)) return refuse("MALFORMED_CLAIMS", 'Missing or malformed "counsel" claims');
  if (counsel.v !== 1) return refuse("UNSUPPORTED_VERSION", `Unsupported passport version ${JSON.stringify(counsel.v ?? null)}`);
  if (!isStringArray(counsel.scopes) || counsel.scopes.length === 0) return refuse("MALFORMED_CLAIMS", '"counsel.scopes" must be a non-empty array of strings');
  if (!isStringArray(counsel.delegationChain) || counsel.delegationChain.length === 0)
    return refuse("MALFORMED_CLAIMS", '"counsel.delegationChain" must be a non-empty array of strings');
  if (counsel.delegationChain.at(-1) !== payload.sub) return refuse("CHAIN_INCOHERENT", "The delegation chain does not end at the passport's subject");
  if (typeof payload.jti !== "string" || typeof payload.iat !== "number") return refuse("MALFORMED_CLAIMS", "jti and iat are required");

  let scopeGranted = counsel.scopes[0] ?? "";
  if (options.tool !== undefined) {
    const requested = `tool:${options.tool}`;
    const granted = matchScope(counsel.scopes, requested);
    if (granted === null) return refuse("SCOPE_DENIED", `The passport's scopes do not cover "${requested}"`);
    scopeGranted = granted;
  }
  return { valid: true, claims: payload as PassportClaims, header: header as PassportHeader, scopeGranted };
}
