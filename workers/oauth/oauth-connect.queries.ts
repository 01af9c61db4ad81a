/**
 * A connect's row (db/oauth.schema.ts) through its life: made (a Change with its audit row), a
 * person sent to the provider (the state, the browser's binding and the sealed verifier), claimed
 * once by the callback, and ended — connected together with the credentials it stores, in one
 * batch, or failed. Every read names the company; the callback finds its row by the SHA-256 of
 * `state` and owns it only with the browser binding that came with it.
 */
import { and, eq, gt, inArray, isNull } from "drizzle-orm";
import { auditStatement } from "../db/audit.ts";
import { change } from "../db/change.ts";
import type { Database } from "../db/client.ts";
import { oauthConnections } from "../db/oauth.schema.ts";
import { userSessions, users } from "../db/schema.ts";
import type { Principal } from "../lib/principal.ts";

export type ConnectionRow = typeof oauthConnections.$inferSelect;
type NewConnection = typeof oauthConnections.$inferInsert;

/** The insert of a new connect, with its `oauth.connect.create` audit row (no secret: whether one was typed). */
export function createConnectionChange(db: Database, principal: Principal, row: NewConnection, vaultName: string) {
  return change([
    db.insert(oauthConnections).values(row),
    auditStatement(db, principal, {
      action: "oauth.connect.create",
      targetType: "vault",
      targetId: row.vaultId,
      detail: {
        vault: vaultName,
        service: row.service,
        connection: row.id,
        provider: row.provider,
        scopes: row.scopes,
        client_secret_typed: row.sealedClientSecret !== null,
      },
    }),
  ] as const);
}

export async function findConnection(db: Database, companyId: string, vaultId: string, id: string): Promise<ConnectionRow | undefined> {
  return db
    .select()
    .from(oauthConnections)
    .where(and(eq(oauthConnections.companyId, companyId), eq(oauthConnections.vaultId, vaultId), eq(oauthConnections.id, id)))
    .get();
}

/**
 * A person is sent to the provider: the connect is bound to this state, this browser and this
 * console session (a second "Continue" replaces the first: only the newest state is accepted).
 * Records protocol progress, not a decision (docs/architecture.md, "Writes that skip commit").
 */
export async function markAuthorizing(
  db: Database,
  row: Pick<ConnectionRow, "companyId" | "id">,
  binding: { stateHash: string; browserHash: string; sealedVerifier: string; sessionId: string },
  now: number,
): Promise<boolean> {
  const updated = await db
    .update(oauthConnections)
    .set({ status: "authorizing", ...binding })
    .where(
      and(
        eq(oauthConnections.companyId, row.companyId),
        eq(oauthConnections.id, row.id),
        // Only a connect still open: one connected, failed or expired stays as it ended.
        inArray(oauthConnections.status, ["pending", "authorizing"]),
        gt(oauthConnections.expiresAt, now),
      ),
    )
    .returning({ id: oauthConnections.id });
  return updated.length === 1;
}

/**
 * The callback's claim: the row of this state, if this browser's binding is the one it was sent
 * with and the connect is still authorizing and unexpired. The binding is spent in the same
 * statement, so an answer is used once however often it is replayed.
 */
export async function claimConnection(db: Database, stateHash: string, browserHash: string, now: number): Promise<ConnectionRow | undefined> {
  const [claimed] = await db
    .update(oauthConnections)
    .set({ browserHash: null })
    .where(
      and(
        eq(oauthConnections.stateHash, stateHash),
        eq(oauthConnections.browserHash, browserHash),
        eq(oauthConnections.status, "authorizing"),
        gt(oauthConnections.expiresAt, now),
      ),
    )
    .returning();
  return claimed;
}

/** A claimed connect that failed, with why (an OAuth error code or the edge's, never a token). */
export async function markFailed(db: Database, row: Pick<ConnectionRow, "companyId" | "id">, error: string, now: number): Promise<void> {
  await db
    .update(oauthConnections)
    .set({ status: "failed", error, finishedAt: now, sealedVerifier: null, sealedClientSecret: null })
    .where(and(eq(oauthConnections.companyId, row.companyId), eq(oauthConnections.id, row.id)));
}

/** The statement that ends a claimed connect as connected; batched with the credentials it stores. */
export function markConnectedStatement(db: Database, row: Pick<ConnectionRow, "companyId" | "id">, now: number) {
  return db
    .update(oauthConnections)
    .set({ status: "connected", error: null, finishedAt: now, sealedVerifier: null, sealedClientSecret: null })
    .where(and(eq(oauthConnections.companyId, row.companyId), eq(oauthConnections.id, row.id)));
}

/**
 * The person of a console session as they stand now, if the session is live (not revoked, not
 * expired) and they are active: the callback acts as them, and only while they could still sign in.
 */
export async function liveSessionPerson(
  db: Database,
  companyId: string,
  sessionId: string,
  now: number,
): Promise<Extract<Principal, { kind: "user" }> | undefined> {
  const row = await db
    .select({ sessionId: userSessions.id, expiresAt: userSessions.expiresAt, userId: users.id, role: users.role, email: users.email, status: users.status })
    .from(userSessions)
    .innerJoin(users, eq(users.id, userSessions.userId))
    .where(and(eq(userSessions.id, sessionId), eq(userSessions.companyId, companyId), isNull(userSessions.revokedAt), gt(userSessions.expiresAt, now)))
    .get();
  if (row?.status !== "active") return undefined;
  return {
    kind: "user",
    companyId,
    id: row.userId,
    sessionId: row.sessionId,
    sessionExpiresAt: row.expiresAt,
    companyRole: row.role,
    email: row.email,
    viaCookie: true,
  };
}
