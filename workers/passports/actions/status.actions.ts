/**
 * A passport's life after issuance, with Vane's paths and shapes: revoking one, the revocation
 * list, its signed status (OCSP) and server-side verification. Revocation is immediate for all
 * three readers (the row is the truth); offline verifiers learn of it at the passport's expiry, or
 * sooner by asking OCSP.
 */
import canonicalize from "canonicalize";
import type { z } from "zod";
import type { ActionContext } from "../../action-context.ts";
import { requireAboveAgent } from "../../agents/agent-authority.ts";
import { findAgentByRef } from "../../agents/agents.queries.ts";
import { authorizeSubject } from "../../auth/vault-access.ts";
import { isGuardFailure } from "../../db/audit.ts";
import { companyCaKey, signatureText } from "../../identity/ca-key.ts";
import { AppError, notFound } from "../../lib/app-error.ts";
import { CLOCK_SKEW_SECONDS } from "../../lib/crypto/jwt-svid.ts";
import { verifyPassport } from "../../lib/crypto/passport.ts";
import { iso } from "../../lib/openapi.ts";
import type { PassportRevoked, PassportStatus, PassportVerified, RevokedPassports, VerifyPassportBody } from "../passports.contract.ts";
import { findPassport, type PassportRow, revokedPassports, revokePassportChange } from "../passports.queries.ts";
import { caVerifier, EDGE_VERIFIER } from "../passport-signing.ts";

const alreadyRevoked = () => new AppError(409, "passport_revoked", "Passport is already revoked", { extra: { code: "PASSPORT_REVOKED" } });

/** A passport of the caller's company by its `jti`; another company's (or none) is 404. */
async function requirePassport(ctx: ActionContext, jti: string): Promise<PassportRow> {
  const passport = await findPassport(ctx.db, ctx.principal.companyId, jti);
  if (!passport) throw notFound(`Passport "${jti}"`);
  return passport;
}

const revokedView = (row: PassportRow): z.output<typeof PassportRevoked> => ({
  jti: row.jti,
  revokedAt: iso(row.revokedAt) ?? "",
  ...(row.reason ? { reason: row.reason } : {}),
});

/**
 * POST /v1/passports/{jti}/revoke: revoked at once for OCSP, verification and the list. An agent
 * revokes only its own passports (its cell is `self`); an owner agent never a fellow owner
 * agent's (agent-authority.ts). Revoking twice is 409, as in Vane.
 */
export async function revokePassport(ctx: ActionContext, jti: string, reason: string | undefined): Promise<z.output<typeof PassportRevoked>> {
  const passport = await requirePassport(ctx, jti);
  authorizeSubject(ctx, passport.agentId, `Passport "${jti}"`);
  const agent = await findAgentByRef(ctx.db, ctx.principal.companyId, passport.agentId);
  if (agent) requireAboveAgent(ctx.principal, agent.agent, "revoke a passport of");
  if (passport.revokedAt !== null) throw alreadyRevoked();
  const now = ctx.edge.now();
  await ctx.commit(revokePassportChange(ctx.db, ctx.principal, passport, reason ?? null, now)).catch((error: unknown) => {
    throw isGuardFailure(error) ? alreadyRevoked() : error;
  });
  return revokedView({ ...passport, revokedAt: now, reason: reason ?? null });
}

/**
 * GET /v1/passports/revoked: the company's revoked passports until they expire, oldest revocation
 * first, `limit` at a time from `cursor` (a page's `next`: its last entry's time and jti).
 */
export async function listRevokedPassports(ctx: ActionContext, query: { limit: number; cursor?: string }): Promise<z.output<typeof RevokedPassports>> {
  const [at, jti] = query.cursor?.split(".") ?? [];
  const after = at !== undefined && jti !== undefined ? { revokedAt: Number(at), jti } : undefined;
  const rows = await revokedPassports(ctx.db, ctx.principal.companyId, ctx.edge.now(), { limit: query.limit, ...(after ? { after } : {}) });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { revoked: page.map(revokedView), next: rows.length > query.limit && last ? `${last.revokedAt}.${last.jti}` : null };
}

