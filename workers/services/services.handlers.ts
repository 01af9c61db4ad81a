/**
 * Services CRUD. Any vault role reads; vault admins write. Hosts and upstreams are validated
 * by host-pattern.ts (private hosts only with ALLOW_PRIVATE_UPSTREAMS=true), auth by
 * ServiceAuthSchema; referenced credential keys need not exist yet (the proxy answers 502
 * `credential_not_found` then). Every write is audited in the same batch.
 * Routes are mounted behind `authenticate` by the vaults router's `/v1/vaults/*` middleware.
 */
import { configOf } from "../config.ts";
import { authorizeVault } from "../auth/gate.ts";
import { isGuardFailure } from "../db/audit.ts";
import type { Database } from "../db/client.ts";
import { commitChange } from "../effects.ts";
import {
  createServiceChange,
  deleteServiceChange,
  findServiceByHost,
  findVaultService,
  isServiceNameTaken,
  listVaultServices,
  toServiceRecord,
  type ServiceRecord,
  type ServiceRow,
  updateServiceChange,
  serviceAuditValues,
} from "./services.queries.ts";
import type { Env } from "../env.ts";
import { AppError, conflict } from "../lib/app-error.ts";
import { formatServiceHost, parseServiceHost, parseUpstreamOrigin } from "../lib/host-pattern.ts";
import { credentialKeysOf } from "../lib/inject-auth.ts";
import { iso } from "../lib/openapi.ts";
import { createRouter } from "../lib/router.ts";
import { newId } from "../lib/tokens.ts";
import * as routes from "./services.routes.ts";

const serviceView = (s: ServiceRecord) => ({
  id: s.id,
  name: s.name,
  host: s.hostPattern,
  upstream: s.upstream,
  description: s.description,
  auth: s.auth,
  enabled: s.enabled,
  position: s.position,
  credential_keys: credentialKeysOf(s.auth),
  created_at: iso(s.createdAt) ?? "",
  updated_at: iso(s.updatedAt),
});

/** A row just written by this handler; it parsed on the way in, so it parses on the way out. */
function viewOf(row: ServiceRow) {
  const record = toServiceRecord(row);
  if (!record) throw new AppError(500, "internal_error", "Internal error", { cause: new Error(`service ${row.id} does not read back`) });
  return serviceView(record);
}

const allowPrivate = (env: Env) => configOf(env).allowPrivateUpstreams;
const serviceNotFound = (name: string) => new AppError(404, "service_not_found", `Service "${name}" not found`);
const nameTaken = (name: string) => conflict("service_exists", `A service named "${name}" already exists in this vault`);
const hostTaken = (host: string, other: string) =>
  conflict("service_host_exists", `Service "${other}" already has host "${host}"; change or delete it instead of adding a second one that could never match`);

async function requireService(db: Database, companyId: string, vaultId: string, name: string): Promise<ServiceRow> {
  const row = await findVaultService(db, companyId, vaultId, name);
  if (!row) throw serviceNotFound(name);
  return row;
}

/** Two services with the same canonical pattern: the later one could never be matched. */
async function requireFreeHost(db: Database, companyId: string, vaultId: string, hostPattern: string, selfId?: string): Promise<void> {
  const other = await findServiceByHost(db, companyId, vaultId, hostPattern);
  if (other && other.id !== selfId) throw hostTaken(hostPattern, other.name);
}

const emptyToNull = (text: string | null | undefined) => (text === undefined ? undefined : text === null || text === "" ? null : text);

export const servicesRouter = createRouter();

