/**
 * `proposal list|show|approve|reject|wait`: the human side of proposals (protocol.md §1). An
 * agent asks for services and credential slots; a signed-in person reviews and decides here.
 * Credential values typed at approval go to the edge and nowhere else: not argv, not output.
 * Everything the agent wrote is printed through terminal-text.ts.
 */
import { z } from "zod";
import {
  MAX_PROPOSAL_ID_LENGTH,
  MAX_PROPOSAL_LIST_LIMIT,
  MAX_PROPOSAL_MESSAGE,
  MAX_WAIT_SECONDS,
  PROPOSAL_STATUSES,
  PROPOSAL_TTL_MS,
  ProposalDetails,
  principalText,
  ProposalDetailsList,
} from "../../workers/proposals/proposals.contract.ts";
import { describeProposal, destinationLines, needsValue, type Proposal, slotAnnouncement } from "../proposal-text.ts";
import { WhoAmI } from "../../workers/sign-in/sign-in.contract.ts";
import { isApiError, type ApiClient, type ApiError } from "../edge/api-client.ts";
import { CliError, EXIT } from "../cli-error.ts";
import { type CommandContext, createCommand, type OptionSpec } from "../command/command.ts";
import { formatDuration, Ttl } from "../duration.ts";
import { JSON_OPTION, printJson, table } from "../format.ts";
import { listedId, PageLimit, VaultName } from "../command/names.ts";
import { requireSession } from "../edge/session.ts";
import { readSlotValues } from "../slot-values.ts";
import { indented, oneLine, safeText } from "../terminal-text.ts";
import { resolveVault, VAULT_OPTION } from "../vault-option.ts";

/** `--status` of proposal list: a status, or all of them (as `agent invite list --status all`). */
const LIST_STATUSES = [...PROPOSAL_STATUSES, "all"] as const;

const ProposalId = listedId(1, MAX_PROPOSAL_ID_LENGTH, "must be a proposal id as shown by `edgevault proposal list` (e.g. prp_4f1c9a07b2e8d35c61)");

const PROPOSAL = { name: "id", schema: ProposalId, description: "The proposal's id, as proposal list shows it" } as const;

/**
 * `--vault` of approve and reject: not where to act (the id says that) but a guard against a
 * wrong id, so it never falls back to EDGEVAULT_VAULT or the default vault.
 */
const GUARD_VAULT_OPTION = {
  type: "string",
  placeholder: "name",
  schema: VaultName.optional(),
  description: "Refuse unless the proposal belongs to this vault (a guard against a wrong id)",
} as const satisfies OptionSpec;

const ReviewText = z.string().max(MAX_PROPOSAL_MESSAGE, `must be at most ${MAX_PROPOSAL_MESSAGE} characters`);

/**
 * The 403 `human_required` answer, or the same refusal found out before any secret is read: say
 * what to do instead of only what went wrong.
 */
function humanRequired(context: CommandContext, what: string, cause?: ApiError): CliError {
  const fromEnv = context.env.EDGEVAULT_API_KEY ? " and unset EDGEVAULT_API_KEY, which takes precedence over the saved login" : "";
  const code = cause ? ` (${cause.code}, HTTP ${cause.status})` : "";
  return new CliError(
    `Only a signed-in person can ${what}, not an API key, agent or session${code}. Log in as yourself with \`edgevault login --email you@example.com\`${fromEnv}, then run this again.`,
    undefined,
    { code: "human_required" },
  );
}

async function rethrowHumanRequired<T>(context: CommandContext, what: string, request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (isApiError(error, "human_required")) throw humanRequired(context, what, error);
    throw error;
  }
}

/** 409 `proposal_changed`: the destinations shown before the values were typed are no longer the vault's. */
async function rethrowChanged<T>(id: string, request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (isApiError(error, "proposal_changed"))
      throw new CliError(
        `Where proposal ${id}'s values would be sent changed since it was read; nothing was decided. Review it again with: edgevault proposal show ${id}`,
        undefined,
        { code: "proposal_changed" },
      );
    throw error;
  }
}

