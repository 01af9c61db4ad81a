/**
 * Adding, changing and deleting a vault's services: the one home of the checks both doors make
 * (the API's services.handlers.ts and the console's vault-services.handlers.ts). Host and upstream
 * go through host-pattern.ts (private hosts only with ALLOW_PRIVATE_UPSTREAMS=true), one service
 * per name and per canonical host pattern, and each write is the services' own change (audit and
 * proxy-config invalidation included) through `commitChange`, with the same audit detail, so the
 * log cannot tell which door a change came through.
 */
import type { Context } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { configOf } from "../config.ts";
import { isGuardFailure } from "../db/audit.ts";
import type { Database } from "../db/client.ts";
import { principalRefOf } from "../db/principals.queries.ts";
import { commitChange } from "../effects.ts";
import { AppError, conflict } from "../lib/app-error.ts";
import { formatServiceHost, parseServiceHost, parseUpstreamOrigin } from "../lib/host-pattern.ts";
import { newId } from "../lib/tokens.ts";
import type { VaultRow } from "../vaults/vaults.queries.ts";
import type { CreateServiceBody, UpdateServiceBody } from "./services.contract.ts";
import {
  createServiceChange,
  deleteServiceChange,
  findServiceByHost,
  findVaultService,
  isServiceNameTaken,
  type ServiceRow,
  serviceAuditValues,
  updateServiceChange,
} from "./services.queries.ts";

/** A new service, as POST /v1/vaults/{vault}/services reads it (the console's form parses to it too). */
export type ServiceInput = z.output<typeof CreateServiceBody>;
/** What an edit changes, as PATCH's body carries it. */
export type ServiceEdit = z.output<typeof UpdateServiceBody>;

export const serviceNotFound = (name: string) => new AppError(404, "service_not_found", `Service "${name}" not found`);
const nameTaken = (name: string) => conflict("service_exists", `A service named "${name}" already exists in this vault`);

/** The vault's service by name; another vault's (or company's) is not found. */
export async function requireService(db: Database, vault: VaultRow, name: string): Promise<ServiceRow> {
  const row = await findVaultService(db, vault.companyId, vault.id, name);
  if (!row) throw serviceNotFound(name);
  return row;
}

/** Two services with the same canonical pattern: the later one could never be matched. */
async function requireFreeHost(db: Database, vault: VaultRow, hostPattern: string, selfId?: string): Promise<void> {
  const other = await findServiceByHost(db, vault.companyId, vault.id, hostPattern);
  if (other && other.id !== selfId)
    throw conflict(
      "service_host_exists",
      `Service "${other.name}" already has host "${hostPattern}"; change or delete it instead of adding a second one that could never match`,
    );
}

const hostOptions = (c: Context<AppEnv>) => ({ allowPrivate: configOf(c.env).allowPrivateUpstreams });

/** Adds a service at the end of the vault's order; the inserted row. */
export async function createService(c: Context<AppEnv>, vault: VaultRow, body: ServiceInput): Promise<ServiceRow> {
  const db = c.var.db;
  const options = hostOptions(c);
  const host = formatServiceHost(parseServiceHost(body.host, options));
  const upstream = body.upstream ? parseUpstreamOrigin(body.upstream, options) : null;
  if (await findVaultService(db, vault.companyId, vault.id, body.name)) throw nameTaken(body.name);
  await requireFreeHost(db, vault, host);
  const detail = { vault: vault.name, name: body.name, host, upstream, auth_type: body.auth.type, enabled: body.enabled };
  const now = Date.now();
  const service = {
    id: newId("svc"),
    companyId: vault.companyId,
    vaultId: vault.id,
    name: body.name,
    host,
    upstream,
    description: body.description || null,
    auth: body.auth,
    enabled: body.enabled,
    // Who points credentials somewhere is shown to whoever is later asked for a value (proposals/impact.ts).
    destinationChosenBy: await principalRefOf(db, c.var.principal),
    destinationChosenAt: now,
  };
  try {
    const [inserted] = await commitChange(c, createServiceChange(db, c.var.principal, service, detail, now));
    const row = inserted[0];
    if (!row) throw new AppError(500, "internal_error", "Internal error", { cause: new Error("service insert returned no row") });
    return row;
  } catch (error) {
    if (isServiceNameTaken(error)) throw nameTaken(body.name);
    throw error;
  }
}

/**
 * Applies `edit` to `existing`: only the fields that differ are written and audited (`changed`);
 * nothing to change writes nothing and is not an error. The row afterwards.
 */
export async function updateService(
  c: Context<AppEnv>,
  vault: VaultRow,
  existing: ServiceRow,
  edit: ServiceEdit,
): Promise<{ row: ServiceRow; changed: string[] }> {
  const db = c.var.db;
  const options = hostOptions(c);
  const changes: Partial<ServiceRow> = {};
  if (edit.name !== undefined && edit.name !== existing.name) {
    if (await findVaultService(db, vault.companyId, vault.id, edit.name)) throw nameTaken(edit.name);
    changes.name = edit.name;
  }
  if (edit.host !== undefined) {
    const host = formatServiceHost(parseServiceHost(edit.host, options));
    if (host !== existing.host) {
      await requireFreeHost(db, vault, host, existing.id);
      changes.host = host;
    }
  }
  if (edit.upstream !== undefined) {
    const upstream = edit.upstream ? parseUpstreamOrigin(edit.upstream, options) : null;
    if (upstream !== existing.upstream) changes.upstream = upstream;
  }
  if (edit.description !== undefined) {
    const description = edit.description || null;
    if (description !== existing.description) changes.description = description;
  }
  if (edit.auth !== undefined && JSON.stringify(edit.auth) !== JSON.stringify(existing.auth)) changes.auth = edit.auth;
  if (edit.enabled !== undefined && edit.enabled !== existing.enabled) changes.enabled = edit.enabled;
  const changed = Object.keys(changes).sort();
  if (changed.length === 0) return { row: existing, changed };

  const detail = { vault: vault.name, name: existing.name, changed, ...serviceAuditValues(changes) };
  const now = Date.now();
  if (changes.host !== undefined || changes.upstream !== undefined) {
    changes.destinationChosenBy = await principalRefOf(db, c.var.principal);
    changes.destinationChosenAt = now;
  }
  let updated: ServiceRow[];
  try {
    // A service deleted since it was read rolls the batch back (its audit row is the guard).
    [, updated] = await commitChange(c, updateServiceChange(db, c.var.principal, existing, changes, detail, now));
  } catch (error) {
    if (isGuardFailure(error)) throw serviceNotFound(existing.name);
    if (isServiceNameTaken(error)) throw nameTaken(changes.name ?? existing.name);
    throw error;
  }
  const row = updated[0];
  if (!row) throw serviceNotFound(existing.name);
  return { row, changed };
}

/** Deletes a service read before; one deleted since is not found. The proxy forgets it at once. */
export async function deleteService(c: Context<AppEnv>, vault: VaultRow, existing: ServiceRow): Promise<void> {
  try {
    await commitChange(c, deleteServiceChange(c.var.db, c.var.principal, existing, { vault: vault.name, name: existing.name, host: existing.host }));
  } catch (error) {
    if (isGuardFailure(error)) throw serviceNotFound(existing.name);
    throw error;
  }
}
