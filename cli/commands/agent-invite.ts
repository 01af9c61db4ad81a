/**
 * `agent invite`, `agent invite list` and `agent invite revoke` (seed 002). The invite URL is a
 * single-use bearer: it is printed once, inside the paste-able prompt, and never listed again;
 * lists and revocation use the token's last characters only.
 */
import { z } from "zod";
import {
  type CreateInviteBody,
  INVITE_MAX_TTL_SECONDS,
  INVITE_MIN_TTL_SECONDS,
  INVITE_STATUSES,
  InviteList,
  InviteRevoked,
  IssuedInvite,
  MAX_INVITE_VAULTS,
} from "../../workers/invites/invites.contract.ts";
import { noMoreArgs, parseCommandLine, positional } from "../args.ts";
import type { Command } from "../command.ts";
import { Ttl } from "../duration.ts";
import { table } from "../format.ts";
import { AgentName, AgentRole, TokenSuffix, VaultGrant } from "../names.ts";
import { requireSession } from "../session.ts";

/**
 * The command that cancels an invite. Suffixes are base64url and may start with "-", which would
 * read as an option, so those get a `--` first.
 */
export const revokeCommand = (suffix: string) => `edgevault agent invite revoke ${suffix.startsWith("-") ? "-- " : ""}${suffix}`;

const INVITE_USAGE = "edgevault agent invite <name> [--role owner|member] [--vault <vault>[:<role>]]... [--ttl <duration>]";

export const agentInvite: Command = {
  path: ["agent", "invite"],
  summary: "Invite an agent: prints a prompt to paste into its chat (single-use, expiring)",
  help: `Usage: ${INVITE_USAGE}

Creates a single-use invite for a new agent and prints the prompt to paste into the agent's
chat. The agent redeems it with one HTTP request (curl) and receives its own agent token; the
token never passes through this CLI. The prompt holds the invite URL, which works once for
anyone who has it: paste it only where the agent will read it.

Options:
  --role <role>             The agent's company role: member (default) or owner (owners only)
  --vault <vault>[:<role>]  Grant a vault at once; role is proxy (default), member or admin.
                            Repeat for several vaults. You cannot grant more than your own role.
  --ttl <duration>          How long the invite stays valid: 1m to 7d, e.g. 15m (default), 2h, 7d

To invite an agent named "list" or "revoke", put -- before the name: agent invite -- list

Examples:
  edgevault agent invite my-agent --vault payments:proxy
  edgevault agent invite ci-bot --vault payments:member --vault ops --ttl 2h | pbcopy`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(
      argv,
      { role: { type: "string" }, vault: { type: "string", multiple: true }, ttl: { type: "string" } },
      z
        .object({
          role: AgentRole.default("member"),
          vault: z.array(VaultGrant).max(MAX_INVITE_VAULTS, `at most ${MAX_INVITE_VAULTS} vaults`).default([]),
          ttl: Ttl(INVITE_MIN_TTL_SECONDS, INVITE_MAX_TTL_SECONDS).optional(),
        })
        .strict(),
    );
    const name = positional(args[0], "name", AgentName);
    noMoreArgs(args, 1, INVITE_USAGE);
    const vaults = [...new Map(flags.vault.map((grant) => [grant.vault, grant])).values()];
    const { client } = await requireSession(context);
    const invite = await client.request("POST", "/v1/agents/invites", IssuedInvite, {
      body: { name, role: flags.role, vaults, ...(flags.ttl === undefined ? {} : { ttl_seconds: flags.ttl }) } satisfies z.input<typeof CreateInviteBody>,
    });
    // The prompt alone on stdout, so it can be piped to a clipboard; the commentary on stderr.
    context.out(invite.prompt);
    const granted = vaults.length > 0 ? vaults.map((g) => `${g.vault}:${g.role}`).join(", ") : "no vaults yet";
    context.err("");
    context.err(`Invite for agent "${invite.name}" (${flags.role}; ${granted}), single use, expires ${invite.expires_at}.`);
    context.err(`Paste the prompt above into the agent's chat. To cancel it: ${revokeCommand(invite.token_suffix)}`);
  },
};

const LIST_USAGE = "edgevault agent invite list [--status pending|used|expired|revoked|all] [--json]";

export const agentInviteList: Command = {
  path: ["agent", "invite", "list"],
  summary: "List agent and rotation invites (default: pending), by token suffix",
  help: `Usage: ${LIST_USAGE}

Lists invites, newest first: agent invites and rotation invites (from agent rotate). Each is
identified by the last characters of its token (SUFFIX), which is what agent invite revoke
takes; the invite URL itself cannot be shown again.

Options:
  --status <status>   pending (default), used, expired, revoked or all
  --json              Print a JSON array of invites

Examples:
  edgevault agent invite list
  edgevault agent invite list --status all --json | jq -r '.[] | select(.kind == "rotation") | .name'`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(
      argv,
      { status: { type: "string" }, json: { type: "boolean" } },
      z.object({ status: z.enum(INVITE_STATUSES, `must be one of ${INVITE_STATUSES.join(", ")}`).default("pending"), json: z.boolean().default(false) }).strict(),
    );
    noMoreArgs(args, 0, LIST_USAGE);
    const { client } = await requireSession(context);
    const { invites } = await client.request("GET", "/v1/agents/invites", InviteList, { query: { status: flags.status } });
    if (flags.json) {
      context.out(JSON.stringify(invites, null, 2));
      return;
    }
    if (invites.length === 0) {
      context.err(flags.status === "all" ? "No invites yet. Create one: edgevault agent invite <name>" : `No ${flags.status} invites.`);
      return;
    }
    context.out(
      table(
        ["SUFFIX", "NAME", "KIND", "STATUS", "ROLE", "VAULTS", "EXPIRES"],
        invites.map((i) => [i.token_suffix, i.name, i.kind, i.status, i.role, i.vaults.map((g) => `${g.vault}:${g.role}`).join(",") || "-", i.expires_at]),
      ),
    );
  },
};

const REVOKE_USAGE = "edgevault agent invite revoke <token_suffix>";

export const agentInviteRevoke: Command = {
  path: ["agent", "invite", "revoke"],
  summary: "Revoke a pending invite by its token suffix",
  help: `Usage: ${REVOKE_USAGE}

Revokes a pending agent or rotation invite so it can no longer be redeemed. The suffix is the
SUFFIX column of agent invite list (or the end of the invite URL); any unambiguous tail of at
least 4 characters works. A suffix starting with "-" goes after --, so it is not read as an
option. Members may revoke only the invites they created.

Examples:
  edgevault agent invite revoke Xy7_k2Qa
  edgevault agent invite revoke -- -b4Tq9Lz`,
  async run(argv, context) {
    const { args } = parseCommandLine(argv, {}, z.object({}).strict());
    const suffix = positional(args[0], "token_suffix", TokenSuffix);
    noMoreArgs(args, 1, REVOKE_USAGE);
    const { client } = await requireSession(context);
    const revoked = await client.request("DELETE", `/v1/agents/invites/${encodeURIComponent(suffix)}`, InviteRevoked);
    context.out(`Revoked the invite for agent "${revoked.name}" (suffix ${revoked.revoked}).`);
  },
};
