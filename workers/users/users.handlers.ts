/** Users: create or invite, accept, list, change role, remove. */
import { requireInviteBacked } from "../auth/invite-backing.ts";
import { minterFor } from "../auth/token-signer.ts";
import { isGuardFailure } from "../db/audit.ts";
import { commitChange } from "../effects.ts";
import { AppError, conflict, notFound } from "../lib/app-error.ts";
import { iso } from "../lib/openapi.ts";
import { hashPassword } from "../lib/password.ts";
import { createRouter } from "../router.ts";
import { newId, sha256Hex, tokenSuffix } from "../lib/tokens.ts";
import {
  acceptInviteChange,
  createUserChange,
  deleteUserChange,
  findUserByEmail,
  findUserInCompany,
  findUserInvite,
  listUsers,
  updateUserChange,
  USER_INVITE_TTL_MS,
  userView,
  type UserRow,
} from "./users.queries.ts";
import * as routes from "./users.routes.ts";

const userExists = () => conflict("user_exists", "A user with this email already exists");

/** True when a D1 error is the (company, email) uniqueness of users: a concurrent create won. */
function isEmailTakenInCompany(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : String(error);
  return text.includes("UNIQUE constraint failed: users.company_id, users.email");
}

/** Runs a write; losing the race for an address is the same 409, and the audit guard keeps the last owner. */
async function guarded<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isEmailTakenInCompany(error)) throw userExists();
    if (isGuardFailure(error)) throw conflict("last_owner", "A company must keep at least one owner");
    throw error;
  }
}

export const usersRouter = createRouter();

usersRouter
  .openapi(routes.createUser, async (c) => {
    const principal = c.var.principal;
    const body = c.req.valid("json");
    const email = body.email.toLowerCase();
    if (await findUserByEmail(c.var.db, principal.companyId, email)) throw userExists();
    const now = Date.now();
    const user: UserRow = {
      id: newId("usr"),
      companyId: principal.companyId,
      email,
      name: body.name ?? "",
      role: body.role,
      passwordHash: body.password ? await hashPassword(body.password) : null,
      status: body.password ? "active" : "invited",
      createdAt: now,
      updatedAt: now,
    };
    if (body.password) {
      await guarded(() => commitChange(c, createUserChange(c.var.db, principal, user, undefined)));
      return c.json({ user: userView(user) }, 201);
    }
    const issued = await minterFor(c.env)("invite");
    const expiresAt = now + USER_INVITE_TTL_MS;
    await guarded(() => commitChange(c, createUserChange(c.var.db, principal, user, { issued, suffix: tokenSuffix(issued.token), expiresAt })));
    return c.json({ user: userView(user), invite: { token: issued.token, expires_at: iso(expiresAt) ?? "" } }, 201);
  })
  .openapi(routes.acceptUserInvite, async (c) => {
    const body = c.req.valid("json");
    const db = c.var.db;
    const now = Date.now();
    const invite = await findUserInvite(db, await sha256Hex(body.token));
    if (!invite?.email) throw new AppError(410, "invite_invalid", "This invite does not exist");
    if (invite.revokedAt) throw new AppError(410, "invite_revoked", "This invite was revoked");
    if (invite.usedAt) throw new AppError(410, "invite_used", "This invite was already used");
    if (invite.expiresAt <= now) throw new AppError(410, "invite_expired", "This invite has expired");
    await requireInviteBacked(db, invite);
    const [claimed] = await commitChange(c, acceptInviteChange(db, { ...invite, email: invite.email }, await hashPassword(body.password), body.name, now));
    if (claimed.length === 0) throw new AppError(410, "invite_used", "This invite was already used");
    // The same address may belong to users of other companies: the invite names its company.
    const user = await findUserByEmail(db, invite.companyId, invite.email);
    if (!user) throw new AppError(410, "invite_invalid", "The invited user was removed");
    return c.json({ user: userView(user) }, 200);
  })
  .openapi(routes.listUsers, async (c) => {
    return c.json({ users: (await listUsers(c.var.db, c.var.principal.companyId)).map(userView) }, 200);
  })
  .openapi(routes.updateUser, async (c) => {
    const principal = c.var.principal;
    const { id } = c.req.valid("param");
    const user = await findUserInCompany(c.var.db, principal.companyId, id);
    if (!user) throw notFound("User");
    const [, updated] = await guarded(() => commitChange(c, updateUserChange(c.var.db, principal, user, c.req.valid("json"), Date.now())));
    const row = updated[0];
    if (!row) throw notFound("User");
    return c.json({ user: userView(row) }, 200);
  })
  .openapi(routes.deleteUser, async (c) => {
    const principal = c.var.principal;
    const { id } = c.req.valid("param");
    const user = await findUserInCompany(c.var.db, principal.companyId, id);
    if (!user) throw notFound("User");
    await guarded(() => commitChange(c, deleteUserChange(c.var.db, principal, user, Date.now())));
    return c.json({ deleted: id }, 200);
  });
