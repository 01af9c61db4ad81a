/** Users of a company, their invites and sign-in sessions: reads, and the changes that write them. */
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { auditStatement } from "../db/audit.ts";
import { change, type Change } from "../db/change.ts";
import type { Database } from "../db/client.ts";
import { invites, users, userSessions, vaultMembers, vaultSessions } from "../db/schema.ts";
import { iso } from "../lib/openapi.ts";
import { BEARER_SESSION_TTL_MS, COOKIE_SESSION_TTL_MS } from "../sign-in/sign-in.contract.ts";
import type { Principal } from "../lib/principal.ts";
import { newId, type IssuedToken, type TokenMinter } from "../lib/crypto/tokens.ts";

export type UserRow = typeof users.$inferSelect;
export type InviteRow = typeof invites.$inferSelect;

export const userView = (u: UserRow) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  status: u.status,
  company_id: u.companyId,
  created_at: iso(u.createdAt) ?? "",
});

export const USER_INVITE_TTL_MS = 7 * 24 * 3600 * 1000;

const userRoot = (id: string) => ({ type: "user" as const, id });

export async function findUserInCompany(db: Database, companyId: string, id: string): Promise<UserRow | undefined> {
  return db
    .select()
    .from(users)
    .where(and(eq(users.id, id), eq(users.companyId, companyId)))
    .get();
}

/** Unique per company only: asking about the whole platform would tell a company which addresses others have. */
export async function findUserByEmail(db: Database, companyId: string, email: string): Promise<UserRow | undefined> {
  return db
    .select()
    .from(users)
    .where(and(eq(users.companyId, companyId), eq(users.email, email)))
    .get();
}

export async function listUsers(db: Database, companyId: string): Promise<UserRow[]> {
  return db.select().from(users).where(eq(users.companyId, companyId)).orderBy(users.email).all();
}

/** A new user (active with a password, or invited with a single-use invite token). */
export function createUserChange(
  db: Database,
  principal: Principal,
  user: UserRow,
  invite: { issued: IssuedToken; suffix: string; expiresAt: number } | undefined,
): Change {
  const audit = auditStatement(db, principal, {
    action: invite ? "user.invite" : "user.create",
    targetType: "user",
    targetId: user.id,
    detail: { email: user.email, role: user.role },
  });
  if (!invite) return change([db.insert(users).values(user), audit] as const);
  return change([
    db.insert(users).values(user),
    db.insert(invites).values({
      id: newId("inv"),
      companyId: user.companyId,
      kind: "user",
      tokenHash: invite.issued.hash,
      tokenSuffix: invite.suffix,
      email: user.email,
      role: user.role,
      createdBy: principal.id,
      createdAt: user.createdAt,
      expiresAt: invite.expiresAt,
    }),
    audit,
  ] as const);
}

export async function findUserInvite(db: Database, tokenHash: string): Promise<InviteRow | undefined> {
  return db
    .select()
    .from(invites)
    .where(and(eq(invites.tokenHash, tokenHash), eq(invites.kind, "user")))
    .get();
}

/** Claims the invite and activates its user in one batch; the claim's guard makes a replay a no-op (no row returned). */
export function acceptInviteChange(db: Database, invite: InviteRow & { email: string }, passwordHash: string, name: string | undefined, now: number) {
  return change([
    db
      .update(invites)
      .set({ usedAt: now })
      .where(and(eq(invites.id, invite.id), isNull(invites.usedAt), isNull(invites.revokedAt), gt(invites.expiresAt, now)))
      .returning({ id: invites.id }),
    db
      .update(users)
      .set({ passwordHash, status: "active", updatedAt: now, ...(name ? { name } : {}) })
      .where(and(eq(users.email, invite.email), eq(users.companyId, invite.companyId), eq(users.status, "invited"))),
  ] as const);
}

/** Changes a user; demoting an owner is guarded so the company keeps one. Their sessions see it next request. */
export function updateUserChange(db: Database, principal: Principal, user: UserRow, changes: { role?: UserRow["role"]; name?: string }, now: number) {
  const demoting = user.role === "owner" && changes.role === "member";
  return change(
    [
      auditStatement(
        db,
        principal,
        { action: "user.update", targetType: "user", targetId: user.id, detail: { ...changes } },
        demoting ? anotherActiveOwnerExists(user.companyId, user.id) : undefined,
      ),
      db
        .update(users)
        .set({ ...changes, updatedAt: now })
        .where(and(eq(users.id, user.id), eq(users.companyId, user.companyId)))
        .returning(),
    ] as const,
    { roots: [userRoot(user.id)] },
  );
}

/** Removes a user with their grants, and revokes the vault sessions they minted. */
export function deleteUserChange(db: Database, principal: Principal, user: UserRow, now: number) {
  return change(
    [
      auditStatement(
        db,
        principal,
        { action: "user.delete", targetType: "user", targetId: user.id, detail: { email: user.email } },
        user.role === "owner" ? anotherActiveOwnerExists(user.companyId, user.id) : undefined,
      ),
      db
        .delete(vaultMembers)
        .where(and(eq(vaultMembers.principalType, "user"), eq(vaultMembers.principalId, user.id), eq(vaultMembers.companyId, user.companyId))),
      db
        .update(vaultSessions)
        .set({ revokedAt: now })
        .where(and(eq(vaultSessions.principalType, "user"), eq(vaultSessions.principalId, user.id), isNull(vaultSessions.revokedAt))),
      db.delete(users).where(and(eq(users.id, user.id), eq(users.companyId, user.companyId))),
    ] as const,
    { roots: [userRoot(user.id)] },
  );
}

/** A sign-in session for a user; the token is returned once and stored as its hash. */
/** `viaSso`: obtained through the company's identity provider, ending no later than `until` when given. */
export async function createUserSession(
  db: Database,
  mint: TokenMinter,
  user: UserRow,
  kind: "bearer" | "cookie",
  now = Date.now(),
  bounds: { viaSso?: boolean; until?: number } = {},
) {
  const issued = await mint("userSession");
  const expiresAt = Math.min(now + (kind === "cookie" ? COOKIE_SESSION_TTL_MS : BEARER_SESSION_TTL_MS), bounds.until ?? Number.POSITIVE_INFINITY);
  await db.insert(userSessions).values({
    id: newId("uss"),
    companyId: user.companyId,
    userId: user.id,
    tokenHash: issued.hash,
    kind,
    csrfHash: null,
    createdAt: now,
    expiresAt,
    viaSso: bounds.viaSso ?? false,
  });
  return { token: issued.token, expiresAt };
}

/** Ends a sign-in session; vault sessions minted with it end too. */
export function signOutChange(db: Database, userId: string, sessionId: string, now: number) {
  return change([db.update(userSessions).set({ revokedAt: now }).where(eq(userSessions.id, sessionId))] as const, { roots: [userRoot(userId)] });
}

/**
 * SQL guard that keeps at least one active owner: true when the company has another active
 * owner besides `userId`. Used inside the UPDATE/DELETE itself so two concurrent demotions
 * cannot both pass.
 */
export const anotherActiveOwnerExists = (companyId: string, userId: string) =>
  sql`(SELECT count(*) FROM ${users} WHERE ${users.companyId} = ${companyId} AND ${users.role} = 'owner' AND ${users.status} = 'active' AND ${users.id} != ${userId}) > 0`;
