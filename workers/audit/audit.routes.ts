/** `GET /v1/audit`: the company's administrative changes, newest first, for owners. Shapes: audit.contract.ts. */
import { createRoute } from "../auth/secured-route.ts";
import { z } from "@hono/zod-openapi";
import { errors } from "../lib/openapi.ts";
import { AuditPage, ListAuditQuery } from "./audit.contract.ts";

export const listAudit = createRoute({
  method: "get",
  path: "/v1/audit",
  tags: ["audit"],
  summary: "Page through the audit log (owners), newest first; pass next_cursor as `before` (older) or newer_cursor as `after` (newer)",
  description:
    "Filters: `action` (or a kind: `proposal.*`), `actor` (an e-mail, agent name, API key label or actor id of this company; an unknown one matches nothing) and `since` / `until` (ISO 8601 with offset, or epoch milliseconds; `since` included, `until` excluded). `fold=sessions` tells each vault session once, on its `session.create` entry. `format=ndjson` or `csv` exports the page for a SIEM, the older page's cursor in `X-Next-Cursor`.",
  request: { query: ListAuditQuery },
  responses: {
    200: {
      description: "Entries; with format=ndjson or csv those entries as lines, and X-Next-Cursor",
      content: {
        "application/json": { schema: AuditPage },
        "application/x-ndjson": { schema: z.string().openapi({ description: "One AuditEntry a line" }) },
        "text/csv": { schema: z.string().openapi({ description: "A header row, then one AuditEntry a row" }) },
      },
    },
    ...errors(400, 401, 403),
  },
});
