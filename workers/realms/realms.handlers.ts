/** Realms: create, list, rename and delete (realms.actions.ts). */
import { createRouter } from "../router.ts";
import { actionContextOf } from "../request-context.ts";
import { createRealm, deleteRealm, listRealms, updateRealm } from "./realms.actions.ts";
import * as routes from "./realms.routes.ts";

export const realmsRouter = createRouter();

realmsRouter
  .openapi(routes.createRealm, async (c) => c.json(await createRealm(actionContextOf(c), c.req.valid("json")), 201))
  .openapi(routes.listRealms, async (c) => c.json(await listRealms(actionContextOf(c)), 200))
  .openapi(routes.updateRealm, async (c) => c.json(await updateRealm(actionContextOf(c), c.req.valid("param").realm, c.req.valid("json")), 200))
  .openapi(routes.deleteRealm, async (c) => c.json(await deleteRealm(actionContextOf(c), c.req.valid("param").realm), 200));
