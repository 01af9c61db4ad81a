/**
 * Trust boundary: turns a presented token into a Principal, or undefined.
 * Tokens are looked up by the SHA-256 of the whole token and the digest is compared again in
 * constant time, so any string the operator chose (e.g. `$EDGEVAULT_DEV_OWNER_KEY`) works as a
 * company key. Agent and vault-session tokens are checked by the actor's Durable Object.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { actorGate, actorKeyOf } from "./actor-gate-client.ts";
import { apiKeys, userSessions, users } from "../db/schema.ts";
import type { Principal } from "../lib/principal.ts";
import type { ActorKey } from "../db/actor-state.queries.ts";
import { digestsEqual, parseToken, sha256Hex } from "../lib/tokens.ts";

export async function resolvePrincipal(db: Database, env: Env, token: string, viaCookie: boolean, now = Date.now()): Promise<Principal | undefined> {
  const hash = await sha256Hex(token);
  const parsed = parseToken(token);
  if (parsed?.kind === "userSession") return resolveUserSession(db, hash, viaCookie, now);
  if (viaCookie) return undefined; // only user sessions live in cookies
  if (parsed === undefined || parsed.kind === "companyKey") return resolveCompanyKey(db, hash);
  const actorKey = actorKeyOf(parsed);
  return actorKey ? resolveActor(env, actorKey, hash) : undefined;
}

/** Agents and vault sessions: their Durable Object is the authority (no D1 once warm). */
export async function resolveActor(env: Env, key: ActorKey, hash: string): Promise<Principal | undefined> {
  const result = await actorGate(env, key).authenticate(key, hash);
  if (!result.ok) return undefined;
  const actor = result.actor;
  if (actor.key.kind === "agent") {
    return { kind: "agent", companyId: actor.companyId, id: actor.key.id, tokenId: actor.key.id, companyRole: actor.companyRole, name: actor.name };
  }
  const [vaultId, role] = Object.entries(actor.grants)[0] ?? [];
  if (!vaultId || !role) return undefined;
  return { kind: "vault_session", companyId: actor.companyId, id: actor.key.id, vaultId, companyRole: "member", role };
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
    companyRole: row.role,
    email: row.email,
    viaCookie,
  };
}
