/** `GET /v1/agents`: the company's agents, filtered, sorted and paged (seed 004, Vaultys field names). Shapes: agents.contract.ts. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonResponse } from "../lib/openapi.ts";
import { AgentPage, ListAgentsQuery, VaultysAgentPage, VaultysAgentsQuery } from "./agents.contract.ts";

export const listAgents = createRoute({
  method: "get",
  path: "/v1/agents",
  tags: ["agents"],
  summary: "List the company's agents (owners, members and API keys; agents and vault sessions are refused)",
  description:
    "`online` counts the online agents among all that match the filters, ignoring paging. An agent is online while it holds its channel (GET /v1/agents/channel, a WebSocket) open. " +
    "Never-seen agents sort as the oldest for `sortBy=lastSeen`; ties are broken by name.",
  request: { query: ListAgentsQuery },
  responses: {
    200: jsonResponse(AgentPage, "A page of agents"),
    ...errors(400, 401, 403, 404),
  },
});

export const listVaultysAgents = createRoute({
  method: "get",
  path: "/api/agents",
  tags: ["agents", "vaultys"],
  summary: "The company's agents as Vaultys lists them (seed 004): the same filters, Vaultys' fields",
  description:
    "Unknown parameters are ignored and `page`/`pageSize` are clamped into range, so a client written to the seed never gets a 400 for them. " +
    "`id` is the agent's DID (`did:key:…`) when it registered an Ed25519 multibase key, else its `agt_…` id.",
  request: { query: VaultysAgentsQuery },
  responses: {
    200: jsonResponse(VaultysAgentPage, "A page of agents"),
    ...errors(400, 401, 403, 404),
  },
});