export const proposalList = createCommand({
  path: ["proposal", "list"],
  summary: "List a vault's proposals, newest first",
  description: `Lists the proposals agents raised in the vault, newest first: the services and credential slots
each asks for, and its status. Members and admins see every proposal; a proxy-role caller only
its own.`,
  options: {
    vault: VAULT_OPTION,
    status: {
      type: "string",
      schema: z.enum(LIST_STATUSES, `must be one of ${LIST_STATUSES.join(", ")}`).optional(),
      description: `Only proposals with this status: ${PROPOSAL_STATUSES.join(", ")}, or all (the same as leaving it out)`,
    },
    limit: {
      type: "string",
      placeholder: "n",
      schema: PageLimit(MAX_PROPOSAL_LIST_LIMIT),
      default: "50",
      description: `At most this many, 1 to ${MAX_PROPOSAL_LIST_LIMIT}`,
    },
    json: { type: "boolean", description: "Print a JSON array of proposals (the edge's fields)" },
  },
  examples: [
    "edgevault proposal list --vault payments --status pending",
    "edgevault proposal list --vault payments --json | jq -r '.[] | select(.status == \"pending\") | .id'",
  ],
  async handler({ vault: flag, status: asked, limit, json }, context) {
    const vault = await resolveVault(context, flag);
    const { client } = await requireSession(context);
    const status = asked === "all" ? undefined : asked;
    const { proposals } = await client.call("get", "/v1/proposals", ProposalDetailsList, {
      query: { vault, status, limit },
    });
    if (json) {
      context.out(JSON.stringify(proposals, null, 2));
      return;
    }
    if (proposals.length === 0) {
      context.err(status ? `No ${status} proposals in vault "${vault}".` : `No proposals in vault "${vault}" yet.`);
      return;
    }
    const names = (items: { action: string; name?: string; key?: string }[]) =>
      items.map((i) => `${i.action === "delete" ? "-" : ""}${i.name ?? i.key ?? ""}`).join(",") || "-";
    context.out(
      table(
        ["ID", "STATUS", "RAISED BY", "SERVICES", "CREDENTIALS", "CREATED", "MESSAGE"],
        proposals.map((p) => [
          p.id,
          p.status,
          oneLine(principalText(p.raised_by), 60),
          oneLine(names(p.services), 40),
          oneLine(names(p.credentials), 40),
          p.created_at,
          p.message ? oneLine(p.message, 50) : "-",
        ]),
      ),
    );
    const pending = proposals.filter((p) => p.status === "pending").length;
    if (pending > 0) context.err(`${pending} pending. Review one with: edgevault proposal show <id>`);
  },
});

export const proposalShow = createCommand({
  path: ["proposal", "show"],
  summary: "Show one proposal: who raised it, its services, credential slots and message",
  description: `Shows who raised the proposal (an agent by name, a person by e-mail, an API key by label; through
a session, its minter first and the session's label quoted) and what it would change: each
service with its host and auth type, each credential slot with where its value would be sent
(every service that sends the key once approved, and who chose that host: lines starting with
"!" were chosen by an agent), the agent's description, where to obtain it and how, whether the
agent supplied the value itself, and the agent's message. Values are never shown (the edge never
returns them). Text the agent wrote is printed with control characters made visible.`,
  positionals: [PROPOSAL],
  options: { json: { type: "boolean", description: "Print the edge's answer as JSON" } },
  examples: ["edgevault proposal show prp_4f1c9a07b2e8d35c61"],
  async handler({ id, json }, context) {
    const { client } = await requireSession(context);
    const proposal = await client.call("get", "/v1/proposals/{id}", ProposalDetails, { params: { id } });
    if (json) {
      context.out(JSON.stringify(proposal, null, 2));
      return;
    }
    for (const line of describeProposal(proposal)) context.out(line);
    if (proposal.status === "pending")
      context.err(`\nApprove with: edgevault proposal approve ${proposal.id}   Reject with: edgevault proposal reject ${proposal.id} --reason "..."`);
  },
});

/** GET the proposal and check it can be decided here: pending, and in --vault when one is named. */
async function decidableProposal(client: ApiClient, id: string, vault: string | undefined): Promise<Proposal> {
  const proposal = await client.call("get", "/v1/proposals/{id}", ProposalDetails, { params: { id } });
  if (vault !== undefined && proposal.vault !== vault)
    throw new CliError(`Proposal ${id} belongs to vault "${proposal.vault}", not "${vault}"; nothing was decided`);
  if (proposal.status !== "pending") throw new CliError(`Proposal ${id} is already ${proposal.status}; nothing was decided`);
  return proposal;
}

