/** Companies and API keys. */
import { minterFor } from "../auth/token-signer.ts";
import { requirePlatformOperator } from "../auth/platform.ts";
import { commitChange } from "../effects.ts";
import {
  apiKeyView,
  companyView,
  createApiKeyChange,
  createCompanyChange,
  findCompany,
  listActiveApiKeys,
  newApiKey,
  type CompanyRow,
} from "./companies.queries.ts";
import { revokeApiKey } from "./api-key-revocation.ts";
import { conflict, notFound } from "../lib/app-error.ts";
import { createRouter } from "../router.ts";
import * as routes from "./companies.routes.ts";

export const platformRouter = createRouter().openapi(routes.createCompany, async (c) => {
  await requirePlatformOperator(c);
  const { id, name } = c.req.valid("json");
  const db = c.var.db;
  if (await findCompany(db, id)) throw conflict("company_exists", `Company "${id}" already exists`);
  const now = Date.now();
  const key = await newApiKey(db, minterFor(c.env), id, "owner", "platform");
  const company: CompanyRow = { id, name, signingAlg: "EdDSA", dataKeyWrapped: null, dataKeyVersion: null, createdAt: now };
  await commitChange(c, createCompanyChange(db, company, key));
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
    await commitChange(c, createApiKeyChange(db, principal, key));
    return c.json(key.view, 201);
  })
  .openapi(routes.listApiKeys, async (c) => {
    const rows = await listActiveApiKeys(c.var.db, c.var.principal.companyId);
    return c.json({ api_keys: rows.map(apiKeyView) }, 200);
  })
  .openapi(routes.revokeApiKey, async (c) => {
    const principal = c.var.principal;
    const { id } = c.req.valid("param");
    await revokeApiKey(c, principal, id);
    return c.json({ revoked: id }, 200);
  });
