/**
 * `agent registrations|approve|reject`: deciding on agents that asked to join on their own
 * (POST /v1/companies/{id}/agents/register). The agent collects its token itself with its claim
 * token; nothing here ever sees it.
 */
import { z } from "zod";
import { MAX_REALM_REF_LENGTH } from "../../workers/realms/realms.contract.ts";
import {
  type ApproveRegistrationBody,
  MAX_REJECTION_REASON,
  PendingRegistrations,
  RegistrationApproved,
  RegistrationRejected,
  type RejectRegistrationBody,
} from "../../workers/registrations/registrations.contract.ts";
import { noMoreArgs, parseCommandLine, positional } from "../args.ts";
import type { Command } from "../command.ts";
import { table } from "../format.ts";
import { CapabilityList, RegistrationId } from "../names.ts";
import { requireSession } from "../session.ts";

const registrationPath = (id: string) => `/v1/registrations/${encodeURIComponent(id)}`;

export const agentRegistrations: Command = {
  path: ["agent", "registrations"],
  summary: "List agents waiting for approval, with the capabilities they asked for",
  help: `Usage: edgevault agent registrations [--json]

Lists pending self-registrations, oldest first: agents that asked to join the company and
wait for an owner to approve or reject them. Company owners only.

Options:
  --json   Print the edge's answer: {registrations: [...], availableCapabilities: [...]}

Example:
  edgevault agent registrations`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(argv, { json: { type: "boolean" } }, z.object({ json: z.boolean().default(false) }).strict());
    noMoreArgs(args, 0, "edgevault agent registrations [--json]");
    const { client } = await requireSession(context);
    const pending = await client.request("GET", "/v1/registrations", PendingRegistrations);
    if (flags.json) {
      context.out(JSON.stringify(pending, null, 2));
      return;
    }
    if (pending.registrations.length === 0) {
      context.err("No registrations are waiting for approval.");
      return;
    }
    context.out(
      table(
        ["ID", "NAME", "VERSION", "REQUESTED", "CAPABILITIES"],
        pending.registrations.map((r) => [r.id, r.name, r.version ?? "-", r.requestedAt, r.requestedCapabilities.join(",") || "-"]),
      ),
    );
    context.err(`Available capabilities: ${pending.availableCapabilities.join(", ")}`);
    context.err("Approve with: edgevault agent approve <id> --capabilities a,b   Reject with: edgevault agent reject <id> --reason \"...\"");
  },
};

const APPROVE_USAGE = "edgevault agent approve <registration-id> --capabilities a,b [--realm <realm>]";

export const agentApprove: Command = {
  path: ["agent", "approve"],
  summary: "Approve a registration, granting some or all of the capabilities it asked for",
  help: `Usage: ${APPROVE_USAGE}

Approves a pending registration: the agent is created at once (as a company member) and
collects its token the next time it claims. Grant any subset of what it asked for; granting a
capability it did not ask for is refused. Company owners only.

Options:
  --capabilities <a,b>   Capabilities to grant, comma-separated (required; "" grants none)
  --realm <realm>        Put the agent in this realm (id or slug)

Example:
  edgevault agent approve reg_x3Fk9aQ2b7Lm --capabilities api_call --realm eng`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(
      argv,
      { capabilities: { type: "string" }, realm: { type: "string" } },
      z.object({ capabilities: z.string("is required, e.g. --capabilities api_call,file_access (\"\" grants none)").pipe(CapabilityList), realm: z.string().min(1, "must not be empty").max(MAX_REALM_REF_LENGTH).optional() }).strict(),
    );
    const id = positional(args[0], "registration-id", RegistrationId);
    noMoreArgs(args, 1, APPROVE_USAGE);
    const { client } = await requireSession(context);
    const approved = await client.request("POST", `${registrationPath(id)}/approve`, RegistrationApproved, {
      body: { capabilities: flags.capabilities, ...(flags.realm === undefined ? {} : { realm: flags.realm }) } satisfies z.input<typeof ApproveRegistrationBody>,
    });
    const granted = flags.capabilities.length > 0 ? flags.capabilities.join(", ") : "no capabilities";
    context.out(`Approved agent "${approved.agentId}" with ${granted}${flags.realm ? ` in realm "${flags.realm}"` : ""}.`);
    context.err("The agent collects its token with its claim token; this CLI never sees it.");
  },
};

const REJECT_USAGE = 'edgevault agent reject <registration-id> --reason "..."';

export const agentReject: Command = {
  path: ["agent", "reject"],
  summary: "Reject a registration with a reason the agent will see",
  help: `Usage: ${REJECT_USAGE}

Rejects a pending registration. The agent sees the reason the next time it claims.
Company owners only.

Options:
  --reason <text>   Why, in up to ${MAX_REJECTION_REASON} characters (required)

Example:
  edgevault agent reject reg_x3Fk9aQ2b7Lm --reason "Unknown publisher; register from the CI account"`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(
      argv,
      { reason: { type: "string" } },
      z.object({ reason: z.string('is required, e.g. --reason "Unknown publisher"').trim().min(1, "must not be empty").max(MAX_REJECTION_REASON, `must be at most ${MAX_REJECTION_REASON} characters`) }).strict(),
    );
    const id = positional(args[0], "registration-id", RegistrationId);
    noMoreArgs(args, 1, REJECT_USAGE);
    const { client } = await requireSession(context);
    await client.request("POST", `${registrationPath(id)}/reject`, RegistrationRejected, { body: { reason: flags.reason } satisfies z.input<typeof RejectRegistrationBody> });
    context.out(`Rejected registration ${id}.`);
  },
};
