/** `GET /v1/vaults/{vault}/logs`: the proxy's request log for vault admins, newest first (request-log.actions.ts). */
import { createRouter } from "../router.ts";
import { actionContextOf } from "../request-context.ts";
import { listLogs } from "./request-log.actions.ts";
import * as routes from "./request-log.routes.ts";

export const logsRouter = createRouter().openapi(routes.listLogs, async (c) =>
  c.json(await listLogs(actionContextOf(c), c.req.valid("param").vault, c.req.valid("query")), 200),
);
