/**
 * Adding and changing a vault's services from the console, with exactly the checks of
 * POST and PATCH /v1/vaults/{vault}/services (services/services.handlers.ts): host and upstream
 * through host-pattern.ts, one service per name and per host pattern, the services' own changes
 * (audit and proxy-config invalidation included) through `commitChange`. The same audit detail
 * too, so the log cannot tell which door a change came through.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { configOf } from "../config.ts";
import { isGuardFailure } from "../db/audit.ts";
import { commitChange } from "../effects.ts";
import { AppError, conflict } from "../lib/app-error.ts";
import { formatServiceHost, parseServiceHost, parseUpstreamOrigin } from "../lib/host-pattern.ts";
import { newId } from "../lib/tokens.ts";
import {
  createServiceChange,
  findServiceByHost,
  findVaultService,
  isServiceNameTaken,
  type ServiceRow,
  updateServiceChange,
  serviceAuditValues,
} from "../services/services.queries.ts";
import type { VaultRow } from "../vaults/vaults.queries.ts";
import type { ServiceInput } from "./service-form.ts";

const nameTaken = (name: string) => conflict("service_exists", `A service named "${name}" already exists in this vault`);
export const serviceNotFound = (name: string) => new AppError(404, "service_not_found", `Service "${name}" not found`);

async function requireFreeHost(c: Context<AppEnv>, vault: VaultRow, hostPattern: string, selfId?: string) {
  const other = await findServiceByHost(c.var.db, vault.companyId, vault.id, hostPattern);
  if (other && other.id !== selfId)
    throw conflict(
      "service_host_exists",
      `Service "${other.name}" already has host "${hostPattern}"; change or delete it instead of adding a second one that could never match`,
    );
}

export async function createService(c: Context<AppEnv>, vault: VaultRow, body: ServiceInput): Promise<void> {
  const principal = c.var.principal;
  const options = { allowPrivate: configOf(c.env).allowPrivateUpstreams };
  const host = formatServiceHost(parseServiceHost(body.host, options));
  const upstream = body.upstream ? parseUpstreamOrigin(body.upstream, options) : null;
  if (await findVaultService(c.var.db, vault.companyId, vault.id, body.name)) throw nameTaken(body.name);
  await requireFreeHost(c, vault, host);
  const detail = { vault: vault.name, name: body.name, host, upstream, auth_type: body.auth.type, enabled: body.enabled };
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
  };
  try {
    await commitChange(c, createServiceChange(c.var.db, principal, service, detail, Date.now()));
  } catch (error) {
    if (isServiceNameTaken(error)) throw nameTaken(body.name);
    throw error;
  }
}

/** What an edit changes, as PATCH's body would carry it: only the fields that differ. */
export type ServiceEdit = Partial<Pick<ServiceInput, "name" | "host" | "upstream" | "description" | "auth" | "enabled">>;

/** Applies `edit` to `existing`; returns the service's name afterwards. Nothing to change is not an error. */
export async function updateService(
  c: Context<AppEnv>,
  vault: VaultRow,
  existing: ServiceRow,
  edit: ServiceEdit,
): Promise<{ name: string; changed: string[] }> {
  const principal = c.var.principal;
  const db = c.var.db;
  const options = { allowPrivate: configOf(c.env).allowPrivateUpstreams };
  const changes: Partial<ServiceRow> = {};
  if (edit.name !== undefined && edit.name !== existing.name) {
    if (await findVaultService(db, vault.companyId, vault.id, edit.name)) throw nameTaken(edit.name);
    changes.name = edit.name;
  }
  if (edit.host !== undefined) {
    const host = formatServiceHost(parseServiceHost(edit.host, options));
    if (host !== existing.host) {
      await requireFreeHost(c, vault, host, existing.id);
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
  if (changed.length === 0) return { name: existing.name, changed };

  const detail = { vault: vault.name, name: existing.name, changed, ...serviceAuditValues(changes) };
  try {
    // A service deleted since it was read rolls the batch back (its audit row is the guard).
    await commitChange(c, updateServiceChange(db, principal, existing, changes, detail, Date.now()));
  } catch (error) {
    if (isGuardFailure(error)) throw serviceNotFound(existing.name);
    if (isServiceNameTaken(error)) throw nameTaken(changes.name ?? existing.name);
    throw error;
  }
  return { name: changes.name ?? existing.name, changed };
}
