/** `GET /v1/audit`: the company's administrative changes, newest first, for owners (audit.actions.ts). */
import { createRouter } from "../router.ts";
import { actionContextOf } from "../request-context.ts";
import { listAudit } from "./audit.actions.ts";
import * as routes from "./audit.routes.ts";

export const auditRouter = createRouter();

auditRouter.openapi(routes.listAudit, async (c) => c.json(await listAudit(actionContextOf(c), c.req.valid("query")), 200));
