/**
 * `agent list|info|set-role|rename|delete|rotate|disable|enable` (seed 002 instance-level
 * commands). Agents are addressed by name. No command here prints a token: rotation prints the
 * prompt the agent redeems itself.
 */
import { z } from "zod";
import {
  AGENT_STATUSES,
  AgentDeleted,
  AgentDetails,
  AgentPage,
  AgentUpdated,
  MAX_AGENT_QUERY_LENGTH,
  MAX_PAGE_SIZE,
  type ListAgentsQuery,
  type UpdateAgentBody,
} from "../../workers/agents/agents.contract.ts";
import { COMPANY_ROLES } from "../../workers/companies/companies.contract.ts";
import { INVITE_MAX_TTL_SECONDS, INVITE_MIN_TTL_SECONDS, RotationInvite, type RotateAgentBody } from "../../workers/invites/invites.contract.ts";
import { MAX_REALM_REF_LENGTH } from "../../workers/realms/realms.contract.ts";
import { noMoreArgs, parseCommandLine, positional } from "../args.ts";
import type { ApiClient } from "../api-client.ts";
import type { Command, CommandContext } from "../command.ts";
import { confirm } from "../confirm.ts";
import { Ttl } from "../duration.ts";
import { table } from "../format.ts";
import { AgentName, AgentRole, CapabilityList, oneOf } from "../names.ts";
import { requireSession } from "../session.ts";
import { revokeCommand } from "./agent-invite.ts";

type Agent = z.output<typeof AgentUpdated>["agent"];

const agentPath = (name: string) => `/v1/agents/${encodeURIComponent(name)}`;

const LIST_USAGE = "edgevault agent list [--status <status>] [--realm <realm>] [--online] [--q <text>] [--capabilities a,b] [--json]";

export const agentList: Command = {
  path: ["agent", "list"],
  summary: "List the company's agents, with role, status, realm and whether they are online",
  help: `Usage: ${LIST_USAGE}

Lists every agent of the company matching the filters, sorted by name (all pages are fetched).
An agent is online when it used a valid token in the last 5 minutes.

Options:
  --status <status>       pending, active, rejected or disabled
  --realm <realm>         Only agents in this realm (id or slug)
  --online                Only agents online now
  --q <text>              Only names containing this text (case-insensitive)
  --capabilities <a,b>    Only agents holding all of these capabilities
  --json                  Print a JSON array of agents (the edge's fields)

Examples:
  edgevault agent list
  edgevault agent list --online --realm eng --json | jq -r '.[].name'`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(
      argv,
      {
        status: { type: "string" },
        realm: { type: "string" },
        online: { type: "boolean" },
        q: { type: "string" },
        capabilities: { type: "string" },
        json: { type: "boolean" },
      },
      z
        .object({
          status: z.enum(AGENT_STATUSES, `must be one of ${AGENT_STATUSES.join(", ")}`).optional(),
          realm: z.string().min(1, "must not be empty").max(MAX_REALM_REF_LENGTH).optional(),
          online: z.boolean().default(false),
          q: z.string().max(MAX_AGENT_QUERY_LENGTH, `must be at most ${MAX_AGENT_QUERY_LENGTH} characters`).optional(),
          capabilities: CapabilityList.optional(),
          json: z.boolean().default(false),
        })
        .strict(),
    );
    noMoreArgs(args, 0, LIST_USAGE);
    const { client } = await requireSession(context);
    const query = {
      status: flags.status,
      realm: flags.realm,
      online: flags.online ? "true" : undefined,
      q: flags.q,
      capabilities: flags.capabilities?.length ? flags.capabilities.join(",") : undefined,
    } satisfies z.input<typeof ListAgentsQuery>;
    const { agents, online } = await fetchAllAgents(client, query);
    if (flags.json) {
      context.out(JSON.stringify(agents, null, 2));
      return;
    }
    const filtered = Object.values(query).some((value) => value !== undefined);
    if (agents.length === 0) {
      context.err(filtered ? "No agents match." : "No agents yet. Invite one: edgevault agent invite <name>");
      return;
    }
    context.out(
      table(
        ["NAME", "ROLE", "STATUS", "REALM", "ONLINE", "LAST SEEN", "CAPABILITIES"],
        agents.map((a) => [a.name, a.role, a.status, a.realm?.slug ?? "-", a.isOnline ? "yes" : "no", a.lastSeen ?? "never", a.capabilities.join(",") || "-"]),
      ),
    );
    context.err(`${agents.length} agent${agents.length === 1 ? "" : "s"}, ${online} online`);
  },
};

/**
 * Every page of `GET /v1/agents`. The page count is taken from the first answer so the loop is
 * bounded even if agents are added meanwhile; an agent that moves between pages during the walk
 * is listed once.
 */
