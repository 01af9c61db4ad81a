/**
 * Issuing and rotating passports (Vane's `POST /v1/agents/{agentId}/passport` and `…/rotate`),
 * for the API and the CLI alike. Who may is the table's row (`self` for agents); the rule it cannot
 * say is here, in `scopesFor`: an agent asking for itself gets only scopes a person granted it
 * (`agents.passport_scopes`), never wider, while an API key or a company owner may issue any.
 */
import type { z } from "zod";
import type { ActionContext } from "../../action-context.ts";
import { findAgentByRef, type AgentRow } from "../../agents/agents.queries.ts";
import { authorizeSubject } from "../../auth/vault-access.ts";
import { isGuardFailure } from "../../db/audit.ts";
import { trustDomainIn } from "../../identity/svid.ts";
import { companyCaKey } from "../../identity/ca-key.ts";
import { AppError, conflict, forbidden, notFound } from "../../lib/app-error.ts";
import { PASSPORT_DEFAULT_TTL_SECONDS, passportClaims, signPassport, verifyPassport, type PassportClaims } from "../../lib/crypto/passport.ts";
import { DEFAULT_PASSPORT_SCOPES, scopesBeyond } from "../../lib/crypto/passport-scopes.ts";
import { CLOCK_SKEW_SECONDS } from "../../lib/crypto/jwt-svid.ts";
import { spiffeIdFor } from "../../lib/crypto/spiffe.ts";
import { iso } from "../../lib/openapi.ts";
import type { IssuePassportBody, PassportIssued, PassportRotated } from "../passports.contract.ts";
import {
  findPassport,
  ISSUANCE_WINDOW_MS,
  issuePassportChange,
  liveAgentTokenId,
  MAX_LIVE_PASSPORTS_PER_AGENT,
  MAX_PASSPORTS_ISSUED_PER_WINDOW,
  passportsIssuedSince,
  type NewPassportRow,
  rotatePassportChange,
} from "../passports.queries.ts";
import { caVerifier, passportIssuer } from "../passport-signing.ts";

type Issued = z.output<typeof PassportIssued>;

/** The agent a passport is for: in the caller's company (else 404), the caller itself for an agent, and active. */
async function passportAgent(ctx: ActionContext, ref: string): Promise<AgentRow> {
  const found = await findAgentByRef(ctx.db, ctx.principal.companyId, ref);
  if (!found) throw notFound(`Agent "${ref}"`);
  authorizeSubject(ctx, found.agent.id, `Agent "${ref}"`);
  if (found.agent.status !== "active") throw new AppError(403, "agent_not_active", `Agent "${found.agent.name}" is ${found.agent.status}`);
  return found.agent;
}

/** Whether the caller is the agent itself (an agent's cell is `self`, so an agent is only ever asking for itself). */
const asksForItself = (ctx: ActionContext, agent: AgentRow) => ctx.principal.kind === "agent" && ctx.principal.id === agent.id;

/**
 * The scopes a new passport carries, and the grant it was obtained under: an agent for itself only
 * within `passport_scopes` (its whole grant when it names none; 403 `scope_not_granted` beyond it),
 * anyone else what they ask, or Vane's default.
 */
function scopesFor(ctx: ActionContext, agent: AgentRow, requested: readonly string[] | undefined): { scopes: string[]; withinGrant: string | null } {
  if (!asksForItself(ctx, agent)) return { scopes: [...new Set(requested ?? DEFAULT_PASSPORT_SCOPES)], withinGrant: null };
  const granted = agent.passportScopes;
  if (granted.length === 0)
    throw forbidden("No passport scopes were granted to this agent: a person grants them (PATCH /v1/agents/{agentId} passportScopes)", "scope_not_granted");
  const scopes = [...new Set(requested ?? granted)];
  const beyond = scopesBeyond(granted, scopes);
  if (beyond.length)
    throw forbidden(`Beyond the passport scopes a person granted this agent (${granted.join(", ")}): ${beyond.join(", ")}`, "scope_not_granted");
  return { scopes, withinGrant: JSON.stringify(granted) };
}

/** The token the agent holds now: the caller's own when it asks for itself, else read. */
async function currentTokenOf(ctx: ActionContext, agent: AgentRow): Promise<string | null> {
  if (ctx.principal.kind === "agent" && ctx.principal.id === agent.id) return ctx.principal.tokenId;
  return liveAgentTokenId(ctx.db, agent.id);
}

type Minted = { claims: PassportClaims; row: NewPassportRow };

/** A new passport's claims and its record, as if issued now. */
async function mint(ctx: ActionContext, agent: AgentRow, scopes: string[], withinGrant: string | null, ttl: number, rotatedFrom?: string): Promise<Minted> {
  const now = ctx.edge.now();
  const { companyId } = ctx.principal;
  const claims = passportClaims({
    issuer: passportIssuer(ctx, companyId),
    companyId,
    agentName: agent.name,
    agentSpiffeId: spiffeIdFor(trustDomainIn(ctx.config), companyId, agent.name),
    scopes,
    jti: crypto.randomUUID(),
    issuedAt: Math.floor(now / 1000),
    ttlSeconds: ttl,
  });
  const row: NewPassportRow = {
    jti: claims.jti,
    companyId,
    agentId: agent.id,
    agentName: agent.name,
    scopes,
    issuedAt: claims.iat * 1000,
    expiresAt: claims.exp * 1000,
    issuedByType: ctx.principal.kind,
    issuedById: ctx.principal.id,
    agentTokenId: await currentTokenOf(ctx, agent),
    withinGrant,
    rotatedFrom: rotatedFrom ?? null,
  };
  return { claims, row };
}

