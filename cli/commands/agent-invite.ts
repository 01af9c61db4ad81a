/**
 * `agent invite`, `agent invite list` and `agent invite revoke` (seed 002). The invite URL is a
 * single-use bearer: it is printed once, inside the paste-able prompt, and never listed again;
 * lists and revocation use the token's last characters only.
 */
import { z } from "zod";
import {
  INVITE_MAX_TTL_SECONDS,
  INVITE_MIN_TTL_SECONDS,
  INVITE_STATUSES,
  InviteList,
  InviteRevoked,
  INVITE_DEFAULT_TTL_SECONDS,
  IssuedInvite,
  MAX_INVITE_VAULTS,
} from "../../workers/invites/invites.contract.ts";
import { createCommand } from "../command/command.ts";
import { formatDuration, Ttl } from "../duration.ts";
import { JSON_OPTION, printJson, table } from "../format.ts";
import { COMPANY_ROLES } from "../../workers/companies/companies.contract.ts";
import { VAULT_ROLES } from "../../workers/vaults/vaults.contract.ts";
import { AgentName, AgentRole, oneOf, TokenSuffix, VaultGrant } from "../command/names.ts";
import { requireSession } from "../edge/session.ts";

/**
 * The command that cancels an invite. Suffixes are base64url and may start with "-", which would
 * read as an option, so those get a `--` first.
 */
export const revokeCommand = (suffix: string) => `edgevault agent invite revoke ${suffix.startsWith("-") ? "-- " : ""}${suffix}`;

export const agentInvite = createCommand({
  path: ["agent", "invite"],
  summary: "Invite an agent: prints a prompt to paste into its chat (single-use, expiring)",
  description: `Creates a single-use invite for a new agent and prints the prompt to paste into the agent's
chat. The agent redeems it with one HTTP request (curl) and receives its own agent token; the
token never passes through this CLI. The prompt holds the invite URL, which works once for
anyone who has it: paste it only where the agent will read it.

To invite an agent named "list" or "revoke", put -- before the name: agent invite -- list`,
  positionals: [{ name: "name", schema: AgentName, description: "The new agent's name" }],
  options: {
    role: {
      type: "string",
      schema: AgentRole,
      default: "member",
      description: `The agent's company role: ${oneOf(COMPANY_ROLES)}; only owners can invite owners`,
    },
    vault: {
      type: "string",
      multiple: true,
      placeholder: "vault[:role]",
      schema: z.array(VaultGrant).max(MAX_INVITE_VAULTS, `at most ${MAX_INVITE_VAULTS} vaults`),
      description: `Grant a vault at once; the role is ${oneOf(VAULT_ROLES)} (default proxy). You cannot grant more than your own role.`,
    },
    ttl: {
      type: "string",
      placeholder: "duration",
      schema: Ttl(INVITE_MIN_TTL_SECONDS, INVITE_MAX_TTL_SECONDS).optional(),
      description: `How long the invite stays valid: 1m to 7d, e.g. 2h, 7d (default ${formatDuration(INVITE_DEFAULT_TTL_SECONDS)})`,
    },
    json: JSON_OPTION("the edge's answer", "the prompt, the single-use invite URL inside it, and the invite's details"),
  },
  examples: ["edgevault agent invite my-agent --vault payments:proxy", "edgevault agent invite ci-bot --vault payments:member --vault ops --ttl 2h | pbcopy"],
  async handler(args, context) {
    const vaults = [...new Map(args.vault.map((grant) => [grant.vault, grant])).values()];
    const { client } = await requireSession(context);
    const invite = await client.call("post", "/v1/agents/invites", IssuedInvite, {
      body: { name: args.name, role: args.role, vaults, ...(args.ttl === undefined ? {} : { ttl_seconds: args.ttl }) },
    });
    if (args.json) {
      printJson(context, invite);
      return;
    }
    // The prompt alone on stdout, so it can be piped to a clipboard; the commentary on stderr.
    context.out(invite.prompt);
    const granted = vaults.length > 0 ? vaults.map((g) => `${g.vault}:${g.role}`).join(", ") : "no vaults yet";
    context.err("");
    context.err(`Invite for agent "${invite.name}" (${args.role}; ${granted}), single use, expires ${invite.expires_at}.`);
    context.err(`Paste the prompt above into the agent's chat. To cancel it: ${revokeCommand(invite.token_suffix)}`);
  },
});

export const agentInviteList = createCommand({
  path: ["agent", "invite", "list"],
  summary: "List agent and rotation invites (default: pending), by token suffix",
  description: `Lists invites, newest first: agent invites and rotation invites (from agent rotate). Each is
identified by the last characters of its token (SUFFIX), which is what agent invite revoke
takes; the invite URL itself cannot be shown again.`,
  options: {
    status: {
      type: "string",
      schema: z.enum(INVITE_STATUSES, `must be one of ${INVITE_STATUSES.join(", ")}`),
      default: "pending",
      description: `Only invites with this status: ${oneOf(INVITE_STATUSES)}`,
    },
    json: { type: "boolean", description: "Print a JSON array of invites" },
  },
  examples: ["edgevault agent invite list", "edgevault agent invite list --status all --json | jq -r '.[] | select(.kind == \"rotation\") | .name'"],
  async handler({ status, json }, context) {
    const { client } = await requireSession(context);
    const { invites } = await client.call("get", "/v1/agents/invites", InviteList, { query: { status } });
    if (json) {
      context.out(JSON.stringify(invites, null, 2));
      return;
    }
    if (invites.length === 0) {
      context.err(status === "all" ? "No invites yet. Create one: edgevault agent invite <name>" : `No ${status} invites.`);
      return;
    }
    context.out(
      table(
        ["SUFFIX", "NAME", "KIND", "STATUS", "ROLE", "VAULTS", "EXPIRES"],
        invites.map((i) => [i.token_suffix, i.name, i.kind, i.status, i.role, i.vaults.map((g) => `${g.vault}:${g.role}`).join(",") || "-", i.expires_at]),
      ),
    );
  },
});

export const agentInviteRevoke = createCommand({
  path: ["agent", "invite", "revoke"],
  summary: "Revoke a pending invite by its token suffix",
  description: `Revokes a pending agent or rotation invite so it can no longer be redeemed. The suffix is the
SUFFIX column of agent invite list (or the end of the invite URL); any unambiguous tail of at
least 4 characters works. A suffix starting with "-" is taken as it is (as Agent Vault's scripts
write it); one starting with "--" goes after --. Members may revoke only the invites they created.`,
  positionals: [{ name: "token_suffix", schema: TokenSuffix, description: "The last characters of the invite's token", mayStartWithDash: true }],
  options: { json: JSON_OPTION("the edge's answer") },
  examples: ["edgevault agent invite revoke Xy7_k2Qa", "edgevault agent invite revoke -b4Tq9Lz"],
  async handler({ token_suffix: suffix, json }, context) {
    const { client } = await requireSession(context);
    const revoked = await client.call("delete", "/v1/agents/invites/{suffix}", InviteRevoked, { params: { suffix } });
    if (json) printJson(context, revoked);
    else context.out(`Revoked the invite for agent "${revoked.name}" (suffix ${revoked.revoked}).`);
  },
});
