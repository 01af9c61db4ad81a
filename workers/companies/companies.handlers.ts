/** Companies and API keys. */
import { apiKeyRoot, invalidateRoots } from "../auth/revocation.ts";
import { minterFor } from "../auth/token-signer.ts";
import { and, desc, eq, isNull } from "drizzle-orm";

import { requirePlatformOperator } from "../auth/platform.ts";
import { auditStatement } from "../db/audit.ts";
import { companyView, countActiveOwnerCredentials, findCompany, newApiKey } from "./companies.queries.ts";
import { apiKeys, companies } from "../db/schema.ts";
import { conflict, notFound } from "../lib/app-error.ts";
import { iso } from "../lib/openapi.ts";
import { createRouter } from "../lib/router.ts";
import * as routes from "./companies.routes.ts";

export const platformRouter = createRouter().openapi(routes.createCompany, async (c) => {
  await requirePlatformOperator(c);
  const { id, name } = c.req.valid("json");
  const db = c.var.db;
  if (await findCompany(db, id)) throw conflict("company_exists", `Company "${id}" already exists`);
  const now = Date.now();
  const key = await newApiKey(db, minterFor(c.env), id, "owner", "platform");
  const company = { id, name, signingAlg: "EdDSA" as const, dataKeyWrapped: null, dataKeyVersion: null, createdAt: now };
  await db.batch([
    db.insert(companies).values(company),
    key.statement,
    auditStatement(db, { kind: "platform", companyId: id }, { action: "company.create", targetType: "company", targetId: id, detail: { name } }),
  ]);
  return c.json({ company: companyView(company), api_key: key.view }, 201);
});

export const companiesRouter = createRouter();

companiesRouter
  .openapi(routes.currentCompany, async (c) => {
    const company = await findCompany(c.var.db, c.var.principal.companyId);
    if (!company) throw notFound("Company");
    return c.json({ company: companyView(company) }, 200);
  })
  .openapi(routes.createApiKey, async (c) => {
    const principal = c.var.principal;
    const { label } = c.req.valid("json");
    const db = c.var.db;
    const key = await newApiKey(db, minterFor(c.env), principal.companyId, label, principal.id);
    await db.batch([key.statement, auditStatement(db, principal, { action: "api_key.create", targetType: "api_key", targetId: key.view.id, detail: { label } })]);
    return c.json(key.view, 201);
  })
  .openapi(routes.listApiKeys, async (c) => {
    const principal = c.var.principal;
    const rows = await c.var.db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.companyId, principal.companyId), isNull(apiKeys.revokedAt)))
      .orderBy(desc(apiKeys.createdAt))
      .all();
    const keys = rows.map((r) => ({ id: r.id, label: r.label, prefix: r.prefix, created_at: iso(r.createdAt) ?? "", last_used_at: iso(r.lastUsedAt) }));
    return c.json({ api_keys: keys }, 200);
  })
  .openapi(routes.revokeApiKey, async (c) => {
    const principal = c.var.principal;
    const { id } = c.req.valid("param");
    const db = c.var.db;
    const where = and(eq(apiKeys.id, id), eq(apiKeys.companyId, principal.companyId), isNull(apiKeys.revokedAt));
    if (!(await db.select({ id: apiKeys.id }).from(apiKeys).where(where).get())) throw notFound("API key");
    if ((await countActiveOwnerCredentials(db, principal.companyId)) <= 1) {
      throw conflict("last_owner_credential", "This is the company's last owner credential; create an owner user or another key first");
    }
    await db.batch([
      db.update(apiKeys).set({ revokedAt: Date.now() }).where(where),
      auditStatement(db, principal, { action: "api_key.revoke", targetType: "api_key", targetId: id }),
    ]);
    // Vault sessions minted with this key end with it.
    await invalidateRoots(c.env, [apiKeyRoot(id)]);
    return c.json({ revoked: id }, 200);
  });
