/**
 * A vault's services: list, read, add, change and delete one, for the API, the console and
 * proposal approval alike. Host and upstream go through host-pattern.ts (private hosts only with
 * ALLOW_PRIVATE_UPSTREAMS=true); one service per name and per canonical host pattern; a new one
 * goes at the end of the vault's order; whoever changes where a service sends credentials
 * (`upstream ?? https://host`) is recorded as having chosen that destination, with their role in
 * the vault then (an approval records the proposal's raiser, who chose it); a write that keeps the
 * destination (a new host under the same upstream) keeps its chooser. Each write
 * is the services' own change with its audit row, so the log cannot tell which door it came
 * through, and approval applies a proposal's services with these very changes (one batch).
 */
import type { z } from "zod";
import type { ActionContext } from "../action-context.ts";
import { authorizeVault } from "../auth/vault-access.ts";
import { isGuardFailure } from "../db/audit.ts";
import { principalRefOf } from "../db/principals.queries.ts";
import { AppError, conflict } from "../lib/app-error.ts";
import { formatServiceHost, loopbackUpstreamOf, parseServiceHost, parseUpstreamOrigin } from "../lib/http/host-pattern.ts";
import { parseOAuthEndpoint } from "../lib/http/oauth-endpoint.ts";
import { keysSentBy } from "../lib/http/substitutions.ts";
import { iso } from "../lib/openapi.ts";
import { newId } from "../lib/crypto/tokens.ts";
import type { VaultRole } from "../db/schema.ts";
import { keepsDestination, type PrincipalRef } from "../proposals/proposals.contract.ts";
import type { VaultRow } from "../vaults/vaults.queries.ts";
import type { CreateServiceBody, ServiceAuth, ServiceView, UpdateServiceBody } from "./services.contract.ts";
import {
  createServiceChange,
  deleteServiceChange,
  findServiceByHost,
  findVaultService,
  isServiceNameTaken,
  listVaultServices,
  type ServiceRecord,
  type ServiceRow,
  serviceAuditValues,
  toServiceRecord,
  updateServiceChange,
} from "./services.queries.ts";

/** A new service, as POST /v1/vaults/{vault}/services reads it (the console's form parses to it too). */
export type ServiceInput = z.output<typeof CreateServiceBody>;
/** What an edit changes, as PATCH's body carries it. */
export type ServiceEdit = z.output<typeof UpdateServiceBody>;
/** Who chose a destination, and their role in the vault when it took effect (null: none). */
export type DestinationChooser = { ref: PrincipalRef; role: VaultRole | null };
/** Who chooses a destination being written: asked only when the destination changes. */
type Chooser = () => Promise<DestinationChooser>;

const serviceNotFound = (name: string) => new AppError(404, "service_not_found", `Service "${name}" not found`);
const nameTaken = (name: string) => conflict("service_exists", `A service named "${name}" already exists in this vault`);

/**
 * A stored row this edge no longer reads (a host saved before a rule that now refuses it, such as
 * a wildcard over a public suffix): the proxy and the list leave it out, and a read of it says so
 * rather than failing. It can still be changed to a host that parses, or deleted.
 */
const unreadable = (row: ServiceRow) =>
  new AppError(
    404,
    "service_not_found",
    `Service "${row.name}" is stored with a host or auth this edge no longer accepts (host "${row.host}"): agents are refused it; give it a valid host or delete it`,
  );

function serviceView(s: ServiceRecord): ServiceView {
  return {
    id: s.id,
    name: s.name,
    host: s.hostPattern,
    upstream: s.upstream,
    description: s.description,
    auth: s.auth,
    enabled: s.enabled,
    position: s.position,
    credential_keys: keysSentBy(s),
    substitutions: s.substitutions,
    methods: s.methods,
    redact_response: s.redactResponse,
    require_approval: s.requireApproval,
    approval_timeout_seconds: s.approvalTimeoutSeconds,
    created_at: iso(s.createdAt) ?? "",
    updated_at: iso(s.updatedAt),
  };
}

function viewOf(row: ServiceRow): ServiceView {
  const record = toServiceRecord(row);
  if (!record) throw unreadable(row);
  return serviceView(record);
}

