/** Connecting an OAuth service's account (connect.actions.ts) and the provider catalog. The browser's side: pages/oauth-connect.handlers.ts. */
import { createRouter } from "../router.ts";
import { actionContextOf } from "../request-context.ts";
import { createConnection, readConnection } from "./connect.actions.ts";
import { PROVIDER_TEMPLATES } from "./provider-catalog.contract.ts";
import * as routes from "./oauth.routes.ts";

export const oauthRouter = createRouter();

oauthRouter
  .openapi(routes.listProviders, async (c) =>
    c.json({ providers: PROVIDER_TEMPLATES.map((t) => ({ ...t, default_scopes: [...t.default_scopes], extra_parameters: { ...t.extra_parameters } })) }, 200),
  )
  .openapi(routes.createConnection, async (c) => {
    const { vault, name } = c.req.valid("param");
    return c.json(await createConnection(actionContextOf(c), vault, name, c.req.valid("json")), 201);
  })
  .openapi(routes.getConnection, async (c) => {
    const { vault, id } = c.req.valid("param");
    return c.json(await readConnection(actionContextOf(c), vault, id), 200);
  });
