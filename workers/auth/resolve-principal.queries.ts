/** The D1 reads that resolve a person's session or an API key, by the SHA-256 of the token presented. */
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { apiKeys, userSessions, users } from "../db/schema.ts";

/** An unrevoked API key of that hash. */
export async function findLiveApiKey(db: Database, hash: string) {
  return db
    .select({ id: apiKeys.id, companyId: apiKeys.companyId, tokenHash: apiKeys.tokenHash })
    .from(apiKeys)
    .where(and(eq(apiKeys.tokenHash, hash), isNull(apiKeys.revokedAt)))
    .get();
}

/** An unrevoked sign-in session of that hash, with its person as they stand now. */
export async function findLiveUserSession(db: Database, hash: string) {
  return db
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
}
