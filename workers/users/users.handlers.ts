/** Users: create or invite, accept, list, change role, remove. */
import { and, eq, gt, isNull } from "drizzle-orm";

import { auditStatement, isGuardFailure } from "../db/audit.ts";
import { invites, users, vaultMembers, vaultSessions } from "../db/schema.ts";
import { requireInviteBacked } from "../auth/invite-backing.ts";
import { invalidateRoots, userRoot } from "../auth/revocation.ts";
import { minterFor } from "../auth/token-signer.ts";
import { anotherActiveOwnerExists, findUserInCompany, userView } from "./users.queries.ts";
import { AppError, conflict, notFound } from "../lib/app-error.ts";
import { iso } from "../lib/openapi.ts";
import { hashPassword } from "../lib/password.ts";
import { createRouter } from "../lib/router.ts";
import { newId, sha256Hex, tokenSuffix } from "../lib/tokens.ts";
import * as routes from "./users.routes.ts";

const USER_INVITE_TTL_MS = 7 * 24 * 3600 * 1000;
const userExists = () => conflict("user_exists", "A user with this email already exists");

/** True when a D1 error is the (company, email) uniqueness of users: a concurrent create won. */
function isEmailTakenInCompany(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : String(error);
  return text.includes("UNIQUE constraint failed: users.company_id, users.email");
}

/** Runs a batch that inserts a user; losing the race for the address is the same 409. */
async function insertingUser<T>(batch: () => Promise<T>): Promise<T> {
  try {
    return await batch();
  } catch (error) {
    if (isEmailTakenInCompany(error)) throw userExists();
    throw error;
  }
}

/** Runs a batch whose audit guard keeps the company's last owner. */
async function runGuarded<T>(batch: () => Promise<T>): Promise<T> {
  try {
    return await batch();
  } catch (error) {
    if (isGuardFailure(error)) throw conflict("last_owner", "A company must keep at least one owner");
    throw error;
  }
}

export const usersRouter = createRouter();

