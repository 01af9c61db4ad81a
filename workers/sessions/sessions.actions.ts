/**
 * Vault sessions: mint, list, revoke. A session is bound to its minter and to the credential the
 * minter used (auth/actor-gate-client.ts): its minter's gate admits it, so revocation acts at once.
 */
import type { z } from "zod";
import type { ActionContext } from "../action-context.ts";
import { SESSION_ID_PREFIX, sessionTokenBody } from "../auth/actor-gate-client.ts";
import { vaultRoleOf } from "../auth/permissions.ts";
import { authorizeVault } from "../auth/vault-access.ts";
import { publicOriginIn } from "../config.ts";
import { isGuardFailure } from "../db/audit.ts";
import { forbidden, notFound } from "../lib/app-error.ts";
import { iso } from "../lib/openapi.ts";
import { mintingCredentialOf, roleAtLeast, rootOf } from "../lib/principal.ts";
import { newId } from "../lib/crypto/tokens.ts";
import type { CreateSessionBody, MintedSession, SessionList, SessionRevoked } from "./sessions.contract.ts";
import { createSessionChange, findUnrevokedSession, listLiveSessions, revokeSessionChange, sessionRefusal } from "./sessions.queries.ts";

export type CreateSessionInput = z.output<typeof CreateSessionBody>;

/**
 * A session in the vault for the caller (never a session itself): it acts as `proxy` there while
 * its minter could still mint it, and never outlives the sign-in that minted it. Its token is in
 * the answer, once.
 */
export async function createSession(ctx: ActionContext, input: CreateSessionInput): Promise<z.output<typeof MintedSession>> {
  const { db, principal } = ctx;
  const mintedWith = mintingCredentialOf(principal);
  if (principal.kind === "vault_session" || !mintedWith) throw forbidden("A session cannot mint sessions"); // the table refuses it first
  const minter = rootOf(principal);
  const { vault } = await authorizeVault(ctx, input.vault);
  const now = ctx.edge.now();
  const id = newId(SESSION_ID_PREFIX);
  const issued = await ctx.edge.mint("vaultSession", sessionTokenBody(id, minter));
  // A session never outlives the sign-in that minted it (a cookie sign-in lasts 12 h).
  const expiresAt = Math.min(now + input.ttl_seconds * 1000, principal.kind === "user" ? principal.sessionExpiresAt : Number.POSITIVE_INFINITY);
  const session = {
    id,
    companyId: principal.companyId,
    vaultId: vault.id,
    principalType: minter.type,
    principalId: minter.id,
    mintedWith,
    label: input.label,
    tokenHash: issued.hash,
    createdAt: now,
    expiresAt,
  };
  await ctx.commit(createSessionChange(db, principal, session, vault.name, input.ttl_seconds)).catch(async (error: unknown) => {
    throw isGuardFailure(error) ? await sessionRefusal(db, session, vault.name) : error;
  });
  return { id, token: issued.token, expires_at: iso(expiresAt) ?? "", addr: publicOriginIn(ctx.config), vault: vault.name };
}

/** The vault's live sessions: one's own (a session sees itself), or all of them for its admins. */
export async function listSessions(ctx: ActionContext, vaultName: string): Promise<z.output<typeof SessionList>> {
  const { db, principal } = ctx;
  const { vault, role } = await authorizeVault(ctx, vaultName);
  const mine = principal.kind === "vault_session" ? { sessionId: principal.id } : { mintedBy: principal.id };
  const rows = await listLiveSessions(db, vault.id, roleAtLeast(role, "admin") ? undefined : mine, ctx.edge.now());
  return {
    sessions: rows.map((s) => ({
      id: s.id,
      vault: vault.name,
      label: s.label,
      minted_by: { type: s.principalType, id: s.principalId },
      created_at: iso(s.createdAt) ?? "",
      expires_at: iso(s.expiresAt) ?? "",
    })),
  };
}

/** Revokes one's own session (or, for a vault admin, any in the vault); anyone else's is not found. */
export async function revokeSession(ctx: ActionContext, id: string): Promise<z.output<typeof SessionRevoked>> {
  const { db, principal } = ctx;
  const session = await findUnrevokedSession(db, principal.companyId, id);
  if (!session) throw notFound("Session");
  const own = session.session.principalId === principal.id || (principal.kind === "vault_session" && principal.id === id);
  if (!own && !roleAtLeast(await vaultRoleOf(db, principal, session.vault), "admin")) throw notFound("Session");
  // The minter's gate admits the session, so it re-reads: the session is refused at once.
  await ctx.commit(revokeSessionChange(db, principal, session.session, ctx.edge.now()));
  return { revoked: id };
}