export const proposalApprove = createCommand({
  path: ["proposal", "approve"],
  summary: "Approve a proposal, typing the credential values it needs (never as arguments)",
  description: `Approves the proposal: its services and credentials are applied at once, all or nothing. For
each credential slot that needs a value (the agent asked for it without supplying it), the value
is read from a hidden prompt on a terminal, or from stdin when it is piped: one KEY=value per
line, or just the value when exactly one slot needs one. Values are never taken from arguments
and never printed. Review first with proposal show.

Before any value is read, it prints who raised the proposal and where each value would be sent
("!": a host an agent chose). The approval is bound to those destinations: if they change before
it reaches the edge, nothing is decided (proposal_changed) and you review it again.

Only a signed-in person with the member or admin role in the vault can approve: log in with
edgevault login --email. API keys, agents and sessions are refused (human_required).`,
  positionals: [PROPOSAL],
  options: {
    vault: GUARD_VAULT_OPTION,
    note: {
      type: "string",
      placeholder: "text",
      schema: ReviewText.optional(),
      description: `A note for the agent (up to ${MAX_PROPOSAL_MESSAGE} characters)`,
    },
    json: JSON_OPTION("the decided proposal (the edge's fields; values are never in it)"),
  },
  examples: [
    "edgevault proposal approve prp_4f1c9a07b2e8d35c61                    # type each value at the prompt",
    "pbpaste | edgevault proposal approve prp_4f1c9a07b2e8d35c61 --vault payments",
    'printf \'TWILIO_SID=%s\\nTWILIO_TOKEN=%s\\n\' "$SID" "$TOKEN" | edgevault proposal approve prp_9d27e3b15a0c4f8e66',
  ],
  // The extra argument is most likely a value; say so without repeating it.
  extraArgumentsHint:
    "credential values are read from stdin or a hidden prompt, never from arguments. If you typed a secret on the command line, it may be in your shell history",
  async handler({ id, vault, note, json }, context) {
    const { client } = await requireSession(context);
    const proposal = await decidableProposal(client, id, vault);
    const slots = proposal.credentials.filter(needsValue);
    if (slots.length > 0) {
      // Found out before the approver types a secret that the edge would refuse anyway.
      const me = await client.call("get", "/v1/whoami", WhoAmI);
      if (me.kind !== "user") throw humanRequired(context, "approve proposals");
    }
    // Where each value goes is said before it is asked for; the approval binds to what was said.
    context.err(`Raised by ${oneLine(principalText(proposal.raised_by), 400)}.`);
    for (const slot of proposal.credentials.filter((s) => s.action === "set")) {
      for (const line of [`${safeText(slot.key)}:`, ...destinationLines(slot, "    ")]) context.err(line);
    }
    const values = await readSlotValues(
      context,
      slots.map((slot) => ({ key: slot.key, describe: slotAnnouncement(slot) })),
      context.err,
    );
    const approved = await rethrowChanged(
      id,
      rethrowHumanRequired(
        context,
        "approve proposals",
        client.call("post", "/v1/proposals/{id}/approve", ProposalDetails, {
          params: { id },
          body: {
            credentials: values,
            ...(note === undefined ? {} : { note }),
            ...(proposal.destinations_digest ? { destinations_digest: proposal.destinations_digest } : {}),
          },
        }),
      ),
    );
    if (json) {
      printJson(context, approved);
      return;
    }
    const services = approved.services.map((s) => `${s.action === "delete" ? "removed" : "set"} ${s.name}`);
    const credentials = approved.credentials.map((c) => `${c.action === "delete" ? "removed" : "stored"} ${c.key}`);
    context.out(
      `Approved proposal ${approved.id} in vault "${approved.vault}": ${[...services, ...credentials].map((part) => safeText(part)).join(", ") || "nothing to change"}.`,
    );
  },
});

export const proposalReject = createCommand({
  path: ["proposal", "reject"],
  summary: "Reject a proposal with a reason the agent will see",
  description: `Rejects the proposal; nothing is applied. The agent sees the reason when it next reads the
proposal. Only a signed-in person with the member or admin role in the vault can reject (log in
with edgevault login --email).`,
  positionals: [PROPOSAL],
  options: {
    reason: {
      type: "string",
      placeholder: "text",
      schema: z.string('is required, e.g. --reason "Use the restricted key"').trim().min(1, "must not be empty").pipe(ReviewText),
      description: `Why, in up to ${MAX_PROPOSAL_MESSAGE} characters`,
    },
    vault: GUARD_VAULT_OPTION,
    json: JSON_OPTION("the decided proposal (the edge's fields)"),
  },
  examples: ['edgevault proposal reject prp_4f1c9a07b2e8d35c61 --reason "Use the restricted key service instead"'],
  async handler({ id, reason, vault, json }, context) {
    const { client } = await requireSession(context);
    if (vault !== undefined) await decidableProposal(client, id, vault);
    const rejected = await rethrowHumanRequired(
      context,
      "reject proposals",
      client.call("post", "/v1/proposals/{id}/reject", ProposalDetails, { params: { id }, body: { reason } }),
    );
    if (json) printJson(context, rejected);
    else context.out(`Rejected proposal ${rejected.id} in vault "${rejected.vault}".`);
  },
});

/** `--timeout` bounds of proposal wait; a proposal expires after 7 days anyway. */
const WAIT_MIN_SECONDS = 1;
const WAIT_MAX_SECONDS = PROPOSAL_TTL_MS / 1000;
const WAIT_DEFAULT_SECONDS = 600;
const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * "waiting… 42s" on stderr. On a terminal one line is redrawn with a spinner; otherwise (a log
 * file, CI) a line is printed at the start and after each long poll, never more than once a minute.
 */
