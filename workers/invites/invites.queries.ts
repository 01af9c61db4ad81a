/** Agent and rotation invites: reads, and the changes that issue, revoke and redeem them. */
import { and, desc, eq, gt, isNotNull, isNull, lte, or, sql } from "drizzle-orm";
import { newAgentStatements, newAgentTokenStatements } from "../agents/agent-writes.queries.ts";
import type { AgentRow } from "../agents/agents.queries.ts";
import { auditStatement } from "../db/audit.ts";
import { change, type Change } from "../db/change.ts";
import type { Database } from "../db/client.ts";
import { agents, invites } from "../db/schema.ts";
import type { Principal } from "../lib/principal.ts";
import type { IssuedToken } from "../lib/crypto/tokens.ts";
import { MAX_PENDING_INVITES } from "./invites.contract.ts";

export type InviteRow = typeof invites.$inferSelect;
export type InviteStatus = "pending" | "used" | "revoked" | "expired";

const isPending = (now: number) => and(isNull(invites.usedAt), isNull(invites.revokedAt), gt(invites.expiresAt, now));
const isAgentInvite = or(eq(invites.kind, "agent"), eq(invites.kind, "rotation"));

/** A pending invite for a new agent of that name, if any. */
export async function pendingAgentInviteExists(db: Database, companyId: string, name: string, now: number): Promise<boolean> {
  const row = await db
    .select({ id: invites.id })
    .from(invites)
    .where(and(eq(invites.companyId, companyId), eq(invites.kind, "agent"), eq(invites.agentName, name), isPending(now)))
    .get();
  return row !== undefined;
}

/** The company's agent and rotation invites in one status (or all), newest first. */
export async function listAgentInvites(db: Database, companyId: string, status: InviteStatus | "all", now: number): Promise<InviteRow[]> {
  const byStatus = {
    pending: isPending(now),
    used: isNotNull(invites.usedAt),
    revoked: isNotNull(invites.revokedAt),
    expired: and(isNull(invites.usedAt), isNull(invites.revokedAt), lte(invites.expiresAt, now)),
    all: undefined,
  }[status];
  return db
    .select()
    .from(invites)
    .where(and(eq(invites.companyId, companyId), isAgentInvite, byStatus))
    .orderBy(desc(invites.createdAt))
    .all();
}

/** Pending agent and rotation invites whose token ends with `suffix`. */
export async function pendingInvitesEndingWith(db: Database, companyId: string, suffix: string, now: number): Promise<InviteRow[]> {
  // Compare the tail with substr, not LIKE: `_` is a LIKE wildcard and a base64url character.
  return db
    .select()
    .from(invites)
    .where(and(eq(invites.companyId, companyId), isAgentInvite, isPending(now), sql`substr(${invites.tokenSuffix}, -${suffix.length}) = ${suffix}`))
    .all();
}

/** Any invite by the hash of its token (the caller compares the digest again and checks the kind). */
export async function findInviteByTokenHash(db: Database, tokenHash: string): Promise<InviteRow | undefined> {
  return db.select().from(invites).where(eq(invites.tokenHash, tokenHash)).get();
}

export async function findAgentInCompany(db: Database, companyId: string, id: string): Promise<AgentRow | undefined> {
  return db
    .select()
    .from(agents)
    .where(and(eq(agents.id, id), eq(agents.companyId, companyId)))
    .get();
}

export async function findAgentById(db: Database, id: string): Promise<AgentRow | undefined> {
  return db.select().from(agents).where(eq(agents.id, id)).get();
}

/**
 * Room for `invite`, counted inside the batch that adds it: the company's other pending invites
 * stay under the cap, and a new agent's name has no other pending invite.
 */
function roomFor(invite: Pick<InviteRow, "id" | "companyId" | "kind" | "agentName" | "createdAt">) {
  const pendingOthers = and(eq(invites.companyId, invite.companyId), isPending(invite.createdAt), sql`${invites.id} != ${invite.id}`);
  const underCap = sql`(SELECT count(*) FROM ${invites} WHERE ${pendingOthers}) < ${MAX_PENDING_INVITES}`;
  if (invite.kind !== "agent") return underCap;
  return sql`${underCap} AND NOT EXISTS (SELECT 1 FROM ${invites} WHERE ${pendingOthers} AND ${invites.kind} = 'agent' AND ${invites.agentName} = ${invite.agentName})`;
}

