/**
 * Passports' contract: issuing, rotating and revoking agent passports (CAP+JWT), their signed
 * status (OCSP), the revocation list and server-side verification, with Vane's paths, field names
 * and shapes. Zod schemas and constants only, imported by the routes and by the CLI.
 */
import { z } from "@hono/zod-openapi";
import { PASSPORT_MAX_TTL_SECONDS } from "../lib/crypto/passport-format.ts";
import { MAX_PASSPORT_SCOPES, PASSPORT_SCOPE_PATTERN, PASSPORT_SCOPE_RULE } from "../lib/crypto/passport-scopes.ts";
import { Timestamp } from "../lib/openapi.ts";

/** The header Vane's rotation reads the current passport from. */
export const CURRENT_PASSPORT_HEADER = "Counsel-Passport";
/** Longest passport accepted in a body or header. */
const MAX_PASSPORT_TEXT = 16 * 1024;
export const MAX_REVOCATION_REASON = 200;

export const PassportScope = z.string().max(200).regex(PASSPORT_SCOPE_PATTERN, `a scope must be ${PASSPORT_SCOPE_RULE}`).openapi({ example: "tool:search" });
export const PassportScopes = z.array(PassportScope).max(MAX_PASSPORT_SCOPES);

export const IssuePassportBody = z
  .object({
    scopes: PassportScopes.min(1)
      .optional()
      .openapi({ description: "Default: `tool:*` and `attest:write` (Vane's); an agent asking for itself gets its whole grant" }),
    ttl: z.number().int().min(1).max(PASSPORT_MAX_TTL_SECONDS).optional().openapi({ description: "Seconds; default 3600" }),
  })
  .strict();

/** Vane's issuance answer; `jti` and `expiresAt` are ours, for revoking it without decoding the token. */
export const PassportIssued = z
  .object({
    agentId: z.string(),
    spiffeId: z.string(),
    org: z.string(),
    orgSpiffeId: z.string(),
    scopes: z.array(z.string()),
    delegationChain: z.array(z.string()),
    passport: z.string().openapi({ description: "The CAP+JWT: shown once, give it to the agent" }),
    expiresIn: z.number().int(),
    caPublicKey: z.string().openapi({ description: "The company's CA key as SPKI PEM: pin it in verifiers" }),
    jti: z.string(),
    expiresAt: Timestamp,
  })
  .openapi("PassportIssued");

export const PassportRotated = PassportIssued.extend({
  rotatedFrom: z.string().openapi({ description: "The jti of the passport this one replaced (now revoked)" }),
});

export const RotatePassportHeaders = z.object({
  "counsel-passport": z.string().min(1).max(MAX_PASSPORT_TEXT).openapi({ description: "The current passport, to be replaced" }),
});

export const JtiParams = z.object({ jti: z.string().min(1).max(64).openapi({ example: "550e8400-e29b-41d4-a716-446655440000" }) });

/**
 * A revocation's reason is one line of text: it is repeated in signed OCSP answers and in the error
 * an MCP server hands the agent, where a CR/LF or another control character could forge a line.
 */
const ONE_LINE = /^[^\p{Cc}\u2028\u2029]*$/u;
export const RevokePassportBody = z
  .object({
    reason: z
      .string()
      .trim()
      .min(1)
      .max(MAX_REVOCATION_REASON)
      .regex(ONE_LINE, "a reason is one line of text: no control characters (CR, LF, tab, …) or line separators")
      .optional(),
  })
  .strict();
export const PassportRevoked = z.object({ jti: z.string(), revokedAt: Timestamp, reason: z.string().optional() });
/** The revoked list's pages: Vane's `{revoked}` whole when it fits one page (as it does unless a company revokes more than this while they live). */
export const MAX_REVOKED_PAGE = 1000;
/** A page's cursor: the last entry's revocation time (epoch ms) and jti, as `next` gives it. */
const REVOKED_CURSOR = /^\d{1,16}\.[0-9A-Za-z-]{1,64}$/;
export const RevokedPassportsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(MAX_REVOKED_PAGE).default(MAX_REVOKED_PAGE),
    cursor: z.string().regex(REVOKED_CURSOR, "a cursor is a page's `next`").optional().openapi({ description: "A page's `next`: the page after it" }),
  })
  .strict();
export const RevokedPassports = z.object({
  revoked: z.array(PassportRevoked),
  next: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last" }),
});

/** Vane's OCSP answer: `signature` is Ed25519 over the RFC 8785 form of every other member but `caPublicKey`. */
export const PassportStatus = z
  .object({
    jti: z.string(),
    companyId: z.string(),
    status: z.enum(["valid", "revoked"]),
    checkedAt: Timestamp,
    revokedAt: Timestamp.optional(),
    reason: z.string().optional(),
    caPublicKey: z.string(),
    signature: z.string(),
  })
  .openapi("PassportStatus");

export const VerifyPassportBody = z
  .object({
    passport: z.string().min(1).max(MAX_PASSPORT_TEXT),
    tool: z.string().min(1).max(128).optional().openapi({ description: "Check that the passport covers `tool:<tool>`" }),
  })
  .strict();

export const PassportClaimsView = z
  .object({
    iss: z.string(),
    sub: z.string(),
    aud: z.array(z.string()),
    jti: z.string(),
    iat: z.number(),
    exp: z.number(),
    nbf: z.number(),
    counsel: z.object({
      v: z.literal(1),
      agentId: z.string(),
      org: z.string(),
      orgSpiffeId: z.string(),
      scopes: z.array(z.string()),
      delegationChain: z.array(z.string()),
      delegationId: z.string().optional(),
    }),
  })
  .openapi("PassportClaims");

/** Vane's transparency record of one verified use of a passport (not a signature). */
export const AttestationReceipt = z
  .object({
    v: z.literal(1),
    type: z.literal("CounselAttestationReceipt"),
    passportId: z.string(),
    agentId: z.string(),
    agentSpiffeId: z.string(),
    org: z.string(),
    orgSpiffeId: z.string(),
    tool: z.string(),
    scopeGranted: z.string(),
    delegationChain: z.array(z.string()),
    issuedBy: z.string(),
    passportIssuedAt: Timestamp,
    passportExpiresAt: Timestamp,
    verifiedAt: Timestamp,
    verifier: z.string(),
  })
  .openapi("CounselAttestationReceipt");

export const PassportVerified = z.object({ valid: z.literal(true), claims: PassportClaimsView, scopeGranted: z.string(), receipt: AttestationReceipt });
