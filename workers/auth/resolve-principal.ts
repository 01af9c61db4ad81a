/**
 * Trust boundary: turns a presented token into a Principal, or undefined.
 * Tokens are looked up by the SHA-256 of the whole token and the digest is compared again in
 * constant time, so any string the operator chose (e.g. `$EDGEVAULT_DEV_OWNER_KEY`) works as a
 * company key. Agent and vault-session tokens are checked by the actor's Durable Object.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { apiKeys, userSessions, users } from "../db/schema.ts";
import type { Principal } from "../lib/principal.ts";
import { digestsEqual, parseToken, sha256Hex } from "../lib/tokens.ts";

export async function resolvePrincipal(db: Database, token: string, viaCookie: boolean, now = Date.now()): Promise<Principal | undefined> {
  const hash = await sha256Hex(token);
  const kind = parseToken(token)?.kind;
  if (kind === "userSession") return resolveUserSession(db, hash, viaCookie, now);
  if (viaCookie) return undefined; // only user sessions live in cookies
  if (kind === undefined || kind === "companyKey") return resolveCompanyKey(db, hash);
  return undefined;
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