usersRouter
  .openapi(routes.createUser, async (c) => {
    const principal = c.var.principal;
    const body = c.req.valid("json");
    const db = c.var.db;
    const email = body.email.toLowerCase();
    // Unique per company only: asking about the whole platform would tell this company which
    // addresses other companies have.
    if (await db.select({ id: users.id }).from(users).where(and(eq(users.companyId, principal.companyId), eq(users.email, email))).get()) {
      throw userExists();
    }
    const now = Date.now();
    const user = {
      id: newId("usr"),
      companyId: principal.companyId,
      email,
      name: body.name ?? "",
      role: body.role,
      passwordHash: body.password ? await hashPassword(body.password) : null,
      status: body.password ? ("active" as const) : ("invited" as const),
      createdAt: now,
      updatedAt: now,
    };
    const audit = auditStatement(db, principal, { action: body.password ? "user.create" : "user.invite", targetType: "user", targetId: user.id, detail: { email, role: body.role } });
    if (body.password) {
      await insertingUser(() => db.batch([db.insert(users).values(user), audit]));
      return c.json({ user: userView(user) }, 201);
    }
    const invite = await minterFor(c.env)("invite");
    const expiresAt = now + USER_INVITE_TTL_MS;
    await insertingUser(() =>
      db.batch([
        db.insert(users).values(user),
        db.insert(invites).values({
          id: newId("inv"),
          companyId: principal.companyId,
          kind: "user",
          tokenHash: invite.hash,
          tokenSuffix: tokenSuffix(invite.token),
          email,
          role: body.role,
          createdBy: principal.id,
          createdAt: now,
          expiresAt,
        }),
        audit,
      ]),
    );
    return c.json({ user: userView(user), invite: { token: invite.token, expires_at: iso(expiresAt) ?? "" } }, 201);
  })
  .openapi(routes.acceptUserInvite, async (c) => {
    const body = c.req.valid("json");
    const db = c.var.db;
    const now = Date.now();
    const hash = await sha256Hex(body.token);
    const invite = await db.select().from(invites).where(and(eq(invites.tokenHash, hash), eq(invites.kind, "user"))).get();
    if (!invite?.email) throw new AppError(410, "invite_invalid", "This invite does not exist");
    if (invite.revokedAt) throw new AppError(410, "invite_revoked", "This invite was revoked");
    if (invite.usedAt) throw new AppError(410, "invite_used", "This invite was already used");
    if (invite.expiresAt <= now) throw new AppError(410, "invite_expired", "This invite has expired");
    await requireInviteBacked(db, invite);
    const passwordHash = await hashPassword(body.password);
    // Claim the invite and activate the user in one batch; the guard makes a replay a no-op.
    const [claimed] = await db.batch([
      db
        .update(invites)
        .set({ usedAt: now })
        .where(and(eq(invites.id, invite.id), isNull(invites.usedAt), isNull(invites.revokedAt), gt(invites.expiresAt, now)))
        .returning({ id: invites.id }),
      db
        .update(users)
        .set({ passwordHash, status: "active", updatedAt: now, ...(body.name ? { name: body.name } : {}) })
        .where(and(eq(users.email, invite.email), eq(users.companyId, invite.companyId), eq(users.status, "invited"))),
    ]);
    if (claimed.length === 0) throw new AppError(410, "invite_used", "This invite was already used");
    // The same address may belong to users of other companies: the invite names its company.
    const user = await db.select().from(users).where(and(eq(users.companyId, invite.companyId), eq(users.email, invite.email))).get();
    if (!user) throw new AppError(410, "invite_invalid", "The invited user was removed");
    return c.json({ user: userView(user) }, 200);
  })
  .openapi(routes.listUsers, async (c) => {
    const principal = c.var.principal;
    const rows = await c.var.db.select().from(users).where(eq(users.companyId, principal.companyId)).orderBy(users.email).all();
    return c.json({ users: rows.map(userView) }, 200);
  })
  .openapi(routes.updateUser, async (c) => {
    const principal = c.var.principal;
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const db = c.var.db;
    const user = await findUserInCompany(db, principal.companyId, id);
    if (!user) throw notFound("User");
    const now = Date.now();
    const demoting = user.role === "owner" && body.role === "member";
    const guard = demoting ? anotherActiveOwnerExists(principal.companyId, id) : undefined;
    const [, updated] = await runGuarded(() =>
      db.batch([
        auditStatement(db, principal, { action: "user.update", targetType: "user", targetId: id, detail: { ...body } }, guard),
        db.update(users).set({ ...body, updatedAt: now }).where(and(eq(users.id, id), eq(users.companyId, principal.companyId))).returning(),
      ]),
    );
    const row = updated[0];
    if (!row) throw notFound("User");
    // A demoted or disabled user's vault sessions act with what they have now, from the next request.
    await invalidateRoots(c.env, [userRoot(id)]);
    return c.json({ user: userView(row) }, 200);
  })
  .openapi(routes.deleteUser, async (c) => {
    const principal = c.var.principal;
    const { id } = c.req.valid("param");
    const db = c.var.db;
    const user = await findUserInCompany(db, principal.companyId, id);
    if (!user) throw notFound("User");
    const guard = user.role === "owner" ? anotherActiveOwnerExists(principal.companyId, id) : undefined;
    await runGuarded(() =>
      db.batch([
        auditStatement(db, principal, { action: "user.delete", targetType: "user", targetId: id, detail: { email: user.email } }, guard),
        db.delete(vaultMembers).where(and(eq(vaultMembers.principalType, "user"), eq(vaultMembers.principalId, id), eq(vaultMembers.companyId, principal.companyId))),
        db.update(vaultSessions).set({ revokedAt: Date.now() }).where(and(eq(vaultSessions.principalType, "user"), eq(vaultSessions.principalId, id), isNull(vaultSessions.revokedAt))).returning({ id: vaultSessions.id }),
        db.delete(users).where(and(eq(users.id, id), eq(users.companyId, principal.companyId))),
      ]),
    );
    // Sessions the user minted die with them, on their very next request.
    await invalidateRoots(c.env, [userRoot(id)]);
    return c.json({ deleted: id }, 200);
  });
