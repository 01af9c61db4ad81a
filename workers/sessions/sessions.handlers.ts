/** Vault sessions: mint, list, revoke (sessions.actions.ts). */
import { createRouter } from "../router.ts";
import { actionContextOf } from "../request-context.ts";
import { createSession, listSessions, revokeSession } from "./sessions.actions.ts";
import * as routes from "./sessions.routes.ts";

export const sessionsRouter = createRouter();

sessionsRouter
  .openapi(routes.createSession, async (c) => c.json(await createSession(actionContextOf(c), c.req.valid("json")), 201))
  .openapi(routes.listSessions, async (c) => c.json(await listSessions(actionContextOf(c), c.req.valid("query").vault), 200))
  .openapi(routes.revokeSession, async (c) => c.json(await revokeSession(actionContextOf(c), c.req.valid("param").id), 200));
