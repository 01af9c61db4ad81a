/**
 * Companies and their API keys, for the API and the console alike: the platform operator creates a
 * company (with its first owner key and its `default` vault) and re-wraps data keys under a new
 * master key; a caller reads its company; owners create, list and revoke keys. A key's token is in
 * the answer that makes it, once; only its hash is kept. The company's last owner credential
 * stays: the rule is the revocation's own SQL guard (companies.queries.ts `revokeApiKeyChange`), as
 * it is for removing or demoting the last owner.
 */
import type { z } from "zod";
import type { ActionContext, PublicActionContext } from "../action-context.ts";
import { isGuardFailure } from "../db/audit.ts";
import { conflict, notFound } from "../lib/app-error.ts";
import { rewrapDataKey } from "../lib/crypto/crypto-envelope.ts";
import type { ApiKey, ApiKeyList, ApiKeyRevoked, CompanyCreated, CreateApiKeyBody, CreateCompanyBody, IssuedApiKey, OneCompany } from "./companies.contract.ts";
import {
  activeApiKeyExists,
  apiKeyView,
  type CompanyRow,
  companiesWithStaleDataKey,
  companyView,
  createApiKeyChange,
  createCompanyChange,
  findActiveApiKey,
  findCompany,
  listActiveApiKeys,
  newApiKey,
  revokeApiKeyChange,
  rewrapDataKeyChange,
} from "./companies.queries.ts";

export type CreateCompanyInput = z.output<typeof CreateCompanyBody>;
export type CreateApiKeyInput = z.output<typeof CreateApiKeyBody>;
export type MasterKeyRotation = { current_version: number; rewrapped: number; remaining: number };

/** Companies re-wrapped per call, to stay well inside a Worker invocation's limits. */
const REWRAP_BATCH = 200;

/** A new company with its first owner key (shown once) and its `default` vault (the platform operator's). */
export async function createCompany(ctx: PublicActionContext, input: CreateCompanyInput): Promise<z.output<typeof CompanyCreated>> {
  const { db } = ctx;
  if (await findCompany(db, input.id)) throw conflict("company_exists", `Company "${input.id}" already exists`);
  const key = await newApiKey(db, ctx.edge.mint, input.id, "owner", "platform");
  const company: CompanyRow = { id: input.id, name: input.name, signingAlg: "EdDSA", dataKeyWrapped: null, dataKeyVersion: null, createdAt: ctx.edge.now() };
  await ctx.commit(createCompanyChange(db, company, key));
  return { company: companyView(company), api_key: key.view };
}

/**
 * Re-wraps up to REWRAP_BATCH companies' data keys under the newest master key (the platform
 * operator's; call again until `remaining` is 0). Each write is compare-and-set on the wrapped key
 * it read, so a concurrent rotation cannot clobber it. Credentials and signing keys never change.
 */
export async function rotateMasterKey(ctx: PublicActionContext): Promise<MasterKeyRotation> {
  const { db } = ctx;
  const ring = await ctx.edge.masterKeyring();
  const rows = await companiesWithStaleDataKey(db, ring.current, REWRAP_BATCH + 1);
  let rewrapped = 0;
  for (const company of rows.slice(0, REWRAP_BATCH)) {
    if (!company.dataKeyWrapped || company.dataKeyVersion == null) continue;
    const stored = { wrapped: company.dataKeyWrapped, version: company.dataKeyVersion };
    const next = await rewrapDataKey(ring, company.id, stored);
    await ctx.commit(rewrapDataKeyChange(db, company.id, stored, next));
    rewrapped++;
  }
  return { current_version: ring.current, rewrapped, remaining: Math.max(0, rows.length - rewrapped) };
}

/** The caller's company. */
export async function currentCompany(ctx: ActionContext): Promise<z.output<typeof OneCompany>> {
  const company = await findCompany(ctx.db, ctx.principal.companyId);
  if (!company) throw notFound("Company");
  return { company: companyView(company) };
}

/** A new API key of the caller's company: it acts as an owner; its token is in the answer, once. */
export async function createApiKey(ctx: ActionContext, input: CreateApiKeyInput): Promise<z.output<typeof IssuedApiKey>> {
  const { db, principal } = ctx;
  const key = await newApiKey(db, ctx.edge.mint, principal.companyId, input.label, principal.id);
  await ctx.commit(createApiKeyChange(db, principal, key));
  return key.view;
}

/** The company's unrevoked keys, newest first: label and the token's public prefix, never the token. */
export async function listApiKeys(ctx: ActionContext): Promise<z.output<typeof ApiKeyList>> {
  return { api_keys: (await listActiveApiKeys(ctx.db, ctx.principal.companyId)).map(apiKeyView) };
}

/** One unrevoked key of the caller's company (a revoked one, or another company's, is not found). */
export async function getApiKey(ctx: ActionContext, id: string): Promise<z.output<typeof ApiKey>> {
  const key = await findActiveApiKey(ctx.db, ctx.principal.companyId, id);
  if (!key) throw notFound("API key");
  return apiKeyView(key);
}

/**
 * Revokes key `id` of the caller's company: 404 when it is not an unrevoked key, 409 when it is the
 * company's last owner credential. Vault sessions minted with it end with it (its gate re-reads).
 */
export async function revokeApiKey(ctx: ActionContext, id: string): Promise<z.output<typeof ApiKeyRevoked>> {
  const { db, principal } = ctx;
  if (!(await activeApiKeyExists(db, principal.companyId, id))) throw notFound("API key");
  await ctx.commit(revokeApiKeyChange(db, principal, id, ctx.edge.now())).catch(async (error: unknown) => {
    if (!isGuardFailure(error)) throw error;
    // Revoked meanwhile by another request: it is gone either way.
    if (!(await activeApiKeyExists(db, principal.companyId, id))) throw notFound("API key");
    throw conflict(
      "last_owner_credential",
      "This is the company's last owner credential; create another key first (or an owner user, while password sign-in is on)",
    );
  });
  return { revoked: id };
}
