/**
 * `request list|approve|reject|releases|revoke`: the person's side of per-request approval. A
 * call to a service with `require_approval` waits at the edge (the agent's curl simply waits)
 * until a vault admin approves it here, in the console, or by its `review_url`; `--for` also lets
 * the same agent's same call through for a while (a time-boxed approval, which `releases` lists
 * and `revoke` ends). The path is the agent's text: printed through terminal-text.ts.
 */
import { z } from "zod";
import { principalText } from "../../workers/proposals/proposals.contract.ts";
import {
  HELD_REQUEST_STATUSES,
  HeldRequestList,
  type HeldRequestView,
  MAX_HELD_REQUEST_ID_LENGTH,
  MAX_HELD_REQUEST_LIST_LIMIT,
  MAX_REJECTION_REASON,
  MAX_RELEASE_SECONDS,
  OneHeldRequest,
  RequestReleaseList,
  RequestReleaseRevoked,
} from "../../workers/requests/requests.contract.ts";
import { isApiError } from "../edge/api-client.ts";
import { CliError } from "../cli-error.ts";
import { type CommandContext, createCommand } from "../command/command.ts";
import { listedId, PageLimit } from "../command/names.ts";
import { formatDuration, Ttl } from "../duration.ts";
import { requireSession } from "../edge/session.ts";
import { JSON_OPTION, printJson, table } from "../format.ts";
import { oneLine } from "../terminal-text.ts";
import { resolveVault, VAULT_OPTION } from "../vault-option.ts";

const RequestId = listedId(1, MAX_HELD_REQUEST_ID_LENGTH, "must be a request id as shown by `edgevault request list` (e.g. hrq_4f1c9a07b2e8d35c61)");
const ReleaseId = listedId(1, MAX_HELD_REQUEST_ID_LENGTH, "must be an id as shown by `edgevault request releases` (e.g. rrl_4f1c9a07b2e8d35c61)");
const REQUEST = { name: "id", schema: RequestId, description: "The held request's id, as request list shows it" } as const;

/** `POST api.example.com/v1/deploy`: the call in one line, the agent's path made safe. */
const callText = (r: Pick<HeldRequestView, "method" | "host" | "path">) => `${r.method} ${r.host}${oneLine(r.path, 80)}`;

/** Deciding is for a signed-in person: say how to become one, not only that a key cannot. */
async function asPerson<T>(context: CommandContext, request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (!isApiError(error, "human_required")) throw error;
    const fromEnv = context.env.EDGEVAULT_API_KEY ? " and unset EDGEVAULT_API_KEY, which takes precedence over the saved login" : "";
    throw new CliError(
      `Only a signed-in person decides held requests, not an API key, agent or session (human_required, HTTP 403). Log in as yourself with \`edgevault login --email you@example.com\`${fromEnv}, then run this again.`,
      undefined,
      { code: "human_required" },
    );
  }
}

export const requestList = createCommand({
  path: ["request", "list"],
  summary: "List calls held for a person in a vault, newest first",
  description: `Lists the calls agents made to services that require approval: what each asks (method, host and
path; the edge never records the query, headers or body), who asks, its status and until when a
pending one waits. Vault admins.`,
  options: {
    vault: VAULT_OPTION,
    status: {
      type: "string",
      schema: z.enum(HELD_REQUEST_STATUSES, `must be one of ${HELD_REQUEST_STATUSES.join(", ")}`).optional(),
      description: `Only requests with this status: ${HELD_REQUEST_STATUSES.join(", ")}`,
    },
    limit: {
      type: "string",
      placeholder: "n",
      schema: PageLimit(MAX_HELD_REQUEST_LIST_LIMIT),
      default: "50",
      description: `At most this many, 1 to ${MAX_HELD_REQUEST_LIST_LIMIT}`,
    },
    json: { type: "boolean", description: "Print a JSON array of requests (the edge's fields)" },
  },
  examples: ["edgevault request list --vault deploys --status pending", "edgevault request list --json | jq -r '.[] | select(.status == \"pending\") | .id'"],
  async handler({ vault: flag, status, limit, json }, context) {
    const vault = await resolveVault(context, flag);
    const { client } = await requireSession(context);
    const { requests } = await client.call("get", "/v1/vaults/{vault}/requests", HeldRequestList, { params: { vault }, query: { status, limit } });
    if (json) {
      context.out(JSON.stringify(requests, null, 2));
      return;
    }
    if (requests.length === 0) {
      context.err(status ? `No ${status} requests in vault "${vault}".` : `No held requests in vault "${vault}" yet.`);
      return;
    }
    context.out(
      table(
        ["ID", "STATUS", "CALL", "SERVICE", "ASKED BY", "ASKED", "WAITS UNTIL"],
        requests.map((r) => [
          r.id,
          r.status === "expired" && r.expired_reason ? `expired (${r.expired_reason})` : r.status,
          callText(r),
          r.service,
          oneLine(principalText(r.requested_by), 50),
          r.created_at,
          r.status === "pending" ? r.expires_at : "-",
        ]),
      ),
    );
    if (requests.some((r) => r.status === "pending"))
      context.err("Approve with: edgevault request approve <id> [--for 10m]   Reject with: edgevault request reject <id>");
  },
});