/** A refused batch: a cap, or the agent changed between the read and the write (disabled, renamed, rotated, re-granted). */
async function refusal(ctx: ActionContext, agent: AgentRow, error: unknown): Promise<never> {
  if (!isGuardFailure(error)) throw error;
  const now = ctx.edge.now();
  const recent = await passportsIssuedSince(ctx.db, agent.id, now - ISSUANCE_WINDOW_MS);
  if (recent.count >= MAX_PASSPORTS_ISSUED_PER_WINDOW) {
    const retryAfter = Math.max(1, Math.ceil(((recent.oldest ?? now) + ISSUANCE_WINDOW_MS - now) / 1000));
    throw new AppError(
      429,
      "too_many_passports_issued",
      `Agent "${agent.name}" was issued ${MAX_PASSPORTS_ISSUED_PER_WINDOW} passports (issued or rotated, revoked ones included) in the last hour, as many as one agent may; the next can be issued in ${retryAfter} s`,
      { headers: { "Retry-After": String(retryAfter) } },
    );
  }
  const again = await findAgentByRef(ctx.db, ctx.principal.companyId, agent.id);
  if (again?.agent.status === "active" && again.agent.name === agent.name) {
    throw conflict(
      "too_many_passports",
      `Agent "${agent.name}" already holds ${MAX_LIVE_PASSPORTS_PER_AGENT} live passports (or one changed meanwhile): revoke some, or try again`,
    );
  }
  throw conflict("passport_conflict", `Agent "${agent.name}" changed while its passport was being issued; try again`);
}

/** Signs the minted claims and answers as Vane does. */
async function issued(ctx: ActionContext, { claims }: Minted): Promise<Issued> {
  const ca = await companyCaKey(ctx, ctx.principal.companyId);
  const passport = await signPassport(ca.sign, ca.kid, claims);
  return {
    agentId: claims.counsel.agentId,
    spiffeId: claims.sub,
    org: claims.counsel.org,
    orgSpiffeId: claims.counsel.orgSpiffeId,
    scopes: claims.counsel.scopes,
    delegationChain: claims.counsel.delegationChain,
    passport,
    expiresIn: claims.exp - claims.iat,
    caPublicKey: ca.publicKeyPem,
    jti: claims.jti,
    expiresAt: iso(claims.exp * 1000) ?? "",
  };
}

/**
 * POST /v1/agents/{agentId}/passport: a passport for an active agent of the caller's company,
 * `scopes` (Vane's default, or for an agent asking for itself its grant) for `ttl` seconds (3600).
 */
export async function issuePassport(ctx: ActionContext, ref: string, body: z.output<typeof IssuePassportBody>): Promise<Issued> {
  const agent = await passportAgent(ctx, ref);
  const { scopes, withinGrant } = scopesFor(ctx, agent, body.scopes);
  const minted = await mint(ctx, agent, scopes, withinGrant, body.ttl ?? PASSPORT_DEFAULT_TTL_SECONDS);
  await ctx.commit(issuePassportChange(ctx.db, ctx.principal, minted.row, ctx.edge.now())).catch((error: unknown) => refusal(ctx, agent, error));
  return issued(ctx, minted);
}

/** A presented passport that does not verify: 401, Vane's code beside ours (Vane answers rotation so). */
const invalidPassport = (code: string, message: string) => new AppError(401, "passport_invalid", message, { extra: { code } });
/** A presented passport already revoked: 409, with Vane's `PASSPORT_REVOKED`. */
const revokedPassport = () => new AppError(409, "passport_revoked", "Passport has already been revoked", { extra: { code: "PASSPORT_REVOKED" } });

/**
 * POST /v1/agents/{agentId}/passport/rotate (Vane): the passport presented in `Counsel-Passport`
 * must verify, be the agent's and be unrevoked; it is revoked (`rotated`) and a successor with the
 * same scopes and lifetime issued, in one batch. An agent rotating its own gets only what its grant
 * still covers, as when it asks for a new one.
 */
export async function rotatePassport(ctx: ActionContext, ref: string, presented: string): Promise<z.output<typeof PassportRotated>> {
  const agent = await passportAgent(ctx, ref);
  const check = await verifyPassport(presented, await caVerifier(ctx, ctx.principal.companyId), { now: ctx.edge.now(), clockSkewSeconds: CLOCK_SKEW_SECONDS });
  if (!check.valid) throw invalidPassport(check.code, check.message);
  const old = check.claims;
  if (old.counsel.agentId !== agent.name || old.sub !== spiffeIdFor(trustDomainIn(ctx.config), ctx.principal.companyId, agent.name)) {
    throw forbidden("Passport does not belong to the specified agent");
  }
  const record = await findPassport(ctx.db, ctx.principal.companyId, old.jti);
  if (!record || record.agentId !== agent.id) throw forbidden("Passport does not belong to the specified agent");
  if (record.revokedAt !== null) throw revokedPassport();
  const { scopes, withinGrant } = scopesFor(ctx, agent, old.counsel.scopes);
  const minted = await mint(ctx, agent, scopes, withinGrant, old.exp - old.iat, old.jti);
  await ctx.commit(rotatePassportChange(ctx.db, ctx.principal, old.jti, minted.row, ctx.edge.now())).catch(async (error: unknown) => {
    // Revoked (or rotated) by another request meanwhile: the guard on the old passport refused the batch.
    const meanwhile = await findPassport(ctx.db, ctx.principal.companyId, old.jti);
    if (isGuardFailure(error) && meanwhile?.revokedAt != null) throw revokedPassport();
    return refusal(ctx, agent, error);
  });
  return { ...(await issued(ctx, minted)), rotatedFrom: old.jti };
}
