/**
 * Trust boundary: turns a presented token into a Principal, or undefined.
 *
 * A token shaped like ours must carry a genuine public-id tag (auth/token-signer.ts) or it is
 * refused here, before any Durable Object or D1 read. Agent and vault-session tokens are then
 * checked by their root principal's ActorGate (no D1 once warm); user sessions and API keys are
 * looked up by the SHA-256 of the whole token and the digest compared again in constant time.
 * Only in local dev may a company key be any string (`npm start`'s `$EDGEVAULT_DEV_OWNER_KEY`).
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { apiKeys, userSessions, users } from "../db/schema.ts";
import type { Principal } from "../lib/principal.ts";
import { digestsEqual, parseToken, sha256Hex } from "../lib/tokens.ts";
import { actorGate, presentedActorOf, type PresentedActor } from "./actor-gate-client.ts";
import { readToken } from "./token-signer.ts";
import { configOf } from "../config.ts";

export async function resolvePrincipal(db: Database, env: Env, token: string, viaCookie: boolean, now = Date.now()): Promise<Principal | undefined> {
  const parsed = await readToken(env, token);
  if (!parsed) {
    const anyStringKey = configOf(env).environment === "dev" && !viaCookie && parseToken(token) === undefined;
    return anyStringKey ? resolveCompanyKey(db, await sha256Hex(token)) : undefined;
  }
  if (parsed.kind === "userSession") return resolveUserSession(db, await sha256Hex(token), viaCookie, now);
  if (viaCookie) return undefined; // only user sessions live in cookies
  if (parsed.kind === "companyKey") return resolveCompanyKey(db, await sha256Hex(token));
  const actor = presentedActorOf(parsed);
  return actor ? resolveActor(env, actor, await sha256Hex(token)) : undefined;
}

/** Agents and vault sessions: their root principal's Durable Object is the authority. */
export async function resolveActor(env: Env, actor: PresentedActor, hash: string): Promise<Principal | undefined> {
  const result = await actorGate(env, actor.root).authenticate(actor, hash);
  if (!result.ok) return undefined;
  const identity = result.identity;
  if (identity.kind === "agent") {
    return {
      kind: "agent",
      companyId: identity.companyId,
      id: identity.id,
      tokenId: identity.tokenId,
      companyRole: identity.companyRole,
      name: identity.name,
      grants: identity.grants,
    };
  }
  return {
    kind: "vault_session",
    companyId: identity.companyId,
    id: identity.id,
    vaultId: identity.vaultId,
    companyRole: "member",
    role: identity.role,
    mintedBy: identity.mintedBy,
  };
}

async function resolveCompanyKey(db: Database, hash: string): Promise<Principal | undefined> {
  const row = await db
    .select({ id: apiKeys.id, companyId: apiKeys.companyId, tokenHash: apiKeys.tokenHash })
    .from(apiKeys)
    .where(and(eq(apiKeys.tokenHash, hash), isNull(apiKeys.revokedAt)))
    .get();
  if (!row || !digestsEqual(row.tokenHash, hash)) return undefined;
  return { kind: "company_key", companyId: row.companyId, id: row.id, companyRole: "owner" };
}

async function resolveUserSession(db: Database, hash: string, viaCookie: boolean, now: number): Promise<Principal | undefined> {
  const row = await db
    .select({
      sessionId: userSessions.id,
      tokenHash: userSessions.tokenHash,
      kind: userSessions.kind,
      expiresAt: userSessions.expiresAt,
      userId: users.id,
      companyId: users.companyId,
      role: users.role,
      email: users.email,
      status: users.status,
    })
    .from(userSessions)
    .innerJoin(users, eq(users.id, userSessions.userId))
    .where(and(eq(userSessions.tokenHash, hash), isNull(userSessions.revokedAt)))
    .get();
  if (!row || !digestsEqual(row.tokenHash, hash)) return undefined;
  if (row.expiresAt <= now || row.status !== "active") return undefined;
  // A cookie session token is not accepted as a bearer token and vice versa.
  if ((row.kind === "cookie") !== viaCookie) return undefined;
  return {
    kind: "user",
    companyId: row.companyId,
    id: row.userId,
    sessionId: row.sessionId,
    sessionExpiresAt: row.expiresAt,
    companyRole: row.role,
    email: row.email,
    viaCookie,
  };
}
