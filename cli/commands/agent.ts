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
} from "../../workers/agents/agents.contract.ts";
import { COMPANY_ROLES } from "../../workers/companies/companies.contract.ts";
import { INVITE_DEFAULT_TTL_SECONDS, INVITE_MAX_TTL_SECONDS, INVITE_MIN_TTL_SECONDS, RotationInvite } from "../../workers/invites/invites.contract.ts";
import { MAX_REALM_REF_LENGTH } from "../../workers/realms/realms.contract.ts";
import type { ApiClient } from "../edge/api-client.ts";
import { type Command, type CommandContext, createCommand } from "../command/command.ts";
import type { EdgeBody, EdgeQuery } from "../edge/edge-api.ts";
import { confirm } from "../confirm.ts";
import { asAgentVault } from "../program-env.ts";
import { formatDuration, Ttl } from "../duration.ts";
import { JSON_OPTION, printJson, table } from "../format.ts";
import { AgentName, AgentRole, CapabilityList, oneOf } from "../command/names.ts";
import { requireSession } from "../edge/session.ts";
import { revokeCommand } from "./agent-invite.ts";

type Agent = z.output<typeof AgentUpdated>["agent"];

const AGENT = { name: "name", schema: AgentName, description: "The agent's name" } as const;

export const agentList = createCommand({
  path: ["agent", "list"],
  summary: "List the company's agents, with role, status, realm and whether they are online",
  description: `Lists every agent of the company matching the filters, sorted by name (all pages are fetched).
An agent is online while it holds its channel (a WebSocket, GET /v1/agents/channel) open.`,
  options: {
    status: {
      type: "string",
      schema: z.enum(AGENT_STATUSES, `must be one of ${AGENT_STATUSES.join(", ")}`).optional(),
      description: `Only agents with this status: ${oneOf(AGENT_STATUSES)}`,
    },
    realm: {
      type: "string",
      schema: z.string().min(1, "must not be empty").max(MAX_REALM_REF_LENGTH).optional(),
      description: "Only agents in this realm (id or slug)",
    },
    online: { type: "boolean", description: "Only agents online now" },
    q: {
      type: "string",
      placeholder: "text",
      schema: z.string().max(MAX_AGENT_QUERY_LENGTH, `must be at most ${MAX_AGENT_QUERY_LENGTH} characters`).optional(),
      description: "Only names containing this text (case-insensitive)",
    },
    capabilities: { type: "string", placeholder: "a,b", schema: CapabilityList.optional(), description: "Only agents holding all of these capabilities" },
    json: { type: "boolean", description: "Print a JSON array of agents (the edge's fields)" },
  },
  examples: ["edgevault agent list", "edgevault agent list --online --realm eng --json | jq -r '.[].name'"],
  async handler(args, context) {
    const { client } = await requireSession(context);
    const query = {
      status: args.status,
      realm: args.realm,
      online: args.online ? ("true" as const) : undefined,
      q: args.q,
      capabilities: args.capabilities?.length ? args.capabilities.join(",") : undefined,
    };
    const { agents, online } = await fetchAllAgents(client, query);
    if (args.json) {
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
});

/**
 * Every page of `GET /v1/agents`. The page count is taken from the first answer so the loop is
 * bounded even if agents are added meanwhile; an agent that moves between pages during the walk
 * is listed once.
 */
async function fetchAllAgents(client: ApiClient, query: EdgeQuery<"/v1/agents", "get">) {
  const first = await client.call("get", "/v1/agents", AgentPage, { query: { ...query, page: 1, pageSize: MAX_PAGE_SIZE } });
  const agents = new Map(first.agents.map((a) => [a.id, a]));
  for (let page = 2; page <= first.totalPages; page += 1) {
    const next = await client.call("get", "/v1/agents", AgentPage, { query: { ...query, page, pageSize: MAX_PAGE_SIZE } });
    for (const agent of next.agents) agents.set(agent.id, agent);
  }
  return { agents: [...agents.values()], online: first.online };
}

export const agentInfo = createCommand({
  path: ["agent", "info"],
  summary: "Show one agent: role, status, vaults, active sessions",
  description: `Shows an agent's identity (id, SPIFFE ID), company role, status, realm, capabilities, the
vaults it can use with its role in each, and how many vault sessions it has open.`,
  positionals: [AGENT],
  options: { json: { type: "boolean", description: "Print the edge's answer as JSON" } },
  examples: ["edgevault agent info my-agent"],
  async handler({ name, json }, context) {
    const { client } = await requireSession(context);
    const agent = await client.call("get", "/v1/agents/{agentId}", AgentDetails, { params: { agentId: name } });
    if (json) {
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
      ["Passport scopes", agent.passportScopes.join(" ") || "none"],
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
});

/** `PATCH /v1/agents/{name}` with one change; returns the updated agent. */
async function updateAgent(context: CommandContext, name: string, change: EdgeBody<"/v1/agents/{agentId}", "patch">): Promise<Agent> {
  const { client } = await requireSession(context);
  const { agent } = await client.call("patch", "/v1/agents/{agentId}", AgentUpdated, { params: { agentId: name }, body: change });
  return agent;
}

export const agentSetRole = createCommand({
  path: ["agent", "set-role"],
  summary: "Change an agent's company role (owner or member)",
  description: `Changes the agent's company-wide role. Its vault roles are separate: see vault agent set-role.
Company owners only; the change applies to the agent's next request.`,
  positionals: [AGENT],
  options: {
    role: {
      type: "string",
      schema: z.string(`is required: ${oneOf(COMPANY_ROLES)}`).pipe(AgentRole),
      description: `The company role: ${oneOf(COMPANY_ROLES)}`,
    },
    json: JSON_OPTION("the updated agent (the edge's fields)"),
  },
  examples: ["edgevault agent set-role my-agent --role owner"],
  async handler({ name, role, json }, context) {
    const agent = await updateAgent(context, name, { role });
    if (json) printJson(context, agent);
    else context.out(`Agent "${agent.name}" is now ${agent.role === "owner" ? "an owner" : "a member"} of the company.`);
  },
});

export const agentRename = createCommand({
  path: ["agent", "rename"],
  summary: "Rename an agent (its token, vaults and sessions are kept)",
  description: `Renames an agent. Its token, vault grants and sessions are unchanged, but its SPIFFE ID follows
the name, so SVIDs issued under the old name no longer match it. Company owners only.`,
  positionals: [AGENT, { name: "new-name", schema: AgentName, description: "The agent's new name" }],
  options: { json: JSON_OPTION("the renamed agent (the edge's fields)") },
  examples: ["edgevault agent rename my-agent billing-agent"],
  async handler({ name, "new-name": newName, json }, context) {
    const agent = await updateAgent(context, name, { name: newName });
    if (json) printJson(context, agent);
    else context.out(`Renamed agent "${name}" to "${agent.name}".`);
  },
});

export const agentDelete = createCommand({
  path: ["agent", "delete"],
  summary: "Delete an agent with its tokens, sessions and vault grants",
  description: `Deletes the agent: its tokens stop working on the next request, its vault sessions are revoked,
its vault grants and pending rotation invites are removed. This cannot be undone. Asks for
confirmation on a terminal; without a terminal (scripts, CI) --yes is required, except when
started as agent-vault: Agent Vault's own \`agent delete\` asks nothing, and its scripts run
unchanged. Company owners only.`,
  positionals: [AGENT],
  options: { yes: { type: "boolean", short: "y", description: "Do not ask for confirmation" }, json: JSON_OPTION("the edge's answer", "{deleted: <name>}") },
  examples: ["edgevault agent delete my-agent --yes"],
  async handler({ name, yes, json }, context) {
    const { client } = await requireSession(context);
    await confirm(context, {
      // Scripts written for Agent Vault (seed 002) call `agent-vault agent delete <name>` bare.
      yes: yes || (asAgentVault(context) && !context.stdin.isTTY),
      action: `delete agent "${name}"`,
      // Looked up first so a typo is a "not found" rather than a question about nothing.
      question: async () => {
        const agent = await client.call("get", "/v1/agents/{agentId}", AgentDetails, { params: { agentId: name } });
        const vaults = agent.vaults.length === 0 ? "no vaults" : `vaults ${agent.vaults.map((v) => v.vault).join(", ")}`;
        return `Delete agent "${agent.name}" (${vaults}; ${agent.activeSessions} active sessions) with its tokens, sessions and grants?`;
      },
    });
    const answer = await client.call("delete", "/v1/agents/{agentId}", AgentDeleted, { params: { agentId: name } });
    if (json) printJson(context, answer);
    else context.out(`Deleted agent "${answer.deleted}".`);
  },
});

export const agentRotate = createCommand({
  path: ["agent", "rotate"],
  summary: "Issue a rotation invite: prints a prompt; the old token dies when it is redeemed",
  description: `Creates a rotation invite for the agent and prints the prompt to paste into its chat. When the
agent redeems it (one HTTP request), it gets a new token and its old token stops working on the
very next request. Until then the old token keeps working. Company owners only; the agent must
be active.`,
  positionals: [AGENT],
  options: {
    ttl: {
      type: "string",
      placeholder: "duration",
      schema: Ttl(INVITE_MIN_TTL_SECONDS, INVITE_MAX_TTL_SECONDS).optional(),
      description: `How long the invite stays valid: 1m to 7d, e.g. 2h (default ${formatDuration(INVITE_DEFAULT_TTL_SECONDS)})`,
    },
    json: JSON_OPTION("the edge's answer", "the prompt, the single-use rotation URL inside it, and the invite's details"),
  },
  examples: ["edgevault agent rotate my-agent --ttl 1h"],
  async handler({ name, ttl, json }, context) {
    const { client } = await requireSession(context);
    const invite = await client.call("post", "/v1/agents/{agentId}/rotate", RotationInvite, {
      params: { agentId: name },
      ...(ttl === undefined ? {} : { body: { ttl_seconds: ttl } }),
    });
    if (json) {
      printJson(context, invite);
      return;
    }
    context.out(invite.prompt);
    context.err("");
    context.err(`Rotation invite for agent "${invite.name}", single use, expires ${invite.expires_at}. The old token works until it is redeemed.`);
    context.err(`Paste the prompt above into the agent's chat. To cancel it: ${revokeCommand(invite.token_suffix)}`);
  },
});

function statusCommand(status: "active" | "disabled"): Command {
  const verb = status === "active" ? "enable" : "disable";
  return createCommand({
    path: ["agent", verb],
    summary: status === "active" ? "Re-enable a disabled agent" : "Disable an agent: its token is refused until it is enabled again",
    description: `${
      status === "active"
        ? "Enables a disabled agent again: its existing token works from its next request."
        : "Disables an agent: its token is refused from its next request, but the agent, its token and\nits vault grants are kept, so edgevault agent enable restores it as it was."
    } Company owners only.`,
    positionals: [AGENT],
    options: { json: JSON_OPTION("the agent (the edge's fields)") },
    examples: [`edgevault agent ${verb} my-agent`],
    async handler({ name, json }, context) {
      const agent = await updateAgent(context, name, { status });
      if (json) printJson(context, agent);
      else context.out(`Agent "${agent.name}" is ${agent.status === "active" ? "enabled" : "disabled"}.`);
    },
  });
}

export const agentDisable = statusCommand("disabled");
export const agentEnable = statusCommand("active");