/** The vault's service by name; another vault's (or company's) is not found. */
async function requireService(ctx: ActionContext, vault: VaultRow, name: string): Promise<ServiceRow> {
  const row = await findVaultService(ctx.db, vault.companyId, vault.id, name);
  if (!row) throw serviceNotFound(name);
  return row;
}

/** Two services with the same canonical pattern: the later one could never be matched. */
async function requireFreeHost(ctx: ActionContext, vault: VaultRow, hostPattern: string, selfId?: string): Promise<void> {
  const other = await findServiceByHost(ctx.db, vault.companyId, vault.id, hostPattern);
  if (other && other.id !== selfId)
    throw conflict(
      "service_host_exists",
      `Service "${other.name}" already has host "${hostPattern}"; change or delete it instead of adding a second one that could never match`,
    );
}

const hostOptions = (ctx: ActionContext) => ({ allowPrivate: ctx.config.allowPrivateUpstreams });

/**
 * The auth as stored: an `oauth` service's token endpoint held to the upstreams' rules (it receives
 * the client secret and the refresh token), in canonical form; any other auth as it came.
 */
function checkedAuth(auth: ServiceAuth, options: { allowPrivate: boolean }): ServiceAuth {
  if (auth.type !== "oauth") return auth;
  return { ...auth, token_endpoint: parseOAuthEndpoint(auth.token_endpoint, "token endpoint", options) };
}
/** The caller chooses, with the role it was just held to in the vault. */
const callerChooses =
  (ctx: ActionContext, role: VaultRole): Chooser =>
  async () => ({ ref: await principalRefOf(ctx.db, ctx.principal), role });

/** The checked change that adds `input` at the end of the vault's order (its first result holds the row). */
async function creation(ctx: ActionContext, vault: VaultRow, input: ServiceInput, chooser: Chooser) {
  const options = hostOptions(ctx);
  const parsedHost = parseServiceHost(input.host, options);
  const host = formatServiceHost(parsedHost);
  // In dev a loopback host without an upstream is a local plain-http server (host-pattern.ts).
  const upstream = input.upstream ? parseUpstreamOrigin(input.upstream, options) : loopbackUpstreamOf(parsedHost, options);
  const auth = checkedAuth(input.auth, options);
  if (await findVaultService(ctx.db, vault.companyId, vault.id, input.name)) throw nameTaken(input.name);
  await requireFreeHost(ctx, vault, host);
  const detail = {
    vault: vault.name,
    name: input.name,
    host,
    upstream,
    auth_type: input.auth.type,
    enabled: input.enabled,
    ...rulesDetail(input),
  };
  const now = ctx.edge.now();
  const service = {
    id: newId("svc"),
    companyId: vault.companyId,
    vaultId: vault.id,
    name: input.name,
    host,
    upstream,
    description: input.description || null,
    auth,
    enabled: input.enabled,
    ...storedRules(input),
    // Who points credentials somewhere is shown to whoever is later asked for a value (proposals/impact.ts).
    ...chosenBy(await chooser()),
    destinationChosenAt: now,
  };
  return createServiceChange(ctx.db, ctx.principal, service, detail, now);
}

/**
 * The checked change that applies `edit` to `existing`: only the fields that differ are written and
 * audited (`changed`); nothing to change is no change (and not an error). An edit that would leave
 * the row unreadable is refused before anything is written.
 */
