/** `GET /v1/vaults/{vault}/logs`: the proxy's request log for vault admins, from the contract. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonResponse } from "../lib/openapi.ts";
import { ListLogsQuery, LogPage, LogsParams } from "./request-log.contract.ts";

export const listLogs = createRoute({
  method: "get",
  path: "/v1/vaults/{vault}/logs",
  tags: ["vaults"],
  summary:
    "Proxied requests of the vault (admin): never headers, query strings or bodies; pass next_cursor as `before` (older) or newer_cursor as `after` (newer)",
  request: { params: LogsParams, query: ListLogsQuery },
  responses: { 200: jsonResponse(LogPage, "Entries"), ...errors(400, 401, 403, 404) },
});
