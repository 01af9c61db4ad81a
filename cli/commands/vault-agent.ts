/**
 * `vault agent list|add|set-role|remove` (seed 002 vault-level commands): an agent's role in one
 * vault. The vault comes from --vault or EDGEVAULT_VAULT, as for `vault credential`.
 */
import { z } from "zod";
import {
  type AddVaultAgentBody,
  type SetVaultAgentRoleBody,
  VaultAgentGranted,
  VaultAgentList,
  VaultAgentRemoved,
} from "../../workers/vault-agents/vault-agents.contract.ts";
import { noMoreArgs, parseCommandLine, positional } from "../args.ts";
import type { Command } from "../command.ts";
import { table } from "../format.ts";
import { VAULT_ROLES } from "../../workers/vaults/vaults.contract.ts";
import { AgentName, oneOf, VaultRole } from "../names.ts";
import { requireSession, requireVault } from "../session.ts";

const VAULT_OPTION_HELP = "  --vault <name>   The vault (default: EDGEVAULT_VAULT; one of the two is required)";
const VaultFlag = { vault: { type: "string" } } as const;

const agentsPath = (vault: string) => `/v1/vaults/${encodeURIComponent(vault)}/agents`;

const LIST_USAGE = "edgevault vault agent list [--vault <name>] [--json]";

export const vaultAgentList: Command = {
  path: ["vault", "agent", "list"],
  summary: "List the agents with a role in a vault",
  help: `Usage: ${LIST_USAGE}

Lists the agents that can use the vault, with their role in it and their status. Needs the
member role in the vault (or higher).

Options:
${VAULT_OPTION_HELP}
  --json           Print a JSON array of {agent, role, status}

Example:
  edgevault vault agent list --vault payments`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(
      argv,
      { ...VaultFlag, json: { type: "boolean" } },
      z.object({ vault: z.string().optional(), json: z.boolean().default(false) }).strict(),
    );
    noMoreArgs(args, 0, LIST_USAGE);
    const vault = requireVault(context, flags.vault);
    const { client } = await requireSession(context);
    const { agents } = await client.request("GET", agentsPath(vault), VaultAgentList);
    if (flags.json) {
      context.out(JSON.stringify(agents, null, 2));
      return;
    }
    if (agents.length === 0) {
      context.err(`No agents in vault "${vault}". Add one: edgevault vault agent add <name> --vault ${vault}`);
      return;
    }
    context.out(table(["AGENT", "ROLE", "STATUS"], agents.map((a) => [a.agent, a.role, a.status])));
  },
};

const ADD_USAGE = "edgevault vault agent add <name> [--vault <name>] [--role proxy|member|admin]";

export const vaultAgentAdd: Command = {
  path: ["vault", "agent", "add"],
  summary: "Give an existing agent a role in a vault (default: proxy)",
  help: `Usage: ${ADD_USAGE}

Grants an existing agent a role in the vault; it applies to the agent's next request. If the
agent already has a role there, it is replaced. You cannot grant a role above your own.

Roles:
  proxy    Make requests through the proxy with the vault's credentials (default)
  member   Also manage the vault's credentials, list its agents, mint vault sessions
  admin    Also manage the vault's settings and who can use it

Options:
${VAULT_OPTION_HELP}
  --role <role>    proxy (default), member or admin

Examples:
  edgevault vault agent add my-agent --vault payments
  edgevault vault agent add my-agent --vault payments --role member`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(
      argv,
      { ...VaultFlag, role: { type: "string" } },
      z.object({ vault: z.string().optional(), role: VaultRole.default("proxy") }).strict(),
    );
    const name = positional(args[0], "name", AgentName);
    noMoreArgs(args, 1, ADD_USAGE);
    const vault = requireVault(context, flags.vault);
    const { client } = await requireSession(context);
    const granted = await client.request("POST", agentsPath(vault), VaultAgentGranted, { body: { agent: name, role: flags.role } satisfies z.input<typeof AddVaultAgentBody> });
    context.out(`Agent "${granted.agent.agent}" now has the ${granted.agent.role} role in vault "${granted.vault}".`);
  },
};

const SET_ROLE_USAGE = "edgevault vault agent set-role <name> [--vault <name>] --role proxy|member|admin";

export const vaultAgentSetRole: Command = {
  path: ["vault", "agent", "set-role"],
  summary: "Change an agent's role in a vault",
  help: `Usage: ${SET_ROLE_USAGE}

Changes the role of an agent that already has one in the vault (use vault agent add to grant a
first role). Needs the admin role in the vault; applies to the agent's next request.

Options:
${VAULT_OPTION_HELP}
  --role <role>    proxy, member or admin (required)

Example:
  edgevault vault agent set-role my-agent --vault payments --role member`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(argv, { ...VaultFlag, role: { type: "string" } }, z.object({ vault: z.string().optional(), role: z.string(`is required: ${oneOf(VAULT_ROLES)}`).pipe(VaultRole) }).strict());
    const name = positional(args[0], "name", AgentName);
    noMoreArgs(args, 1, SET_ROLE_USAGE);
    const vault = requireVault(context, flags.vault);
    const { client } = await requireSession(context);
    const granted = await client.request("PATCH", `${agentsPath(vault)}/${encodeURIComponent(name)}`, VaultAgentGranted, {
      body: { role: flags.role } satisfies z.input<typeof SetVaultAgentRoleBody>,
    });
    context.out(`Agent "${granted.agent.agent}" now has the ${granted.agent.role} role in vault "${granted.vault}".`);
  },
};

const REMOVE_USAGE = "edgevault vault agent remove <name> [--vault <name>]";

export const vaultAgentRemove: Command = {
  path: ["vault", "agent", "remove"],
  summary: "Remove an agent's access to a vault",
  help: `Usage: ${REMOVE_USAGE}

Removes the agent's role in the vault; from its next request it can no longer use the vault.
The agent itself and its access to other vaults are untouched. Needs the admin role in the vault.

Options:
${VAULT_OPTION_HELP}

Example:
  edgevault vault agent remove my-agent --vault payments`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(argv, VaultFlag, z.object({ vault: z.string().optional() }).strict());
    const name = positional(args[0], "name", AgentName);
    noMoreArgs(args, 1, REMOVE_USAGE);
    const vault = requireVault(context, flags.vault);
    const { client } = await requireSession(context);
    const removed = await client.request("DELETE", `${agentsPath(vault)}/${encodeURIComponent(name)}`, VaultAgentRemoved);
    context.out(`Removed agent "${removed.removed}" from vault "${removed.vault}".`);
  },
};