export const requestApprove = createCommand({
  path: ["request", "approve"],
  summary: "Approve a held call: it goes on to the upstream now (--for: the same call passes for a while)",
  description: `Approves a call waiting for a person: the edge forwards it with the service's credential, and the
agent's request, still waiting, gets the upstream's answer. With --for, the same agent's later
calls with the same method, host and path pass without asking for that long (at most 1h;
request releases lists them, request revoke ends one). A signed-in vault admin, never for a call
they (or a session they minted) made.`,
  positionals: [REQUEST],
  options: {
    for: {
      type: "string",
      placeholder: "duration",
      schema: Ttl(1, MAX_RELEASE_SECONDS).optional(),
      description: "Also let the same call through for this long, such as 10m (at most 1h)",
    },
    json: JSON_OPTION("the request as decided"),
  },
  examples: ["edgevault request approve hrq_4f1c9a07b2e8d35c61", "edgevault request approve hrq_4f1c9a07b2e8d35c61 --for 10m"],
  async handler({ id, for: forSeconds, json }, context) {
    const { client } = await requireSession(context);
    const body = forSeconds === undefined ? {} : { for_seconds: forSeconds };
    const { request } = await asPerson(context, client.call("post", "/v1/requests/{id}/approve", OneHeldRequest, { params: { id }, body }));
    if (json) {
      printJson(context, request);
      return;
    }
    const box = request.released_for_seconds ? `; the same call passes without asking for ${formatDuration(request.released_for_seconds)}` : "";
    context.out(`Approved ${request.id} (${callText(request)}): it goes on to the upstream now${box}.`);
  },
});

export const requestReject = createCommand({
  path: ["request", "reject"],
  summary: "Reject a held call: the agent hears 403 request_rejected, with the reason",
  description: `Rejects a call waiting for a person: nothing is forwarded, and the agent's request answers 403
request_rejected with the reason. A signed-in vault admin, never for a call they (or a session
they minted) made.`,
  positionals: [REQUEST],
  options: {
    reason: {
      type: "string",
      placeholder: "text",
      schema: z.string().max(MAX_REJECTION_REASON, `must be at most ${MAX_REJECTION_REASON} characters`).optional(),
      description: "Why (the agent sees it)",
    },
    json: JSON_OPTION("the request as decided"),
  },
  examples: ['edgevault request reject hrq_4f1c9a07b2e8d35c61 --reason "not during the freeze"'],
  async handler({ id, reason, json }, context) {
    const { client } = await requireSession(context);
    const body = reason === undefined ? {} : { reason };
    const { request } = await asPerson(context, client.call("post", "/v1/requests/{id}/reject", OneHeldRequest, { params: { id }, body }));
    if (json) printJson(context, request);
    else context.out(`Rejected ${request.id} (${callText(request)}): the agent has been told.`);
  },
});

export const requestReleases = createCommand({
  path: ["request", "releases"],
  summary: "List a vault's time-boxed approvals: calls that pass without a person until a time",
  description: `Lists the time-boxed approvals still running in the vault (request approve --for): whose calls
with which method, host and path pass without asking, who approved them, and until when. Vault
admins.`,
  options: { vault: VAULT_OPTION, json: { type: "boolean", description: "Print a JSON array (the edge's fields)" } },
  examples: ["edgevault request releases --vault deploys"],
  async handler({ vault: flag, json }, context) {
    const vault = await resolveVault(context, flag);
    const { client } = await requireSession(context);
    const { releases } = await client.call("get", "/v1/vaults/{vault}/request-releases", RequestReleaseList, { params: { vault } });
    if (json) {
      context.out(JSON.stringify(releases, null, 2));
      return;
    }
    if (releases.length === 0) {
      context.err(`No time-boxed approvals running in vault "${vault}".`);
      return;
    }
    context.out(
      table(
        ["ID", "CALL", "AGENT", "APPROVED BY", "UNTIL"],
        releases.map((r) => [r.id, callText(r), oneLine(principalText(r.agent), 40), oneLine(principalText(r.approved_by), 40), r.expires_at]),
      ),
    );
  },
});

export const requestRevoke = createCommand({
  path: ["request", "revoke"],
  summary: "End a time-boxed approval: those calls wait for a person again",
  description: "Ends a time-boxed approval now: from the next call, the agent's calls it covered wait for a person again. Vault admins.",
  positionals: [{ name: "id", schema: ReleaseId, description: "The time-boxed approval's id, as request releases shows it" }],
  options: { vault: VAULT_OPTION, json: JSON_OPTION("the edge's answer", "{revoked: <id>}") },
  examples: ["edgevault request revoke rrl_4f1c9a07b2e8d35c61 --vault deploys"],
  async handler({ id, vault: flag, json }, context) {
    const vault = await resolveVault(context, flag);
    const { client } = await requireSession(context);
    const answer = await client.call("delete", "/v1/vaults/{vault}/request-releases/{id}", RequestReleaseRevoked, { params: { vault, id } });
    if (json) printJson(context, answer);
    else context.out(`Revoked ${answer.revoked}: those calls wait for a person again.`);
  },
});
