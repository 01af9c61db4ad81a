/**
 * Self-registrations (seed 004) and the SQL guards that keep them consistent under concurrency:
 * a name is never both an agent and pending, a company never holds more than
 * MAX_PENDING_REGISTRATIONS pending, and each registration is decided and claimed at most once.
 */
import { and, asc, eq, isNull, sql, type SQL } from "drizzle-orm";
import { newAgentStatements, newAgentTokenStatements } from "../agents/agent-writes.queries.ts";
import type { AgentRow } from "../agents/agents.queries.ts";
import { auditStatement } from "../db/audit.ts";
import { change, type Change } from "../db/change.ts";
import type { Database } from "../db/client.ts";
import { agents, agentTokens, registrations } from "../db/schema.ts";
import { iso } from "../lib/openapi.ts";
import type { Principal } from "../lib/principal.ts";
import type { IssuedToken } from "../lib/crypto/tokens.ts";
import { MAX_PENDING_REGISTRATIONS } from "./registrations.contract.ts";

export type RegistrationRow = typeof registrations.$inferSelect;

export const REGISTRATION_ID_PREFIX = "reg";
export { MAX_PENDING_REGISTRATIONS };

/**
 * A registration's id is `reg_<public id of its claim token>`, so a claim finds its row by
 * primary key; the token's hash is then compared in constant time.
 */
export const registrationIdFor = (claimPublicId: string) => `${REGISTRATION_ID_PREFIX}_${claimPublicId}`;

export const pendingRegistrationView = (r: RegistrationRow) => ({
  id: r.id,
  name: r.name,
  version: r.version ?? null,
  publicKey: r.publicKey ?? null,
  requestedCapabilities: r.requestedCapabilities,
  requestedAt: iso(r.requestedAt) ?? "",
});

export async function findRegistration(db: Database, companyId: string, id: string): Promise<RegistrationRow | undefined> {
  return db
    .select()
    .from(registrations)
    .where(and(eq(registrations.id, id), eq(registrations.companyId, companyId)))
    .get();
}

/** For claims, which carry no company: the row is found by the id inside the claim token. */
export async function findRegistrationForClaim(db: Database, id: string): Promise<RegistrationRow | undefined> {
  return db.select().from(registrations).where(eq(registrations.id, id)).get();
}

export async function listPendingRegistrations(db: Database, companyId: string): Promise<RegistrationRow[]> {
  return db
    .select()
    .from(registrations)
    .where(and(eq(registrations.companyId, companyId), eq(registrations.status, "pending")))
    .orderBy(asc(registrations.requestedAt), asc(registrations.id))
    .all();
}

const nameIsAgent = (companyId: string, name: string) =>
  sql`exists (select 1 from ${agents} where ${agents.companyId} = ${companyId} and ${agents.name} = ${name})`;
const nameIsPending = (companyId: string, name: string) =>
  sql`exists (select 1 from ${registrations} where ${registrations.companyId} = ${companyId} and ${registrations.name} = ${name} and ${registrations.status} = 'pending')`;
/** The key is already an agent's, or a pending registration's: one DID names one agent. */
const keyInUse = (companyId: string, publicKey: string | null | undefined) =>
  publicKey
    ? sql`(exists (select 1 from ${agents} where ${agents.companyId} = ${companyId} and ${agents.publicKey} = ${publicKey}) or exists (select 1 from ${registrations} where ${registrations.companyId} = ${companyId} and ${registrations.publicKey} = ${publicKey} and ${registrations.status} = 'pending'))`
    : sql`0`;
const pendingCount = (companyId: string) =>
  sql`(select count(*) from ${registrations} where ${registrations.companyId} = ${companyId} and ${registrations.status} = 'pending')`;

export type RegistrationBlocker = "agent_exists" | "registration_pending" | "public_key_in_use" | "too_many_registrations";

/** Why a new registration for this name cannot be accepted now, if anything. */
export async function registrationBlocker(
  db: Database,
  companyId: string,
  name: string,
  publicKey: string | null | undefined,
): Promise<RegistrationBlocker | undefined> {
  const row = await db
    .select({
      agent: sql<number>`${nameIsAgent(companyId, name)}`,
      pending: sql<number>`${nameIsPending(companyId, name)}`,
      key: sql<number>`${keyInUse(companyId, publicKey)}`,
      count: sql<number>`${pendingCount(companyId)}`,
    })
    .from(sql`(select 1)`)
    .get();
  if (row?.agent) return "agent_exists";
  if (row?.pending) return "registration_pending";
  if (row?.key) return "public_key_in_use";
  if ((row?.count ?? 0) >= MAX_PENDING_REGISTRATIONS) return "too_many_registrations";
  return undefined;
}

/**
 * The value of `status` for a new registration: 'pending' when nothing blocks it, otherwise NULL,
 * which violates NOT NULL and refuses the insert. Checked inside the INSERT, so two concurrent
 * registrations cannot both slip past the checks (see `isRegistrationRefused`).
 */
export const guardedPendingStatus = (companyId: string, name: string, publicKey: string | null | undefined): SQL =>
  sql`case when not ${nameIsAgent(companyId, name)} and not ${nameIsPending(companyId, name)} and not ${keyInUse(companyId, publicKey)} and ${pendingCount(companyId)} < ${MAX_PENDING_REGISTRATIONS} then 'pending' end`;

