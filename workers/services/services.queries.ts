/**
 * Service reads and writes. A service row stores its host pattern in canonical text
 * (`formatServiceHost`); readers get it parsed. Every query filters on company and vault.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import { auditStatement } from "../db/audit.ts";
import { change, type VaultRef } from "../db/change.ts";
import type { Database } from "../db/client.ts";
import type { ServiceAuth } from "../db/schema.ts";
import { services } from "../db/services.schema.ts";
import { parseServiceHost, type ServiceHost } from "../lib/http/host-pattern.ts";
import { ServiceAuthSchema } from "./services.contract.ts";
import { MethodsSchema, type ProxiedMethod, type Substitution, SubstitutionsSchema } from "./request-rules.contract.ts";
import type { Principal } from "../lib/principal.ts";

export type ServiceRow = typeof services.$inferSelect;

/** A service as the proxy and the API use it: the host pattern parsed, the auth validated. */
export type ServiceRecord = {
  id: string;
  companyId: string;
  vaultId: string;
  name: string;
  host: ServiceHost;
  /** Canonical pattern text, e.g. `slack.com/api/*`. */
  hostPattern: string;
  /** Origin override (`https://host[:port]`); null: the agent's target host over https. */
  upstream: string | null;
  description: string | null;
  auth: ServiceAuth;
  enabled: boolean;
  /** Every request waits for a person (proxy/request-hold.ts), at most this many seconds. */
  requireApproval: boolean;
  approvalTimeoutSeconds: number;
  /** Credentials placed where a placeholder stands; none: `[]`. */
  substitutions: Substitution[];
  /** The only methods forwarded; null: every method the proxy forwards. */
  methods: ProxiedMethod[] | null;
  redactResponse: boolean;
  /** Last tie-breaker in matching: lower comes first. */
  position: number;
  createdAt: number;
  updatedAt: number | null;
};

/**
 * Parses a stored row. Rows were validated on write; the host is re-parsed syntactically
 * (`allowPrivate: true`) because the proxy target check already refused private hosts in
 * production before any matching happens. A row that no longer parses is left out and logged
 * rather than breaking the whole vault.
 */