async function fetchAllAgents(client: ApiClient, query: Record<string, string | undefined>) {
  const first = await client.request("GET", "/v1/agents", AgentPage, { query: { ...query, page: "1", pageSize: String(MAX_PAGE_SIZE) } });
  const agents = new Map(first.agents.map((a) => [a.id, a]));
  for (let page = 2; page <= first.totalPages; page += 1) {
    const next = await client.request("GET", "/v1/agents", AgentPage, { query: { ...query, page: String(page), pageSize: String(MAX_PAGE_SIZE) } });
    for (const agent of next.agents) agents.set(agent.id, agent);
  }
  return { agents: [...agents.values()], online: first.online };
}

const INFO_USAGE = "edgevault agent info <name> [--json]";

export const agentInfo: Command = {
  path: ["agent", "info"],
  summary: "Show one agent: role, status, vaults, active sessions",
  help: `Usage: ${INFO_USAGE}

Shows an agent's identity (id, SPIFFE ID), company role, status, realm, capabilities, the
vaults it can use with its role in each, and how many vault sessions it has open.

Options:
  --json   Print the edge's answer as JSON

Example:
  edgevault agent info my-agent`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(argv, { json: { type: "boolean" } }, z.object({ json: z.boolean().default(false) }).strict());
    const name = positional(args[0], "name", AgentName);
    noMoreArgs(args, 1, INFO_USAGE);
    const { client } = await requireSession(context);
    const agent = await client.request("GET", agentPath(name), AgentDetails);
    if (flags.json) {
      context.out(JSON.stringify(agent, null, 2));
      return;
    }
    const lines: [string, string][] = [
      ["Name", agent.name],
      ["ID", agent.id],
      ["SPIFFE ID", agent.spiffeId],
      ["Role", agent.role],
      ["Status", agent.status],
      ["Online", `${agent.isOnline ? "yes" : "no"} (last seen ${agent.lastSeen ?? "never"})`],
      ["Realm", agent.realm ? `${agent.realm.name} (${agent.realm.slug})` : "none"],
      ["Capabilities", agent.capabilities.join(", ") || "none"],
      ["Registered", agent.registeredAt],
      ["Active sessions", String(agent.activeSessions)],
      ["Vaults", agent.vaults.length === 0 ? "none" : ""],
    ];
    for (const [label, value] of lines) context.out(`${`${label}:`.padEnd(17)}${value}`.trimEnd());
    if (agent.vaults.length > 0) {
      const width = Math.max(...agent.vaults.map((v) => v.vault.length));
      for (const v of agent.vaults) context.out(`  ${v.vault.padEnd(width)}  ${v.role}`);
    }
  },
};

/** `PATCH /v1/agents/{name}` with one change; returns the updated agent. */
async function updateAgent(context: CommandContext, name: string, change: z.input<typeof UpdateAgentBody>): Promise<Agent> {
  const { client } = await requireSession(context);
  const { agent } = await client.request("PATCH", agentPath(name), AgentUpdated, { body: change });
  return agent;
}

const SET_ROLE_USAGE = "edgevault agent set-role <name> --role owner|member";

export const agentSetRole: Command = {
  path: ["agent", "set-role"],
  summary: "Change an agent's company role (owner or member)",
  help: `Usage: ${SET_ROLE_USAGE}

Changes the agent's company-wide role. Its vault roles are separate: see vault agent set-role.
Company owners only; the change applies to the agent's next request.

Options:
  --role <role>   owner or member (required)

Example:
  edgevault agent set-role my-agent --role owner`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(argv, { role: { type: "string" } }, z.object({ role: z.string(`is required: ${oneOf(COMPANY_ROLES)}`).pipe(AgentRole) }).strict());
    const name = positional(args[0], "name", AgentName);
    noMoreArgs(args, 1, SET_ROLE_USAGE);
    const agent = await updateAgent(context, name, { role: flags.role });
    context.out(`Agent "${agent.name}" is now ${agent.role === "owner" ? "an owner" : "a member"} of the company.`);
  },
};

const RENAME_USAGE = "edgevault agent rename <name> <new-name>";

export const agentRename: Command = {
  path: ["agent", "rename"],
  summary: "Rename an agent (its token, vaults and sessions are kept)",
  help: `Usage: ${RENAME_USAGE}

Renames an agent. Its token, vault grants and sessions are unchanged, but its SPIFFE ID follows
the name, so SVIDs issued under the old name no longer match it. Company owners only.

Example:
  edgevault agent rename my-agent billing-agent`,
  async run(argv, context) {
    const { args } = parseCommandLine(argv, {}, z.object({}).strict());
    const name = positional(args[0], "name", AgentName);
    const newName = positional(args[1], "new-name", AgentName);
    noMoreArgs(args, 2, RENAME_USAGE);
    const agent = await updateAgent(context, name, { name: newName });
    context.out(`Renamed agent "${name}" to "${agent.name}".`);
  },
};

