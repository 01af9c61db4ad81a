/**
 * Services CRUD. Any vault role reads; vault admins write. Hosts and upstreams are validated
 * by host-pattern.ts (private hosts only with ALLOW_PRIVATE_UPSTREAMS=true), auth by
 * ServiceAuthSchema; referenced credential keys need not exist yet (the proxy answers 502
 * `credential_not_found` then). The writes and their checks are service-writes.ts, shared with the
 * console; every write is audited in the same batch.
 * Routes are mounted behind `authenticate` by the vaults router's `/v1/vaults/*` middleware.
 */
import { authorizeVault } from "../auth/gate.ts";
import { AppError } from "../lib/app-error.ts";
import { credentialKeysOf } from "../lib/inject-auth.ts";
import { iso } from "../lib/openapi.ts";
import { createRouter } from "../router.ts";
import { createService, deleteService, requireService, updateService } from "./service-writes.ts";
import * as routes from "./services.routes.ts";
import { listVaultServices, type ServiceRecord, type ServiceRow, toServiceRecord } from "./services.queries.ts";

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
    return c.json({ service: viewOf(await requireService(c.var.db, vault, params.name)) }, 200);
  })
  .openapi(routes.createService, async (c) => {
    const { vault } = await authorizeVault(c, c.req.valid("param").vault);
    return c.json({ service: viewOf(await createService(c, vault, c.req.valid("json"))) }, 201);
  })
  .openapi(routes.updateService, async (c) => {
    const params = c.req.valid("param");
    const { vault } = await authorizeVault(c, params.vault);
    const existing = await requireService(c.var.db, vault, params.name);
    const { row } = await updateService(c, vault, existing, c.req.valid("json"));
    return c.json({ service: viewOf(row) }, 200);
  })
  .openapi(routes.deleteService, async (c) => {
    const params = c.req.valid("param");
    const { vault } = await authorizeVault(c, params.vault);
    const existing = await requireService(c.var.db, vault, params.name);
    await deleteService(c, vault, existing);
    return c.json({ deleted: existing.name }, 200);
  });