export function toServiceRecord(row: ServiceRow): ServiceRecord | null {
  try {
    const host = parseServiceHost(row.host, { allowPrivate: true });
    const auth = ServiceAuthSchema.safeParse(row.auth);
    if (!auth.success) throw new Error("stored auth no longer validates");
    const substitutions = SubstitutionsSchema.safeParse(row.substitutions ?? []);
    if (!substitutions.success) throw new Error("stored substitutions no longer validate");
    const methods = row.methods === null ? null : MethodsSchema.safeParse(row.methods);
    if (methods && !methods.success) throw new Error("stored methods no longer validate");
    return {
      id: row.id,
      companyId: row.companyId,
      vaultId: row.vaultId,
      name: row.name,
      host,
      hostPattern: row.host,
      upstream: row.upstream,
      description: row.description,
      auth: auth.data,
      enabled: row.enabled,
      requireApproval: row.requireApproval,
      approvalTimeoutSeconds: row.approvalTimeoutSeconds,
      substitutions: substitutions.data,
      methods: methods ? methods.data : null,
      redactResponse: row.redactResponse,
      position: row.position,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  } catch (error) {
    console.error(
      JSON.stringify({ level: "error", code: "service_unreadable", service: row.id, reason: error instanceof Error ? error.message : String(error) }),
    );
    return null;
  }
}

/**
 * A vault's services in matching order (position, then creation), parsed.
 *
 * @example matchService(await listVaultServices(db, companyId, vaultId), target)
 */
export async function listVaultServices(db: Database, companyId: string, vaultId: string): Promise<ServiceRecord[]> {
  const rows = await db
    .select()
    .from(services)
    .where(and(eq(services.companyId, companyId), eq(services.vaultId, vaultId)))
    .orderBy(asc(services.position), asc(services.createdAt), asc(services.id))
    .all();
  return rows.map(toServiceRecord).filter((s): s is ServiceRecord => s !== null);
}

export async function findVaultService(db: Database, companyId: string, vaultId: string, name: string): Promise<ServiceRow | undefined> {
  return db
    .select()
    .from(services)
    .where(and(eq(services.companyId, companyId), eq(services.vaultId, vaultId), eq(services.name, name)))
    .get();
}

/** The service of the vault with exactly this canonical host pattern, if any. */
export async function findServiceByHost(db: Database, companyId: string, vaultId: string, hostPattern: string): Promise<ServiceRow | undefined> {
  return db
    .select()
    .from(services)
    .where(and(eq(services.companyId, companyId), eq(services.vaultId, vaultId), eq(services.host, hostPattern)))
    .get();
}

export type NewService = Omit<ServiceRow, "position" | "createdAt" | "updatedAt">;

/** Insert at the end of the vault's order (max position + 1), computed inside the statement. */
export function insertServiceStatement(db: Database, service: NewService, now: number) {
  const nextPosition = sql<number>`(SELECT COALESCE(MAX(${services.position}), -1) + 1 FROM ${services} WHERE ${services.vaultId} = ${service.vaultId})`;
  return db
    .insert(services)
    .values({ ...service, position: nextPosition, createdAt: now, updatedAt: now })
    .returning();
}

/** True when a D1 error is the (vault, name) uniqueness of services. */
export function isServiceNameTaken(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : String(error);
  return text.includes("UNIQUE constraint failed: services.vault_id, services.name");
}

/** The proxy's cached config of the service's vault (workers/proxy/vault-config.ts) is dropped after each write. */
const vaultOf = (service: { companyId: string; vaultId: string }): VaultRef => ({ companyId: service.companyId, vaultId: service.vaultId });

/** A new service at the end of its vault's order; the first result holds the inserted row. */
export function createServiceChange(db: Database, principal: Principal, service: NewService, detail: Record<string, unknown>, now: number) {
  return change(
    [
      insertServiceStatement(db, service, now),
      auditStatement(db, principal, { action: "service.create", targetType: "service", targetId: service.id, detail }),
    ] as const,
    { vaults: [vaultOf(service)] },
  );
}

/** The audit row is the guard: a service deleted since it was read rolls the batch back. */
const serviceStillExists = (id: string) => sql`EXISTS (SELECT 1 FROM ${services} WHERE ${services.id} = ${id})`;

const serviceWhere = (service: ServiceRow) =>
  and(eq(services.id, service.id), eq(services.companyId, service.companyId), eq(services.vaultId, service.vaultId));

/** Changes a service read before; the second result holds the updated row. */
export function updateServiceChange(
  db: Database,
  principal: Principal,
  existing: ServiceRow,
  changes: Partial<ServiceRow>,
  detail: Record<string, unknown>,
  now: number,
) {
  return change(
    [
      auditStatement(db, principal, { action: "service.update", targetType: "service", targetId: existing.id, detail }, serviceStillExists(existing.id)),
      db
        .update(services)
        .set({ ...changes, updatedAt: now })
        .where(serviceWhere(existing))
        .returning(),
    ] as const,
    { vaults: [vaultOf(existing)] },
  );
}

export function deleteServiceChange(db: Database, principal: Principal, existing: ServiceRow, detail: Record<string, unknown>) {
  return change(
    [
      auditStatement(db, principal, { action: "service.delete", targetType: "service", targetId: existing.id, detail }, serviceStillExists(existing.id)),
      db.delete(services).where(serviceWhere(existing)),
    ] as const,
    { vaults: [vaultOf(existing)] },
  );
}

/** The audit detail of a service update, wherever it comes from: the new non-secret values (auth holds key names only). */
export function serviceAuditValues(changes: Partial<ServiceRow>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (changes.name !== undefined) out.new_name = changes.name;
  if (changes.host !== undefined) out.host = changes.host;
  if (changes.upstream !== undefined) out.upstream = changes.upstream;
  if (changes.auth !== undefined) out.auth_type = changes.auth.type;
  if (changes.enabled !== undefined) out.enabled = changes.enabled;
  if (changes.requireApproval !== undefined) out.require_approval = changes.requireApproval;
  if (changes.approvalTimeoutSeconds !== undefined) out.approval_timeout_seconds = changes.approvalTimeoutSeconds;
  // Rules name keys and placeholders, never values.
  if (changes.substitutions !== undefined) out.substitutions = changes.substitutions;
  if (changes.methods !== undefined) out.methods = changes.methods;
  if (changes.redactResponse !== undefined) out.redact_response = changes.redactResponse;
  return out;
}
