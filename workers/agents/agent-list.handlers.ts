/** Listing agents: `/v1/agents` and Vaultys' `/api/agents` (agents.actions.ts `listAgents`, `listVaultysAgents`). */
import { createRouter } from "../router.ts";
import { actionContextOf } from "../request-context.ts";
import { listAgents, listVaultysAgents } from "./agents.actions.ts";
import * as routes from "./agent-list.routes.ts";

export const agentListRouter = createRouter();

agentListRouter
  .openapi(routes.listAgents, async (c) => c.json(await listAgents(actionContextOf(c), c.req.valid("query")), 200))
  .openapi(routes.listVaultysAgents, async (c) => c.json(await listVaultysAgents(actionContextOf(c), c.req.valid("query")), 200));