async function revision(ctx: ActionContext, vault: VaultRow, existing: ServiceRow, edit: ServiceEdit, chooser: Chooser) {
  const options = hostOptions(ctx);
  const changes: Partial<ServiceRow> = {};
  if (edit.name !== undefined && edit.name !== existing.name) {
    if (await findVaultService(ctx.db, vault.companyId, vault.id, edit.name)) throw nameTaken(edit.name);
    changes.name = edit.name;
  }
  if (edit.host !== undefined) {
    const host = formatServiceHost(parseServiceHost(edit.host, options));
    if (host !== existing.host) {
      await requireFreeHost(ctx, vault, host, existing.id);
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
  if (edit.auth !== undefined) {
    const auth = checkedAuth(edit.auth, options);
    if (JSON.stringify(auth) !== JSON.stringify(existing.auth)) changes.auth = auth;
  }
  if (edit.enabled !== undefined && edit.enabled !== existing.enabled) changes.enabled = edit.enabled;
  Object.assign(changes, changedRules(existing, edit));
  const changed = Object.keys(changes).sort();
  if (changed.length === 0) return { changed, change: undefined };
  if (!toServiceRecord({ ...existing, ...changes })) throw unreadable(existing);

  const detail = { vault: vault.name, name: existing.name, changed, ...serviceAuditValues(changes) };
  const now = ctx.edge.now();
  const after = {
    host: changes.host ?? existing.host,
    upstream: "upstream" in changes ? changes.upstream : existing.upstream,
    auth: changes.auth ?? existing.auth,
  };
  // A new host under the same upstream sends credentials where they went: its chooser stays.
  if (!keepsDestination(existing, after)) Object.assign(changes, chosenBy(await chooser()), { destinationChosenAt: now });
  return { changed, change: updateServiceChange(ctx.db, ctx.principal, existing, changes, detail, now) };
}

/** A service's per-request rules (request-rules.contract.ts), as its input carries them. */
type RuleInput = Pick<ServiceInput, "substitutions" | "methods" | "redact_response" | "require_approval" | "approval_timeout_seconds">;

/** A service's rules as its row stores them: no substitutions as null. */
function storedRules(input: RuleInput) {
  return {
    substitutions: input.substitutions.length ? input.substitutions : null,
    methods: input.methods,
    redactResponse: input.redact_response,
    requireApproval: input.require_approval,
    approvalTimeoutSeconds: input.approval_timeout_seconds,
  };
}

/** The rules an edit changes (absent fields change nothing). */
function changedRules(existing: ServiceRow, edit: ServiceEdit): Partial<ServiceRow> {
  const changes: Partial<ServiceRow> = {};
  if (edit.substitutions !== undefined) {
    const substitutions = edit.substitutions.length ? edit.substitutions : null;
    if (JSON.stringify(substitutions) !== JSON.stringify(existing.substitutions ?? null)) changes.substitutions = substitutions;
  }
  if (edit.methods !== undefined && JSON.stringify(edit.methods) !== JSON.stringify(existing.methods ?? null)) changes.methods = edit.methods;
  if (edit.redact_response !== undefined && edit.redact_response !== existing.redactResponse) changes.redactResponse = edit.redact_response;
  if (edit.require_approval !== undefined && edit.require_approval !== existing.requireApproval) changes.requireApproval = edit.require_approval;
  if (edit.approval_timeout_seconds !== undefined && edit.approval_timeout_seconds !== existing.approvalTimeoutSeconds)
    changes.approvalTimeoutSeconds = edit.approval_timeout_seconds;
  return changes;
}

/** The rules in a creation's audit row, each only when it is not the default: keys and placeholders, never values. */
const rulesDetail = (input: RuleInput) => ({
  ...(input.substitutions.length ? { substitutions: input.substitutions } : {}),
  ...(input.methods ? { methods: input.methods } : {}),
  ...(input.redact_response ? {} : { redact_response: false }),
  // As an approval page says it: a person approves each call.
  ...(input.require_approval ? { require_approval: true, approval_timeout_seconds: input.approval_timeout_seconds } : {}),
});

const chosenBy = (chooser: DestinationChooser) => ({ destinationChosenBy: chooser.ref, destinationChosenByRole: chooser.role });

/** The change that deletes a service read before; one deleted since rolls its batch back. */
const removal = (ctx: ActionContext, vault: VaultRow, existing: ServiceRow) =>
  deleteServiceChange(ctx.db, ctx.principal, existing, { vault: vault.name, name: existing.name, host: existing.host });

/** A write's refusals at commit: `gone`, deleted since it was read (its audit guard), or the name it writes (`taken`) taken meanwhile. */
async function committed<T>(names: { gone: string; taken: string }, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isGuardFailure(error)) throw serviceNotFound(names.gone);
    if (isServiceNameTaken(error)) throw nameTaken(names.taken);
    throw error;
  }
}

