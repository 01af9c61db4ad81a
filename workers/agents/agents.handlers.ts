/** Agents: Vane registration, details, SVIDs, management and rotation (agents.actions.ts). */
import { INVITE_DEFAULT_TTL_SECONDS } from "../invites/invites.contract.ts";
import { createRouter } from "../router.ts";
import { actionContextOf } from "../request-context.ts";
import { agentSvid, deleteAgent, getAgent, getVaultysAgent, registerAgent, rotateAgent, updateAgent } from "./agents.actions.ts";
import * as routes from "./agents.routes.ts";

export const agentsRouter = createRouter();

agentsRouter
  .openapi(routes.registerAgent, async (c) => c.json(await registerAgent(actionContextOf(c), c.req.valid("json")), 201))
  .openapi(routes.getAgent, async (c) => c.json(await getAgent(actionContextOf(c), c.req.valid("param").agentId), 200))
  .openapi(routes.getVaultysAgent, async (c) => c.json(await getVaultysAgent(actionContextOf(c), c.req.valid("param").id), 200))
  .openapi(routes.getAgentSvid, async (c) => c.json(await agentSvid(actionContextOf(c), c.req.valid("param").agentId, c.req.valid("query").audience), 200))
  .openapi(routes.updateAgent, async (c) => c.json(await updateAgent(actionContextOf(c), c.req.valid("param").agentId, c.req.valid("json")), 200))
  .openapi(routes.deleteAgent, async (c) => c.json(await deleteAgent(actionContextOf(c), c.req.valid("param").agentId), 200))
  .openapi(routes.rotateAgent, async (c) => {
    // The body is optional: without one, the invite lasts the default time.
    const body = c.req.header("content-type")?.includes("json") ? c.req.valid("json") : {};
    return c.json(await rotateAgent(actionContextOf(c), c.req.valid("param").agentId, body.ttl_seconds ?? INVITE_DEFAULT_TTL_SECONDS), 201);
  });
