/** `GET /v1/agents`: the company's agents, filtered, sorted and paged (seed 004, Vaultys field names). */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { AGENT_SORT_KEYS, AGENT_STATUSES } from "./agent-list.queries.ts";
import { CAPABILITIES } from "./agent-names.ts";
import { errors, jsonResponse } from "../lib/openapi.ts";
import { AgentView } from "./agents.routes.ts";

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** The list shows each agent exactly as `GET /v1/agents/{agentId}` does (without vaults). */
export const ListedAgent = AgentView;

export const listAgents = createRoute({
  method: "get",
  path: "/v1/agents",
  tags: ["agents"],
  summary: "List the company's agents (owners, members and API keys; agents and vault sessions are refused)",
  description:
    "`online` counts the online agents among all that match the filters, ignoring paging. An agent is online when it presented a valid token in the last 5 minutes. " +
    "Never-seen agents sort as the oldest for `sortBy=lastSeen`; ties are broken by name.",
  request: {
    query: z
      .object({
        q: z.string().max(64).optional().openapi({ description: "Case-insensitive substring of the name" }),
        online: z.enum(["true", "false"]).optional(),
        realm: z.string().min(1).max(100).optional().openapi({ description: "Realm id or slug" }),
        capabilities: z
          .string()
          .max(500)
          .optional()
          .openapi({ description: `Comma-separated; the agent must have all of them. One of: ${CAPABILITIES.join(", ")}`, example: "api_call,file_access" }),
        status: z.enum(AGENT_STATUSES).optional(),
        page: z.coerce.number().int().min(1).max(1_000_000).default(1),
        pageSize: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
        sortBy: z.enum(AGENT_SORT_KEYS).default("name"),
        sortDir: z.enum(["asc", "desc"]).default("asc"),
      })
      .strict(),
  },
  responses: {
    200: jsonResponse(
      z.object({
        agents: z.array(ListedAgent),
        total: z.number().int(),
        page: z.number().int(),
        pageSize: z.number().int(),
        totalPages: z.number().int().openapi({ description: "0 when nothing matches" }),
        online: z.number().int(),
      }),
      "A page of agents",
    ),
    ...errors(400, 401, 403, 404),
  },
});
