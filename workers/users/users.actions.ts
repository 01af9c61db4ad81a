/**
 * The company's people, for the API and the console alike: create one with a password or invite
 * one (the single-use invite token comes back once), list them, change a company role, remove
 * someone, and accept an invite by choosing a password. The company keeps at least one owner: the
 * rule is the change's own SQL guard (users.queries.ts), so two owners demoting each other at once
 * cannot both pass.
 */
import type { z } from "zod";
import type { ActionContext, PublicActionContext } from "../action-context.ts";
import { requireInviteBacked } from "../auth/invite-backing.ts";
import { findCompany } from "../companies/companies.queries.ts";
import { isGuardFailure } from "../db/audit.ts";
import { AppError, conflict, notFound } from "../lib/app-error.ts";
import { iso } from "../lib/openapi.ts";
import { hashPassword } from "../lib/crypto/password.ts";
import { newId, sha256Hex, tokenSuffix } from "../lib/crypto/tokens.ts";
import type { AcceptUserInviteBody, CreateUserBody, OneUser, UpdateUserBody, UserCreated, UserDeleted, UserList } from "./users.contract.ts";
import {
  acceptInviteChange,
  createUserChange,
  deleteUserChange,
  findUserByEmail,
  findUserInCompany,
  findUserInvite,
  type InviteRow,
  listUsers as usersOf,
  updateUserChange,
  USER_INVITE_TTL_MS,
  type UserRow,
  userView,
} from "./users.queries.ts";

export type CreateUserInput = z.output<typeof CreateUserBody>;
export type UpdateUserInput = z.output<typeof UpdateUserBody>;
export type AcceptUserInviteInput = z.output<typeof AcceptUserInviteBody>;
/** An invite's token is at most this long; a longer one opens nothing (and is never hashed). */
const MAX_INVITE_TOKEN_LENGTH = 200;

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

/** A new person of the caller's company: active with `password`, else invited (`inviteUser`). */
export async function createUser(ctx: ActionContext, input: CreateUserInput): Promise<z.output<typeof UserCreated>> {
  if (!input.password) return inviteUser(ctx, input);
  const user = await newUser(ctx, input);
  await guarded(() => ctx.commit(createUserChange(ctx.db, ctx.principal, user, undefined)));
  return { user: userView(user) };
}

/**
 * Invites a person (the console's only way to add one): they choose their password on the accept
 * link. The invite's token is in the answer, once; only its hash is kept.
 */
export async function inviteUser(ctx: ActionContext, input: Omit<CreateUserInput, "password">): Promise<Required<z.output<typeof UserCreated>>> {
  const user = await newUser(ctx, { ...input, password: undefined });
  const issued = await ctx.edge.mint("invite");
  const expiresAt = user.createdAt + USER_INVITE_TTL_MS;
  await guarded(() => ctx.commit(createUserChange(ctx.db, ctx.principal, user, { issued, suffix: tokenSuffix(issued.token), expiresAt })));
  return { user: userView(user), invite: { token: issued.token, expires_at: iso(expiresAt) ?? "" } };
}

/**
 * The row of a new person, active with a password, else invited. An address the company already
 * has is a 409, before any password is hashed (its unique index decides a race).
 */
async function newUser(ctx: ActionContext, input: CreateUserInput): Promise<UserRow> {
  const { db, principal } = ctx;
  const email = input.email.toLowerCase();
  if (await findUserByEmail(db, principal.companyId, email)) throw userExists();
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  const now = ctx.edge.now();
  return {
    id: newId("usr"),
    companyId: principal.companyId,
    email,
    name: input.name ?? "",
    role: input.role,
    passwordHash,
    status: passwordHash ? "active" : "invited",
    createdAt: now,
    updatedAt: now,
  };
}

/** The company's people, by e-mail. */
export async function listUsers(ctx: ActionContext): Promise<z.output<typeof UserList>> {
  return { users: (await usersOf(ctx.db, ctx.principal.companyId)).map(userView) };
}

/** One person of the caller's company; anyone else's id is not found. */
export async function getUser(ctx: ActionContext, id: string): Promise<z.output<typeof OneUser>> {
  return { user: userView(await userOf(ctx, id)) };
}

async function userOf(ctx: ActionContext, id: string): Promise<UserRow> {
  const user = await findUserInCompany(ctx.db, ctx.principal.companyId, id);
  if (!user) throw notFound("User");
  return user;
}

/** Changes a person's company role or name; the last owner is never demoted. Their sessions see it next request. */
export async function updateUser(ctx: ActionContext, id: string, input: UpdateUserInput): Promise<z.output<typeof OneUser>> {
  const user = await userOf(ctx, id);
  const [, updated] = await guarded(() => ctx.commit(updateUserChange(ctx.db, ctx.principal, user, input, ctx.edge.now())));
  const row = updated[0];
  if (!row) throw notFound("User");
  return { user: userView(row) };
}

/** Removes a person with their grants and the vault sessions they minted; the last owner stays. */
export async function deleteUser(ctx: ActionContext, id: string): Promise<z.output<typeof UserDeleted>> {
  const user = await userOf(ctx, id);
  await guarded(() => ctx.commit(deleteUserChange(ctx.db, ctx.principal, user, ctx.edge.now())));
  return { deleted: user.id };
}

/**
 * The invite `token` opens, if it may still be accepted: it exists, is unused, unrevoked and
 * unexpired, and its creator could still create it (auth/invite-backing.ts). Every refusal is a 410.
 */
async function usableInvite(ctx: PublicActionContext, token: string): Promise<InviteRow & { email: string }> {
  const invite = token.length <= MAX_INVITE_TOKEN_LENGTH ? await findUserInvite(ctx.db, await sha256Hex(token)) : undefined;
  if (!invite?.email) throw new AppError(410, "invite_invalid", "This invite does not exist");
  if (invite.revokedAt) throw new AppError(410, "invite_revoked", "This invite was revoked");
  if (invite.usedAt) throw new AppError(410, "invite_used", "This invite was already used");
  if (invite.expiresAt <= ctx.edge.now()) throw new AppError(410, "invite_expired", "This invite has expired");
  await requireInviteBacked(ctx.db, invite);
  return { ...invite, email: invite.email };
}

/** Who an invite is for and where, as the accept page greets them (410 when it cannot be accepted). */
export async function userInvitation(ctx: PublicActionContext, token: string): Promise<{ email: string; company: string }> {
  const invite = await usableInvite(ctx, token);
  return { email: invite.email, company: (await findCompany(ctx.db, invite.companyId))?.name ?? invite.companyId };
}

/** Claims the invite and activates its person with the password they chose, in one batch; a replay is 410. */
export async function acceptUserInvite(ctx: PublicActionContext, input: AcceptUserInviteInput): Promise<z.output<typeof OneUser>> {
  const { db } = ctx;
  const invite = await usableInvite(ctx, input.token);
  const [claimed] = await ctx.commit(acceptInviteChange(db, invite, await hashPassword(input.password), input.name, ctx.edge.now()));
  if (claimed.length === 0) throw new AppError(410, "invite_used", "This invite was already used");
  // The same address may belong to users of other companies: the invite names its company.
  const user = await findUserByEmail(db, invite.companyId, invite.email);
  if (!user) throw new AppError(410, "invite_invalid", "The invited user was removed");
  return { user: userView(user) };
}
