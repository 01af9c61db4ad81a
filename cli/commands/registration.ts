/**
 * `agent registrations|approve|reject`: deciding on agents that asked to join on their own
 * (POST /v1/companies/{id}/agents/register). The agent collects its token itself with its claim
 * token; nothing here ever sees it.
 */
import { z } from "zod";
import { MAX_REALM_REF_LENGTH } from "../../workers/realms/realms.contract.ts";
import { MAX_REJECTION_REASON, PendingRegistrations, RegistrationApproved, RegistrationRejected } from "../../workers/registrations/registrations.contract.ts";
import { createCommand } from "../command/command.ts";
import { JSON_OPTION, printJson, table } from "../format.ts";
import { CapabilityList, RegistrationId } from "../command/names.ts";
import { requireSession } from "../edge/session.ts";

const REGISTRATION = { name: "registration-id", schema: RegistrationId, description: "The registration's id, as agent registrations shows it" } as const;

export const agentRegistrations = createCommand({
  path: ["agent", "registrations"],
  summary: "List agents waiting for approval, with the capabilities they asked for",
  description: `Lists pending self-registrations, oldest first: agents that asked to join the company and
wait for an owner to approve or reject them. Company owners only.`,
  options: { json: { type: "boolean", description: "Print the edge's answer: {registrations: [...], availableCapabilities: [...]}" } },
  examples: ["edgevault agent registrations"],
  async handler({ json }, context) {
    const { client } = await requireSession(context);
    const pending = await client.call("get", "/v1/registrations", PendingRegistrations);
    if (json) {
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
    context.err('Approve with: edgevault agent approve <id> --capabilities a,b   Reject with: edgevault agent reject <id> --reason "..."');
  },
});

export const agentApprove = createCommand({
  path: ["agent", "approve"],
  summary: "Approve a registration, granting some or all of the capabilities it asked for",
  description: `Approves a pending registration: the agent is created at once (as a company member) and
collects its token the next time it claims. Grant any subset of what it asked for; granting a
capability it did not ask for is refused. Company owners only.`,
  positionals: [REGISTRATION],
  options: {
    capabilities: {
      type: "string",
      placeholder: "a,b",
      schema: z.string('is required, e.g. --capabilities api_call,file_access ("" grants none)').pipe(CapabilityList),
      description: 'Capabilities to grant, comma-separated ("" grants none)',
    },
    realm: {
      type: "string",
      schema: z.string().min(1, "must not be empty").max(MAX_REALM_REF_LENGTH).optional(),
      description: "Put the agent in this realm (id or slug)",
    },
    json: JSON_OPTION("the edge's answer"),
  },
  examples: ["edgevault agent approve reg_x3Fk9aQ2b7Lm --capabilities api_call --realm eng"],
  async handler({ "registration-id": id, capabilities, realm, json }, context) {
    const { client } = await requireSession(context);
    const approved = await client.call("post", "/v1/registrations/{id}/approve", RegistrationApproved, {
      params: { id },
      body: { capabilities, ...(realm === undefined ? {} : { realm }) },
    });
    if (json) {
      printJson(context, approved);
      return;
    }
    const granted = capabilities.length > 0 ? capabilities.join(", ") : "no capabilities";
    context.out(`Approved agent "${approved.agentId}" with ${granted}${realm ? ` in realm "${realm}"` : ""}.`);
    context.err("The agent collects its token with its claim token; this CLI never sees it.");
  },
});

export const agentReject = createCommand({
  path: ["agent", "reject"],
  summary: "Reject a registration with a reason the agent will see",
  description: `Rejects a pending registration. The agent sees the reason the next time it claims.
Company owners only.`,
  positionals: [REGISTRATION],
  options: {
    reason: {
      type: "string",
      placeholder: "text",
      schema: z
        .string('is required, e.g. --reason "Unknown publisher"')
        .trim()
        .min(1, "must not be empty")
        .max(MAX_REJECTION_REASON, `must be at most ${MAX_REJECTION_REASON} characters`),
      description: `Why, in up to ${MAX_REJECTION_REASON} characters`,
    },
    json: JSON_OPTION("the edge's answer"),
  },
  examples: ['edgevault agent reject reg_x3Fk9aQ2b7Lm --reason "Unknown publisher; register from the CI account"'],
  async handler({ "registration-id": id, reason, json }, context) {
    const { client } = await requireSession(context);
    const rejected = await client.call("post", "/v1/registrations/{id}/reject", RegistrationRejected, {
      params: { id },
      body: { reason },
    });
    if (json) printJson(context, rejected);
    else context.out(`Rejected registration ${id}.`);
  },
});
