/** `GET /v1/agents`: the company's agents, filtered, sorted and paged (seed 004, Vaultys field names). Shapes: agents.contract.ts. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonResponse } from "../lib/openapi.ts";
import { AgentPage, ListAgentsQuery } from "./agents.contract.ts";

export const listAgents = createRoute({
  method: "get",
  path: "/v1/agents",
  tags: ["agents"],
  summary: "List the company's agents (owners, members and API keys; agents and vault sessions are refused)",
  description:
    "`online` counts the online agents among all that match the filters, ignoring paging. An agent is online when it presented a valid token in the last 5 minutes. " +
    "Never-seen agents sort as the oldest for `sortBy=lastSeen`; ties are broken by name.",
  request: { query: ListAgentsQuery },
  responses: {
    200: jsonResponse(AgentPage, "A page of agents"),
    ...errors(400, 401, 403, 404),
  },
});
