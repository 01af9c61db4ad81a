/** User and user-session queries. */
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { users, userSessions } from "../db/schema.ts";
import { csrfTokenFor } from "../auth/csrf.ts";
import { iso } from "../lib/openapi.ts";
import { newId, type TokenMinter } from "../lib/tokens.ts";

export type UserRow = typeof users.$inferSelect;

export const userView = (u: UserRow) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  status: u.status,
  company_id: u.companyId,
  created_at: iso(u.createdAt) ?? "",
});

export const BEARER_SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
export const COOKIE_SESSION_TTL_MS = 12 * 3600 * 1000;

export async function findUserInCompany(db: Database, companyId: string, id: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(and(eq(users.id, id), eq(users.companyId, companyId))).get();
}

export async function createUserSession(db: Database, mint: TokenMinter, user: UserRow, kind: "bearer" | "cookie", now = Date.now()) {
  const issued = await mint("userSession");

  const expiresAt = now + (kind === "cookie" ? COOKIE_SESSION_TTL_MS : BEARER_SESSION_TTL_MS);
  await db.insert(userSessions).values({
    id: newId("uss"),
    companyId: user.companyId,
    userId: user.id,
    tokenHash: issued.hash,
    kind,
    csrfHash: null,
    createdAt: now,
    expiresAt,
  });
  return { token: issued.token, csrfToken: kind === "cookie" ? await csrfTokenFor(issued.token) : undefined, expiresAt };
}

/**
 * SQL guard that keeps at least one active owner: true when the company has another active
 * owner besides `userId`. Used inside the UPDATE/DELETE itself so two concurrent demotions
 * cannot both pass.
 */
export const anotherActiveOwnerExists = (companyId: string, userId: string) =>
  sql`(SELECT count(*) FROM ${users} WHERE ${users.companyId} = ${companyId} AND ${users.role} = 'owner' AND ${users.status} = 'active' AND ${users.id} != ${userId}) > 0`;
