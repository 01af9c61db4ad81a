/**
 * Self-registrations (seed 004) and the SQL guards that keep them consistent under concurrency:
 * a name is never both an agent and pending, a company never holds more than
 * MAX_PENDING_REGISTRATIONS pending, and each registration is decided and claimed at most once.
 */
import { and, asc, eq, sql, type SQL } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { agents, registrations } from "../db/schema.ts";
import { iso } from "../lib/openapi.ts";
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
  return db.select().from(registrations).where(and(eq(registrations.id, id), eq(registrations.companyId, companyId))).get();
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
const pendingCount = (companyId: string) =>
  sql`(select count(*) from ${registrations} where ${registrations.companyId} = ${companyId} and ${registrations.status} = 'pending')`;

export type RegistrationBlocker = "agent_exists" | "registration_pending" | "too_many_registrations";

/** Why a new registration for this name cannot be accepted now, if anything. */
export async function registrationBlocker(db: Database, companyId: string, name: string): Promise<RegistrationBlocker | undefined> {
  const row = await db
    .select({
      agent: sql<number>`${nameIsAgent(companyId, name)}`,
      pending: sql<number>`${nameIsPending(companyId, name)}`,
      count: sql<number>`${pendingCount(companyId)}`,
    })
    .from(sql`(select 1)`)
    .get();
  if (row?.agent) return "agent_exists";
  if (row?.pending) return "registration_pending";
  if ((row?.count ?? 0) >= MAX_PENDING_REGISTRATIONS) return "too_many_registrations";
  return undefined;
}

/**
 * The value of `status` for a new registration: 'pending' when nothing blocks it, otherwise NULL,
 * which violates NOT NULL and refuses the insert. Checked inside the INSERT, so two concurrent
 * registrations cannot both slip past the checks (see `isRegistrationRefused`).
 */
export const guardedPendingStatus = (companyId: string, name: string): SQL =>
  sql`case when not ${nameIsAgent(companyId, name)} and not ${nameIsPending(companyId, name)} and ${pendingCount(companyId)} < ${MAX_PENDING_REGISTRATIONS} then 'pending' end`;

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