/** True when an insert failed because `guardedPendingStatus` was NULL. */
export function isRegistrationRefused(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : String(error);
  return text.includes("NOT NULL constraint failed: registrations.status");
}

/** Audit guard: the registration is still undecided. */
export const stillPending = (companyId: string, id: string): SQL =>
  sql`exists (select 1 from ${registrations} where ${registrations.id} = ${id} and ${registrations.companyId} = ${companyId} and ${registrations.status} = 'pending')`;

/** Audit guard: the registration is approved, unclaimed, and its agent still exists. */
export const claimable = (id: string, agentId: string): SQL =>
  sql`exists (select 1 from ${registrations} where ${registrations.id} = ${id} and ${registrations.status} = 'approved' and ${registrations.claimedAt} is null)
    and exists (select 1 from ${agents} where ${agents.id} = ${agentId})`;

/** True when a D1 error is a foreign key failure (e.g. the chosen realm was deleted meanwhile). */
export function isForeignKeyFailure(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : String(error);
  return text.includes("FOREIGN KEY constraint failed");
}

/** A new pending registration; the INSERT itself refuses it when something blocks it (`guardedPendingStatus`). */
export function registerChange(db: Database, registration: Omit<typeof registrations.$inferInsert, "status">) {
  return change([
    db.insert(registrations).values({ ...registration, status: guardedPendingStatus(registration.companyId, registration.name, registration.publicKey) }),
  ] as const);
}

/**
 * Approves a pending registration (guarded on it still being pending): creates its agent, whose
 * token `issued` is revoked in the same batch, because the agent's usable token is minted only by
 * its claim.
 */
export function approveRegistrationChange(
  db: Database,
  principal: Principal,
  registration: RegistrationRow,
  approval: { agentId: string; issued: IssuedToken; capabilities: string[]; realm: { id: string; slug: string } | undefined },
  now: number,
): Change {
  const { agentId, capabilities, realm } = approval;
  const agent = {
    companyId: principal.companyId,
    name: registration.name,
    role: "member" as const,
    capabilities,
    realmId: realm?.id ?? null,
    version: registration.version,
    publicKey: registration.publicKey,
    llmProvider: registration.llmProvider,
    llmModel: registration.llmModel,
    createdBy: principal.id,
  };
  return change(
    [
      auditStatement(
        db,
        principal,
        {
          action: "registration.approve",
          targetType: "registration",
          targetId: registration.id,
          detail: { name: registration.name, capabilities, realm: realm?.slug ?? null },
        },
        stillPending(principal.companyId, registration.id),
      ),
      ...newAgentStatements(db, agent, agentId, approval.issued, now),
      db
        .update(agentTokens)
        .set({ revokedAt: now })
        .where(and(eq(agentTokens.agentId, agentId), isNull(agentTokens.revokedAt))),
      db
        .update(registrations)
        .set({ status: "approved", agentId, grantedCapabilities: capabilities, realmId: realm?.id ?? null, decidedAt: now, decidedBy: principal.id })
        .where(and(eq(registrations.id, registration.id), eq(registrations.companyId, principal.companyId))),
    ] as const,
    // An agent waiting on the registration channel hears the decision at once.
    { registrations: [registration.id] },
  );
}

/** Rejects a pending registration (guarded on it still being pending). */
export function rejectRegistrationChange(db: Database, principal: Principal, registration: RegistrationRow, reason: string, now: number) {
  return change(
    [
      auditStatement(
        db,
        principal,
        { action: "registration.reject", targetType: "registration", targetId: registration.id, detail: { name: registration.name, reason } },
        stillPending(principal.companyId, registration.id),
      ),
      db
        .update(registrations)
        .set({ status: "rejected", reason, decidedAt: now, decidedBy: principal.id })
        .where(and(eq(registrations.id, registration.id), eq(registrations.companyId, principal.companyId))),
    ] as const,
    // An agent waiting on the registration channel hears the decision at once.
    { registrations: [registration.id] },
  );
}

/**
 * The claim: marks the registration claimed and gives its agent the token `issued`, at most once
 * (guarded by `claimable`); the agent's gate re-reads its token.
 */
export function claimRegistrationChange(db: Database, registration: RegistrationRow, agent: AgentRow, issued: IssuedToken, now: number) {
  // The claimant proves itself with the claim token; it is recorded as the agent it becomes.
  const claimant: Principal = { kind: "agent", companyId: agent.companyId, id: agent.id, tokenId: agent.id, companyRole: agent.role, name: agent.name };
  return change(
    [
      auditStatement(
        db,
        claimant,
        { action: "registration.claim", targetType: "agent", targetId: agent.id, detail: { name: agent.name } },
        claimable(registration.id, agent.id),
      ),
      db
        .update(registrations)
        .set({ claimedAt: now })
        .where(and(eq(registrations.id, registration.id), isNull(registrations.claimedAt))),
      ...newAgentTokenStatements(db, agent.companyId, agent.id, issued, now),
    ] as const,
    { roots: [{ type: "agent", id: agent.id }] },
  );
}