/** The vault's services in matching order; a stored row this edge no longer reads is left out. */
export async function listServices(ctx: ActionContext, vaultName: string): Promise<{ services: ServiceView[] }> {
  const { vault } = await authorizeVault(ctx, vaultName);
  return { services: (await listVaultServices(ctx.db, vault.companyId, vault.id)).map(serviceView) };
}

export async function getService(ctx: ActionContext, vaultName: string, name: string): Promise<{ service: ServiceView }> {
  const { vault } = await authorizeVault(ctx, vaultName);
  return { service: viewOf(await requireService(ctx, vault, name)) };
}

/** Adds a service at the end of the vault's order; its destination is the caller's choice. */
export async function createService(ctx: ActionContext, vaultName: string, input: ServiceInput): Promise<{ service: ServiceView }> {
  const { vault, role } = await authorizeVault(ctx, vaultName);
  const write = await creation(ctx, vault, input, callerChooses(ctx, role));
  const [inserted] = await committed({ gone: input.name, taken: input.name }, () => ctx.commit(write));
  const row = inserted[0];
  if (!row) throw new AppError(500, "internal_error", "Internal error", { cause: new Error("service insert returned no row") });
  return { service: viewOf(row) };
}

/** Changes a service; `changed` names the fields that differed (none: nothing was written). */
export async function updateService(
  ctx: ActionContext,
  vaultName: string,
  name: string,
  edit: ServiceEdit,
): Promise<{ service: ServiceView; changed: string[] }> {
  const { vault, role } = await authorizeVault(ctx, vaultName);
  const existing = await requireService(ctx, vault, name);
  const { changed, change } = await revision(ctx, vault, existing, edit, callerChooses(ctx, role));
  if (!change) return { service: viewOf(existing), changed };
  const [, updated] = await committed({ gone: existing.name, taken: edit.name ?? existing.name }, () => ctx.commit(change));
  const row = updated[0];
  if (!row) throw serviceNotFound(existing.name);
  return { service: viewOf(row), changed };
}

/** Deletes a service; the proxy forgets it at once. Its credentials stay in the vault. */
export async function deleteService(ctx: ActionContext, vaultName: string, name: string): Promise<{ deleted: string }> {
  const { vault } = await authorizeVault(ctx, vaultName);
  const existing = await requireService(ctx, vault, name);
  await committed({ gone: existing.name, taken: existing.name }, () => ctx.commit(removal(ctx, vault, existing)));
  return { deleted: existing.name };
}

/**
 * For approval (proposals.actions.ts), whose caller was held to the proposal's rules instead: the
 * checked change that makes the vault hold `input` under its name, by the same creation or
 * revision as the API's (a `set` replaces every field, and enables the service). `chooser` chose
 * its destination (recorded only where it changes). Undefined when the service is already exactly that.
 */
export async function serviceSetChange(ctx: ActionContext, vault: VaultRow, input: ServiceInput, chooser: DestinationChooser) {
  const chosen = async () => chooser;
  const existing = await findVaultService(ctx.db, vault.companyId, vault.id, input.name);
  if (!existing) return creation(ctx, vault, input, chosen);
  const replacement = {
    host: input.host,
    upstream: input.upstream ?? null,
    description: input.description ?? null,
    auth: input.auth,
    enabled: input.enabled,
    // Every rule, defaults included: a `set` that leaves one out turns it back to its default (approval off among them).
    substitutions: input.substitutions,
    methods: input.methods,
    redact_response: input.redact_response,
    require_approval: input.require_approval,
    approval_timeout_seconds: input.approval_timeout_seconds,
  };
  return (await revision(ctx, vault, existing, replacement, chosen)).change;
}

/** For approval: the change that deletes the service of this name; undefined when it is gone already. */
export async function serviceRemovalChange(ctx: ActionContext, vault: VaultRow, name: string) {
  const existing = await findVaultService(ctx.db, vault.companyId, vault.id, name);
  return existing ? removal(ctx, vault, existing) : undefined;
}