const DELETE_USAGE = "edgevault agent delete <name> [--yes]";

export const agentDelete: Command = {
  path: ["agent", "delete"],
  summary: "Delete an agent with its tokens, sessions and vault grants",
  help: `Usage: ${DELETE_USAGE}

Deletes the agent: its tokens stop working on the next request, its vault sessions are revoked,
its vault grants and pending rotation invites are removed. This cannot be undone. Asks for
confirmation on a terminal; without a terminal (scripts, CI) --yes is required.
Company owners only.

Options:
  --yes   Do not ask for confirmation

Example:
  edgevault agent delete my-agent --yes`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(argv, { yes: { type: "boolean", short: "y" } }, z.object({ yes: z.boolean().default(false) }).strict());
    const name = positional(args[0], "name", AgentName);
    noMoreArgs(args, 1, DELETE_USAGE);
    const { client } = await requireSession(context);
    await confirm(context, {
      yes: flags.yes,
      action: `delete agent "${name}"`,
      // Looked up first so a typo is a "not found" rather than a question about nothing.
      question: async () => {
        const agent = await client.request("GET", agentPath(name), AgentDetails);
        const vaults = agent.vaults.length === 0 ? "no vaults" : `vaults ${agent.vaults.map((v) => v.vault).join(", ")}`;
        return `Delete agent "${agent.name}" (${vaults}; ${agent.activeSessions} active sessions) with its tokens, sessions and grants?`;
      },
    });
    const { deleted } = await client.request("DELETE", agentPath(name), AgentDeleted);
    context.out(`Deleted agent "${deleted}".`);
  },
};

const ROTATE_USAGE = "edgevault agent rotate <name> [--ttl <duration>]";

export const agentRotate: Command = {
  path: ["agent", "rotate"],
  summary: "Issue a rotation invite: prints a prompt; the old token dies when it is redeemed",
  help: `Usage: ${ROTATE_USAGE}

Creates a rotation invite for the agent and prints the prompt to paste into its chat. When the
agent redeems it (one HTTP request), it gets a new token and its old token stops working on the
very next request. Until then the old token keeps working. Company owners only; the agent must
be active.

Options:
  --ttl <duration>   How long the invite stays valid: 1m to 7d, e.g. 15m (default), 2h

Example:
  edgevault agent rotate my-agent --ttl 1h`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(
      argv,
      { ttl: { type: "string" } },
      z.object({ ttl: Ttl(INVITE_MIN_TTL_SECONDS, INVITE_MAX_TTL_SECONDS).optional() }).strict(),
    );
    const name = positional(args[0], "name", AgentName);
    noMoreArgs(args, 1, ROTATE_USAGE);
    const { client } = await requireSession(context);
    const invite = await client.request("POST", `${agentPath(name)}/rotate`, RotationInvite, flags.ttl === undefined ? {} : { body: { ttl_seconds: flags.ttl } satisfies z.input<typeof RotateAgentBody> });
    context.out(invite.prompt);
    context.err("");
    context.err(`Rotation invite for agent "${invite.name}", single use, expires ${invite.expires_at}. The old token works until it is redeemed.`);
    context.err(`Paste the prompt above into the agent's chat. To cancel it: ${revokeCommand(invite.token_suffix)}`);
  },
};

function statusCommand(status: "active" | "disabled"): Command {
  const verb = status === "active" ? "enable" : "disable";
  const usage = `edgevault agent ${verb} <name>`;
  return {
    path: ["agent", verb],
    summary: status === "active" ? "Re-enable a disabled agent" : "Disable an agent: its token is refused until it is enabled again",
    help: `Usage: ${usage}

${
  status === "active"
    ? "Enables a disabled agent again: its existing token works from its next request."
    : "Disables an agent: its token is refused from its next request, but the agent, its token and\nits vault grants are kept, so edgevault agent enable restores it as it was."
} Company owners only.

Example:
  edgevault agent ${verb} my-agent`,
    async run(argv, context) {
      const { args } = parseCommandLine(argv, {}, z.object({}).strict());
      const name = positional(args[0], "name", AgentName);
      noMoreArgs(args, 1, usage);
      const agent = await updateAgent(context, name, { status });
      context.out(`Agent "${agent.name}" is ${agent.status === "active" ? "enabled" : "disabled"}.`);
    },
  };
}

export const agentDisable = statusCommand("disabled");
export const agentEnable = statusCommand("active");
