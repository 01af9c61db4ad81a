/** `GET /v1/audit`: the company's administrative changes, newest first, for owners. Shapes: audit.contract.ts. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonResponse } from "../lib/openapi.ts";
import { AuditPage, ListAuditQuery } from "./audit.contract.ts";

export const listAudit = createRoute({
  method: "get",
  path: "/v1/audit",
  tags: ["audit"],
  summary: "Page through the audit log (owners), newest first; pass next_cursor as `before` (older) or newer_cursor as `after` (newer)",
  description:
    "Filters: `action`, `actor` (an e-mail, agent name, API key label or actor id of this company; an unknown one matches nothing) and `since` / `until` (ISO 8601 with offset, or epoch milliseconds; `since` included, `until` excluded).",
  request: { query: ListAuditQuery },
  responses: { 200: jsonResponse(AuditPage, "Entries"), ...errors(400, 401, 403) },
});