function progress(context: CommandContext, id: string, timeoutSeconds: number) {
  const started = Date.now();
  const elapsed = () => formatDuration(Math.floor((Date.now() - started) / 1000));
  const tty = "isTTY" in context.stderr && context.stderr.isTTY === true;
  let frame = 0;
  const draw = () => context.stderr.write(`\r\x1b[2K${SPINNER[frame++ % SPINNER.length]} waiting for a decision on ${id}… ${elapsed()}`);
  const timer = tty ? setInterval(draw, 100) : undefined;
  if (tty) draw();
  else context.err(`Waiting for a decision on proposal ${id} (pending; giving up after ${formatDuration(timeoutSeconds)})…`);
  return {
    tick() {
      if (!tty) context.err(`waiting… ${elapsed()}`);
    },
    stop() {
      if (timer !== undefined) {
        clearInterval(timer);
        context.stderr.write("\r\x1b[2K");
      }
    },
  };
}

export const proposalWait = createCommand({
  path: ["proposal", "wait"],
  summary: `Wait until a proposal is decided: exit ${EXIT.ok} applied, ${EXIT.rejected} rejected, ${EXIT.expired} expired, ${EXIT.timedOut} timed out`,
  description: `Waits until the proposal leaves pending, with a progress line on stderr, holding long polls to
the edge (up to ${MAX_WAIT_SECONDS} s each) rather than polling in a loop. For scripts and agents that raised a
proposal and continue once a person has decided. The review note, if any, is printed.

Exit codes:
  ${EXIT.ok}    applied
  ${EXIT.rejected}    rejected
  ${EXIT.expired}    expired before anyone decided
  ${EXIT.timedOut}    still pending when --timeout ran out
  ${EXIT.failure}    the edge refused the request or could not be reached (e.g. no such proposal)
  ${EXIT.usage}    a malformed command line`,
  positionals: [PROPOSAL],
  options: {
    timeout: {
      type: "string",
      placeholder: "duration",
      schema: Ttl(WAIT_MIN_SECONDS, WAIT_MAX_SECONDS),
      default: formatDuration(WAIT_DEFAULT_SECONDS),
      description: "Give up after this long: 1s to 7d, e.g. 90s, 30m, 2h",
    },
    json: { type: "boolean", description: "Print the proposal as JSON on stdout when the wait ends, whatever the outcome" },
  },
  examples: [
    "edgevault proposal wait prp_4f1c9a07b2e8d35c61 && echo approved",
    "edgevault proposal wait prp_4f1c9a07b2e8d35c61 --timeout 1h --json | jq -r .status",
    "edgevault proposal wait prp_4f1c9a07b2e8d35c61; case $? in 0) retry ;; 3|4) give_up ;; 5) ask_again ;; esac",
  ],
  async handler({ id, timeout, json }, context) {
    const { client } = await requireSession(context);
    const deadline = Date.now() + timeout * 1000;
    let proposal = await client.call("get", "/v1/proposals/{id}", ProposalDetails, { params: { id } });
    if (proposal.status === "pending") {
      const shown = progress(context, id, timeout);
      try {
        for (;;) {
          const remaining = Math.ceil((deadline - Date.now()) / 1000);
          if (remaining <= 0) break;
          const wait = Math.min(MAX_WAIT_SECONDS, remaining);
          // The edge answers as soon as the decision lands, or after `wait` seconds with the proposal still pending.
          proposal = await client.call("get", "/v1/proposals/{id}", ProposalDetails, {
            params: { id },
            query: { wait },
            timeoutMs: (wait + 30) * 1000,
          });
          if (proposal.status !== "pending") break;
          shown.tick();
        }
      } finally {
        shown.stop();
      }
    }
    if (json) context.out(JSON.stringify(proposal, null, 2));
    const note = proposal.review_note ? `: ${indented(proposal.review_note, "  ")}` : "";
    switch (proposal.status) {
      case "applied":
        if (!json) context.out(`Proposal ${proposal.id} was approved and applied in vault "${proposal.vault}"${note}.`);
        return;
      case "rejected":
        throw new CliError(`Proposal ${proposal.id} was rejected${note || " (no reason given)"}`, EXIT.rejected, { code: "proposal_rejected" });
      case "expired":
        throw new CliError(`Proposal ${proposal.id} expired before anyone decided${note}`, EXIT.expired, { code: "proposal_expired" });
      case "pending":
        throw new CliError(
          `Proposal ${proposal.id} is still pending after ${formatDuration(timeout)}; wait again with: edgevault proposal wait ${proposal.id}`,
          EXIT.timedOut,
          { code: "proposal_pending" },
        );
    }
  },
});
