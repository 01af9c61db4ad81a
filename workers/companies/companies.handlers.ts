/** Companies and API keys (companies.actions.ts). */
import { requirePlatformOperator } from "../auth/platform.ts";
import { createRouter } from "../router.ts";
import { actionContextOf, publicContextOf } from "../request-context.ts";
import { createApiKey, createCompany, currentCompany, listApiKeys, revokeApiKey } from "./companies.actions.ts";
import * as routes from "./companies.routes.ts";

export const platformRouter = createRouter().openapi(routes.createCompany, async (c) => {
  await requirePlatformOperator(c);
  return c.json(await createCompany(publicContextOf(c), c.req.valid("json")), 201);
});

export const companiesRouter = createRouter();

companiesRouter
  .openapi(routes.currentCompany, async (c) => c.json(await currentCompany(actionContextOf(c)), 200))
  .openapi(routes.createApiKey, async (c) => c.json(await createApiKey(actionContextOf(c), c.req.valid("json")), 201))
  .openapi(routes.listApiKeys, async (c) => c.json(await listApiKeys(actionContextOf(c)), 200))
  .openapi(routes.revokeApiKey, async (c) => c.json(await revokeApiKey(actionContextOf(c), c.req.valid("param").id), 200));
