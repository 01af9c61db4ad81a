/** Agents' vault roles: moved only by those above them (vault-agent-grants.ts, shared with the console); every change reloads the agent's gate. */
import { authorizeVault } from "../auth/gate.ts";
import { createRouter } from "../router.ts";
import { grantVaultAgent, removeVaultAgent, setVaultAgentRole } from "./vault-agent-grants.ts";
import { listVaultAgents } from "./vault-agents.queries.ts";
import * as routes from "./vault-agents.routes.ts";

export const vaultAgentsRouter = createRouter()
  .openapi(routes.listVaultAgents, async (c) => {
    const { vault } = await authorizeVault(c, c.req.valid("param").vault);
    const rows = await listVaultAgents(c.var.db, vault.id);
    return c.json({ vault: vault.name, agents: rows }, 200);
  })
  .openapi(routes.addVaultAgent, async (c) => {
    const body = c.req.valid("json");
    const { vault } = await authorizeVault(c, c.req.valid("param").vault);
    return c.json({ vault: vault.name, agent: await grantVaultAgent(c, vault, body.agent, body.role) }, 200);
  })
  .openapi(routes.setVaultAgentRole, async (c) => {
    const params = c.req.valid("param");
    const { vault } = await authorizeVault(c, params.vault);
    return c.json({ vault: vault.name, agent: await setVaultAgentRole(c, vault, params.agent, c.req.valid("json").role) }, 200);
  })
  .openapi(routes.removeVaultAgent, async (c) => {
    const params = c.req.valid("param");
    const { vault } = await authorizeVault(c, params.vault);
    return c.json({ vault: vault.name, removed: await removeVaultAgent(c, vault, params.agent) }, 200);
  });
