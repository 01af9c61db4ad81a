/** Users: create or invite, accept, list, change role, remove (users.actions.ts). */
import { createRouter } from "../router.ts";
import { actionContextOf, publicContextOf } from "../request-context.ts";
import { acceptUserInvite, createUser, deleteUser, listUsers, updateUser } from "./users.actions.ts";
import * as routes from "./users.routes.ts";

export const usersRouter = createRouter();

usersRouter
  .openapi(routes.createUser, async (c) => c.json(await createUser(actionContextOf(c), c.req.valid("json")), 201))
  .openapi(routes.acceptUserInvite, async (c) => c.json(await acceptUserInvite(publicContextOf(c), c.req.valid("json")), 200))
  .openapi(routes.listUsers, async (c) => c.json(await listUsers(actionContextOf(c)), 200))
  .openapi(routes.updateUser, async (c) => c.json(await updateUser(actionContextOf(c), c.req.valid("param").id, c.req.valid("json")), 200))
  .openapi(routes.deleteUser, async (c) => c.json(await deleteUser(actionContextOf(c), c.req.valid("param").id), 200));