/**
 * A new agent or rotation invite; its token is returned once by the caller and stored as its hash.
 * Guarded by `roomFor`, so parallel invites cannot all pass one count: the batch fails whole
 * (`isGuardFailure`) and the caller tells which rule refused it.
 */
export function issueInviteChange(db: Database, principal: Principal, invite: Omit<InviteRow, "email" | "usedAt" | "revokedAt">) {
  const grants = invite.vaultGrants?.map((g) => `${g.vault}:${g.role}`) ?? [];
  return change([
    db.insert(invites).values(invite),
    auditStatement(
      db,
      principal,
      { action: `invite.${invite.kind}.create`, targetType: "agent", targetId: invite.agentName ?? "", detail: { role: invite.role, vaults: grants } },
      roomFor(invite),
    ),
  ] as const);
}

export function revokeInviteChange(db: Database, principal: Principal, invite: InviteRow, now: number) {
  return change([
    db.update(invites).set({ revokedAt: now }).where(eq(invites.id, invite.id)),
    auditStatement(db, principal, {
      action: "invite.revoke",
      targetType: "agent",
      targetId: invite.agentName ?? "",
      detail: { token_suffix: invite.tokenSuffix },
    }),
  ] as const);
}

/** Who redeems an invite: its token acts for the company, recorded by the invite's suffix. */
const redeemerOf = (invite: InviteRow): Principal => ({
  kind: "company_key",
  companyId: invite.companyId,
  id: `invite:${invite.tokenSuffix}`,
  companyRole: "owner",
});

/**
 * The audit row is the guard: if another request used, revoked or outlived the invite first, the
 * whole batch rolls back and nothing is created.
 */
const stillRedeemable = (invite: InviteRow, now: number) =>
  sql`EXISTS (SELECT 1 FROM ${invites} WHERE ${invites.id} = ${invite.id} AND ${invites.usedAt} IS NULL AND ${invites.revokedAt} IS NULL AND ${invites.expiresAt} > ${now})`;

const claimInvite = (db: Database, invite: InviteRow, now: number) => db.update(invites).set({ usedAt: now }).where(eq(invites.id, invite.id));

/**
 * Redeems a rotation invite: the agent gets the token `issued`, its older rotation invites die
 * with this one (redeeming them later would rotate again), and its gate drops the old token so
 * that it fails on the very next request.
 */
export function redeemRotationChange(db: Database, invite: InviteRow, agent: AgentRow, issued: IssuedToken, now: number) {
  const others = db
    .update(invites)
    .set({ revokedAt: now })
    .where(and(eq(invites.agentId, agent.id), eq(invites.kind, "rotation"), isNull(invites.usedAt), isNull(invites.revokedAt)));
  return change(
    [
      auditStatement(db, redeemerOf(invite), { action: "agent.rotate.redeem", targetType: "agent", targetId: agent.name }, stillRedeemable(invite, now)),
      claimInvite(db, invite, now),
      others,
      ...newAgentTokenStatements(db, invite.companyId, agent.id, issued, now),
    ] as const,
    { roots: [{ type: "agent", id: agent.id }] },
  );
}

/** Redeems an agent invite: a new agent `agentId` with the token `issued` and the invite's grants. */
export function redeemAgentInviteChange(db: Database, invite: InviteRow, agentId: string, issued: IssuedToken, now: number): Change {
  const agent = {
    companyId: invite.companyId,
    name: invite.agentName ?? "",
    role: invite.role,
    createdBy: invite.createdBy,
    grants: (invite.vaultGrants ?? []).map((g) => ({ vaultId: g.vaultId, role: g.role })),
  };
  return change([
    auditStatement(
      db,
      redeemerOf(invite),
      { action: "agent.invite.redeem", targetType: "agent", targetId: invite.agentName ?? "" },
      stillRedeemable(invite, now),
    ),
    claimInvite(db, invite, now),
    ...newAgentStatements(db, agent, agentId, issued, now),
  ] as const);
}
