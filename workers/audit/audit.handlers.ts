/** `GET /v1/audit`: the company's administrative changes, newest first, for owners (audit.actions.ts). */
import { createRouter } from "../router.ts";
import { actionContextOf } from "../request-context.ts";
import { exportAudit, listAudit } from "./audit.actions.ts";
import { AUDIT_NEXT_CURSOR_HEADER } from "./audit.contract.ts";
import * as routes from "./audit.routes.ts";

export const auditRouter = createRouter();

const CONTENT_TYPES = { ndjson: "application/x-ndjson; charset=utf-8", csv: "text/csv; charset=utf-8; header=present" } as const;

auditRouter.openapi(routes.listAudit, async (c) => {
  const { format, ...query } = c.req.valid("query");
  if (format === "json") return c.json(await listAudit(actionContextOf(c), query), 200);
  const { body, nextCursor } = await exportAudit(actionContextOf(c), query, format);
  return c.body(body, 200, {
    "Content-Type": CONTENT_TYPES[format],
    "Cache-Control": "no-store",
    [AUDIT_NEXT_CURSOR_HEADER]: nextCursor === null ? "" : String(nextCursor),
  });
});
