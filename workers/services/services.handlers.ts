/**
 * Services CRUD (services.actions.ts). Any vault role reads; vault admins write. Referenced
 * credential keys need not exist yet (the proxy answers 502 `credential_not_found` then).
 */
import { createRouter } from "../router.ts";
import { actionContextOf } from "../request-context.ts";
import { createService, deleteService, getService, listServices, updateService } from "./services.actions.ts";
import * as routes from "./services.routes.ts";

export const servicesRouter = createRouter();

servicesRouter
  .openapi(routes.listServices, async (c) => c.json(await listServices(actionContextOf(c), c.req.valid("param").vault), 200))
  .openapi(routes.getService, async (c) => {
    const { vault, name } = c.req.valid("param");
    return c.json(await getService(actionContextOf(c), vault, name), 200);
  })
  .openapi(routes.createService, async (c) => c.json(await createService(actionContextOf(c), c.req.valid("param").vault, c.req.valid("json")), 201))
  .openapi(routes.updateService, async (c) => {
    const { vault, name } = c.req.valid("param");
    const { service } = await updateService(actionContextOf(c), vault, name, c.req.valid("json"));
    return c.json({ service }, 200);
  })
  .openapi(routes.deleteService, async (c) => {
    const { vault, name } = c.req.valid("param");
    return c.json(await deleteService(actionContextOf(c), vault, name), 200);
  });
