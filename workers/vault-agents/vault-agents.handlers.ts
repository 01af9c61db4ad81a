/** Agents' vault roles (vault-agents.actions.ts, shared with the console): moved only by those above them; every change reloads the agent's gate. */
import { createRouter } from "../router.ts";
import { actionContextOf } from "../request-context.ts";
import { grantVaultAgent, listVaultAgents, removeVaultAgent, setVaultAgentRole } from "./vault-agents.actions.ts";
import * as routes from "./vault-agents.routes.ts";

export const vaultAgentsRouter = createRouter()
  .openapi(routes.listVaultAgents, async (c) => c.json(await listVaultAgents(actionContextOf(c), c.req.valid("param").vault), 200))
  .openapi(routes.addVaultAgent, async (c) => {
    const body = c.req.valid("json");
    return c.json(await grantVaultAgent(actionContextOf(c), c.req.valid("param").vault, body.agent, body.role), 200);
  })
  .openapi(routes.setVaultAgentRole, async (c) => {
    const { vault, agent } = c.req.valid("param");
    return c.json(await setVaultAgentRole(actionContextOf(c), vault, agent, c.req.valid("json").role), 200);
  })
  .openapi(routes.removeVaultAgent, async (c) => {
    const { vault, agent } = c.req.valid("param");
    return c.json(await removeVaultAgent(actionContextOf(c), vault, agent), 200);
  });
