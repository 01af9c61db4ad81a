/** Credentials (credentials.actions.ts): encrypted on the way in, names only on the way out. */
import { createRouter } from "../router.ts";
import { actionContextOf, namedVault } from "../request-context.ts";
import { deleteCredentials, listCredentials, setCredentials } from "./credentials.actions.ts";
import * as routes from "./credentials.routes.ts";

export const credentialsRouter = createRouter();

credentialsRouter
  .openapi(routes.setCredentials, async (c) => {
    const body = c.req.valid("json");
    return c.json(await setCredentials(actionContextOf(c), namedVault(c, body.vault), body.credentials), 200);
  })
  .openapi(routes.listCredentials, async (c) => c.json(await listCredentials(actionContextOf(c), namedVault(c, c.req.valid("query").vault)), 200))
  .openapi(routes.deleteCredentials, async (c) => {
    const body = c.req.valid("json");
    return c.json(await deleteCredentials(actionContextOf(c), namedVault(c, body.vault), body.keys), 200);
  });
