/** Audit log writes: returned as statements so callers can batch them with the change itself. */
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "./client.ts";
import { addsToChain } from "./chained.ts";
import { auditLog } from "./schema.ts";
import { actorOf, type Principal } from "../lib/principal.ts";

export type AuditEntry = {
  action: string;
  targetType: string;
  targetId: string;
  /** Names, roles and counts only: never a secret. */
  detail?: Record<string, unknown>;
};

type Auditor = Principal | { kind: "platform"; companyId: string };

/**
 * The audit insert for a change. With a `guard`, the row's action becomes NULL when the guard
 * is false, which violates NOT NULL and rolls back the whole D1 batch: the change and its audit
 * entry land together or not at all (see `isGuardFailure`). The row's trigger adds it to the
 * company's attestation chain in the same statement, so the record lands with them or not at all.
 */
export function auditStatement(db: Database, principal: Auditor, entry: AuditEntry, guard?: SQL) {
  const actor = principal.kind === "platform" ? { actorType: "platform", actorId: "platform" } : actorOf(principal);
  const action = guard ? sql`CASE WHEN ${guard} THEN ${entry.action} END` : entry.action;
  const insert = db.insert(auditLog).values({ companyId: principal.companyId, ...actor, ...entry, action, createdAt: Date.now() });
  return addsToChain(insert, principal.companyId);
}

/** True when a batch failed because an audit guard was false. */
export function isGuardFailure(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : String(error);
  return text.includes("NOT NULL constraint failed: audit_log.action");
}