/** How long a status may be cached: `valid` briefly (a revocation shows within this), `revoked` until the passport expires, since it is final. */
export const VALID_STATUS_MAX_AGE_SECONDS = 60;

/**
 * GET /v1/ocsp/{jti}: the passport's status signed with the company's CA key, in Vane's shape:
 * `signature` is Ed25519 over the RFC 8785 (JCS) bytes of every member but `caPublicKey` and
 * `signature`, as Vane's own verifier (`verifyPayload`) checks it. With how long it may be cached.
 */
export async function passportStatus(ctx: ActionContext, jti: string): Promise<{ status: z.output<typeof PassportStatus>; maxAgeSeconds: number }> {
  const passport = await requirePassport(ctx, jti);
  const now = ctx.edge.now();
  const revoked = passport.revokedAt !== null;
  const data = {
    jti: passport.jti,
    companyId: passport.companyId,
    status: revoked ? ("revoked" as const) : ("valid" as const),
    checkedAt: iso(now) ?? "",
    ...(revoked ? { revokedAt: iso(passport.revokedAt) ?? "" } : {}),
    ...(revoked && passport.reason ? { reason: passport.reason } : {}),
  };
  const ca = await companyCaKey(ctx, passport.companyId);
  const signature = signatureText(await ca.sign(new TextEncoder().encode(canonicalize(data) ?? "")));
  const untilExpiry = Math.max(0, Math.ceil((passport.expiresAt - now) / 1000));
  return {
    status: { ...data, caPublicKey: ca.publicKeyPem, signature },
    maxAgeSeconds: revoked ? untilExpiry : Math.min(VALID_STATUS_MAX_AGE_SECONDS, untilExpiry),
  };
}

/**
 * POST /v1/passport/verify (Vane): the passport checked against the caller's company's CA key in
 * Vane's order, then against its record (revoked, or unknown here: `PASSPORT_REVOKED`). A refusal
 * is 400 with `valid: false` and Vane's `code`; a success carries the claims, the scope that
 * covered `tool` and a receipt of this verification.
 */
export async function verifyPassportAtEdge(ctx: ActionContext, body: z.output<typeof VerifyPassportBody>): Promise<z.output<typeof PassportVerified>> {
  const now = ctx.edge.now();
  const check = await verifyPassport(body.passport, await caVerifier(ctx, ctx.principal.companyId), {
    now,
    clockSkewSeconds: CLOCK_SKEW_SECONDS,
    ...(body.tool === undefined ? {} : { tool: body.tool }),
  });
  const invalid = (code: string, message: string) => new AppError(400, "passport_invalid", message, { extra: { valid: false, code } });
  if (!check.valid) throw invalid(check.code, check.message);
  const { claims, scopeGranted } = check;
  const record = await findPassport(ctx.db, ctx.principal.companyId, claims.jti);
  if (!record || record.revokedAt !== null) throw invalid("PASSPORT_REVOKED", "Passport has been revoked");
  return {
    valid: true,
    claims,
    scopeGranted,
    receipt: {
      v: 1,
      type: "CounselAttestationReceipt",
      passportId: claims.jti,
      agentId: claims.counsel.agentId,
      agentSpiffeId: claims.sub,
      org: claims.counsel.org,
      orgSpiffeId: claims.counsel.orgSpiffeId,
      tool: body.tool ?? "(not checked)",
      scopeGranted,
      delegationChain: claims.counsel.delegationChain,
      issuedBy: claims.iss,
      passportIssuedAt: iso(claims.iat * 1000) ?? "",
      passportExpiresAt: iso(claims.exp * 1000) ?? "",
      verifiedAt: iso(now) ?? "",
      verifier: EDGE_VERIFIER,
    },
  };
}