servicesRouter
  .openapi(routes.listServices, async (c) => {
    const { vault } = await authorizeVault(c, c.req.valid("param").vault);
    const rows = await listVaultServices(c.var.db, vault.companyId, vault.id);
    return c.json({ services: rows.map(serviceView) }, 200);
  })
  .openapi(routes.getService, async (c) => {
    const params = c.req.valid("param");
    const { vault } = await authorizeVault(c, params.vault);
    return c.json({ service: viewOf(await requireService(c.var.db, vault.companyId, vault.id, params.name)) }, 200);
  })
  .openapi(routes.createService, async (c) => {
    const principal = c.var.principal;
    const db = c.var.db;
    const { vault } = await authorizeVault(c, c.req.valid("param").vault);
    const body = c.req.valid("json");
    const options = { allowPrivate: allowPrivate(c.env) };
    const host = formatServiceHost(parseServiceHost(body.host, options));
    const upstream = body.upstream ? parseUpstreamOrigin(body.upstream, options) : null;
    if (await findVaultService(db, principal.companyId, vault.id, body.name)) throw nameTaken(body.name);
    await requireFreeHost(db, principal.companyId, vault.id, host);

    const id = newId("svc");
    const detail = { vault: vault.name, name: body.name, host, upstream, auth_type: body.auth.type, enabled: body.enabled };
    let inserted: ServiceRow[];
    try {
      const service = {
        id,
        companyId: principal.companyId,
        vaultId: vault.id,
        name: body.name,
        host,
        upstream,
        description: emptyToNull(body.description) ?? null,
        auth: body.auth,
        enabled: body.enabled,
      };
      [inserted] = await commitChange(c, createServiceChange(db, principal, service, detail, Date.now()));
    } catch (error) {
      if (isServiceNameTaken(error)) throw nameTaken(body.name);
      throw error;
    }
    const row = inserted[0];
    if (!row) throw new AppError(500, "internal_error", "Internal error", { cause: new Error("service insert returned no row") });
    return c.json({ service: viewOf(row) }, 201);
  })
  .openapi(routes.updateService, async (c) => {
    const principal = c.var.principal;
    const db = c.var.db;
    const params = c.req.valid("param");
    const { vault } = await authorizeVault(c, params.vault);
    const body = c.req.valid("json");
    const existing = await requireService(db, principal.companyId, vault.id, params.name);
    const options = { allowPrivate: allowPrivate(c.env) };

    const changes: Partial<ServiceRow> = {};
    if (body.name !== undefined && body.name !== existing.name) {
      if (await findVaultService(db, principal.companyId, vault.id, body.name)) throw nameTaken(body.name);
      changes.name = body.name;
    }
    if (body.host !== undefined) {
      changes.host = formatServiceHost(parseServiceHost(body.host, options));
      await requireFreeHost(db, principal.companyId, vault.id, changes.host, existing.id);
    }
    if (body.upstream !== undefined) changes.upstream = body.upstream ? parseUpstreamOrigin(body.upstream, options) : null;
    if (body.description !== undefined) changes.description = emptyToNull(body.description) ?? null;
    if (body.auth !== undefined) changes.auth = body.auth;
    if (body.enabled !== undefined) changes.enabled = body.enabled;

    const detail = { vault: vault.name, name: existing.name, changed: Object.keys(changes).sort(), ...serviceAuditValues(changes) };
    let updated: ServiceRow[];
    try {
      // A service deleted since we read it rolls the batch back (its audit row is the guard).
      [, updated] = await commitChange(c, updateServiceChange(db, principal, existing, changes, detail, Date.now()));
    } catch (error) {
      if (isGuardFailure(error)) throw serviceNotFound(params.name);
      if (isServiceNameTaken(error)) throw nameTaken(body.name ?? params.name);
      throw error;
    }
    const row = updated[0];
    if (!row) throw serviceNotFound(params.name);
    return c.json({ service: viewOf(row) }, 200);
  })
  .openapi(routes.deleteService, async (c) => {
    const principal = c.var.principal;
    const db = c.var.db;
    const params = c.req.valid("param");
    const { vault } = await authorizeVault(c, params.vault);
    const existing = await requireService(db, principal.companyId, vault.id, params.name);
    try {
      await commitChange(c, deleteServiceChange(db, principal, existing, { vault: vault.name, name: existing.name, host: existing.host }));
    } catch (error) {
      if (isGuardFailure(error)) throw serviceNotFound(params.name);
      throw error;
    }
    return c.json({ deleted: existing.name }, 200);
  });
