/**
 * `vault agent list|add|set-role|remove` (seed 002 vault-level commands): an agent's role in one
 * vault. The vault is resolved as for every vault-scoped command (vault-option.ts).
 */
import { z } from "zod";
import { VaultAgentGranted, VaultAgentList, VaultAgentRemoved } from "../../workers/vault-agents/vault-agents.contract.ts";
import { VAULT_ROLES } from "../../workers/vaults/vaults.contract.ts";
import { createCommand } from "../command/command.ts";
import { JSON_OPTION, printJson, table } from "../format.ts";
import { AgentName, oneOf, VaultRole } from "../command/names.ts";
import { requireSession } from "../edge/session.ts";
import { resolveVault, VAULT_OPTION } from "../vault-option.ts";

const AGENT = { name: "name", schema: AgentName, description: "The agent's name" } as const;

export const vaultAgentList = createCommand({
  path: ["vault", "agent", "list"],
  summary: "List the agents with a role in a vault",
  description: `Lists the agents that can use the vault, with their role in it and their status. Needs the
member role in the vault (or higher).`,
  options: { vault: VAULT_OPTION, json: { type: "boolean", description: "Print a JSON array of {agent, role, status}" } },
  examples: ["edgevault vault agent list --vault payments"],
  async handler({ vault: flag, json }, context) {
    const vault = await resolveVault(context, flag);
    const { client } = await requireSession(context);
    const { agents } = await client.call("get", "/v1/vaults/{vault}/agents", VaultAgentList, { params: { vault } });
    if (json) {
      context.out(JSON.stringify(agents, null, 2));
      return;
    }
    if (agents.length === 0) {
      context.err(`No agents in vault "${vault}". Add one: edgevault vault agent add <name> --vault ${vault}`);
      return;
    }
    context.out(
      table(
        ["AGENT", "ROLE", "STATUS"],
        agents.map((a) => [a.agent, a.role, a.status]),
      ),
    );
  },
});

export const vaultAgentAdd = createCommand({
  path: ["vault", "agent", "add"],
  summary: "Give an existing agent a role in a vault (default: proxy)",
  description: `Grants an existing agent a role in the vault; it applies to the agent's next request. If the
agent already has a role there, it is replaced. You cannot grant a role above your own.

Roles:
  proxy    Make requests through the proxy with the vault's credentials (default)
  member   Also manage the vault's credentials, list its agents, mint vault sessions
  admin    Also manage the vault's settings and who can use it`,
  positionals: [AGENT],
  options: {
    vault: VAULT_OPTION,
    role: { type: "string", schema: VaultRole, default: "proxy", description: `The agent's role in the vault: ${oneOf(VAULT_ROLES)}` },
    json: JSON_OPTION("the edge's answer", "{vault, agent: {agent, role, status}}"),
  },
  examples: ["edgevault vault agent add my-agent --role proxy", "edgevault vault agent add my-agent --vault payments --role member"],
  async handler({ name, vault: flag, role, json }, context) {
    const vault = await resolveVault(context, flag);
    const { client } = await requireSession(context);
    const granted = await client.call("post", "/v1/vaults/{vault}/agents", VaultAgentGranted, {
      params: { vault },
      body: { agent: name, role },
    });
    if (json) printJson(context, granted);
    else context.out(`Agent "${granted.agent.agent}" now has the ${granted.agent.role} role in vault "${granted.vault}".`);
  },
});

export const vaultAgentSetRole = createCommand({
  path: ["vault", "agent", "set-role"],
  summary: "Change an agent's role in a vault",
  description: `Changes the role of an agent that already has one in the vault (use vault agent add to grant a
first role). Needs the admin role in the vault; applies to the agent's next request.`,
  positionals: [AGENT],
  options: {
    vault: VAULT_OPTION,
    role: { type: "string", schema: z.string(`is required: ${oneOf(VAULT_ROLES)}`).pipe(VaultRole), description: `The new role: ${oneOf(VAULT_ROLES)}` },
    json: JSON_OPTION("the edge's answer", "{vault, agent: {agent, role, status}}"),
  },
  examples: ["edgevault vault agent set-role my-agent --role member", "edgevault vault agent set-role my-agent --vault payments --role admin"],
  async handler({ name, vault: flag, role, json }, context) {
    const vault = await resolveVault(context, flag);
    const { client } = await requireSession(context);
    const granted = await client.call("patch", "/v1/vaults/{vault}/agents/{agent}", VaultAgentGranted, {
      params: { vault, agent: name },
      body: { role },
    });
    if (json) printJson(context, granted);
    else context.out(`Agent "${granted.agent.agent}" now has the ${granted.agent.role} role in vault "${granted.vault}".`);
  },
});

export const vaultAgentRemove = createCommand({
  path: ["vault", "agent", "remove"],
  summary: "Remove an agent's access to a vault",
  description: `Removes the agent's role in the vault; from its next request it can no longer use the vault.
The agent itself and its access to other vaults are untouched. Needs the admin role in the vault.`,
  positionals: [AGENT],
  options: { vault: VAULT_OPTION, json: JSON_OPTION("the edge's answer", "{vault, removed}") },
  examples: ["edgevault vault agent remove my-agent", "edgevault vault agent remove my-agent --vault payments"],
  async handler({ name, vault: flag, json }, context) {
    const vault = await resolveVault(context, flag);
    const { client } = await requireSession(context);
    const removed = await client.call("delete", "/v1/vaults/{vault}/agents/{agent}", VaultAgentRemoved, { params: { vault, agent: name } });
    if (json) printJson(context, removed);
    else context.out(`Removed agent "${removed.removed}" from vault "${removed.vault}".`);
  },
});
