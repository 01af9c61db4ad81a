/**
 * `audit`: the company's audit log (`GET /v1/audit`), newest first, with actors and targets shown
 * by name. The edge filters by action; who did it and since when are filtered here, paging
 * through the log (bounded) until enough entries match.
 */
import { z } from "zod";
import { AuditPage, MAX_AUDIT_ACTION_LENGTH, MAX_AUDIT_PAGE } from "../../workers/audit/audit.contract.ts";
import { MAX_EMAIL_LENGTH } from "../../workers/users/users.contract.ts";
import { actorNames, describeActor } from "../actor-names.ts";
import { createCommand } from "../command.ts";
import { durationSeconds } from "../duration.ts";
import { JSON_OPTION, printJson, table } from "../format.ts";
import { EntryId, PageLimit } from "../names.ts";
import { requireSession } from "../session.ts";
import { oneLine } from "../terminal-text.ts";

type Entry = z.output<typeof AuditPage>["entries"][number];

/** With a filter the edge cannot apply, at most this many pages are read (10,000 entries) before stopping with a cursor. */
const MAX_SCANNED_PAGES = 50;
const MAX_SHOWN = 1000;

/**
 * `--since 24h` or `--since 2026-05-15[T09:00:00Z]`, as epoch milliseconds.
 * @example
 * Since.parse("2026-05-15") // 1778803200000
 */
export const Since = z.string().transform((value, ctx) => {
  const seconds = durationSeconds(value);
  if (seconds !== undefined) return Date.now() - seconds * 1000;
  const at = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) {
    ctx.addIssue({ code: "custom", message: "must be a duration back from now (30m, 24h, 7d) or a date or time (2026-05-15, 2026-05-15T09:00:00Z)" });
    return z.NEVER;
  }
  return at;
});

export const audit = createCommand({
  path: ["audit"],
  summary: "Show the company's audit log (who changed what), newest first",
  description: `Lists the company's administrative changes, newest first: vaults, services, credentials (names
only), agents, users, API keys, sessions, proposals and their decisions. Actors and targets are
shown by name where a listing gives one (agents, users by email, API keys by label, vaults);
otherwise, and for anything since removed, by id. --action is filtered by the edge; --actor and
--since here, reading up to ${MAX_SCANNED_PAGES * MAX_AUDIT_PAGE} entries before it stops and prints where to continue.
Company owners (and API keys) only.`,
  options: {
    action: {
      type: "string",
      placeholder: "action",
      schema: z
        .string()
        .regex(/^[a-z][a-z0-9_.]*$/, "must be an action as the log shows it, e.g. vault.create, service.update, api_key.revoke")
        .max(MAX_AUDIT_ACTION_LENGTH)
        .optional(),
      description: "Only this action, e.g. vault.create, credential.set, proposal.approve, user.delete",
    },
    actor: {
      type: "string",
      placeholder: "who",
      schema: z.string().min(1, "must not be empty").max(MAX_EMAIL_LENGTH).optional(),
      description: "Only what this actor did: an agent's name, a user's email, an API key's label, or any id",
    },
    since: {
      type: "string",
      placeholder: "when",
      schema: Since.optional(),
      description: "Only entries from this long ago (30m, 24h, 7d) or this date or time (2026-05-15, 2026-05-15T09:00:00Z) on",
    },
    limit: { type: "string", placeholder: "n", schema: PageLimit(MAX_SHOWN), default: "50", description: `How many entries, 1 to ${MAX_SHOWN}` },
    before: {
      type: "string",
      placeholder: "id",
      schema: EntryId.optional(),
      description: "Entries older than this id (the next page: see the hint on stderr)",
    },
    json: JSON_OPTION("{entries, next_cursor}", "the edge's fields, with actor_name and target_name added (null when unknown)"),
  },
  examples: [
    "edgevault audit",
    "edgevault audit --action api_key.create --since 7d",
    "edgevault audit --actor my-agent --limit 20",
    "edgevault audit --since 2026-05-15 --json | jq -r '.entries[].action'",
  ],
  async handler(args, context) {
    const { client } = await requireSession(context);
    const names = await actorNames(client, ["agents", "users", "api-keys", "vaults"]);
    // An actor given by name stands for every id with that name; any text also stands for itself (an id).
    const actorIds =
      args.actor === undefined
        ? undefined
        : new Set([args.actor, ...[...names].filter(([, name]) => name.toLowerCase() === args.actor?.toLowerCase()).map(([id]) => id)]);
    const filteredHere = actorIds !== undefined || args.since !== undefined;

    const shown: Entry[] = [];
    let cursor = args.before === undefined ? undefined : Number(args.before);
    let next: number | null = null;
    for (let pages = 0; ; pages += 1) {
      if (pages === MAX_SCANNED_PAGES) {
        next = cursor ?? null;
        context.err(`Stopped after reading ${pages * MAX_AUDIT_PAGE} entries for --actor/--since.`);
        break;
      }
      const page = await client.request("GET", "/v1/audit", AuditPage, {
        query: {
          limit: String(filteredHere ? MAX_AUDIT_PAGE : Math.min(MAX_AUDIT_PAGE, args.limit - shown.length)),
          before: cursor?.toString(),
          action: args.action,
        },
      });
      let done = page.next_cursor === null;
      for (const [i, entry] of page.entries.entries()) {
        if (args.since !== undefined && Date.parse(entry.created_at) < args.since) {
          done = true;
          break;
        }
        if (actorIds && !actorIds.has(entry.actor_id)) continue;
        shown.push(entry);
        if (shown.length === args.limit) {
          // More may follow: the rest of this page, or the next one.
          if (i < page.entries.length - 1 || page.next_cursor !== null) next = entry.id;
          done = true;
          break;
        }
      }
      if (done) break;
      cursor = page.next_cursor ?? undefined;
    }

    const actorName = (e: Entry) => names.get(e.actor_id) ?? null;
    const targetName = (e: Entry) => names.get(e.target_id) ?? null;
    if (args.json) {
      printJson(context, { entries: shown.map((e) => ({ ...e, actor_name: actorName(e), target_name: targetName(e) })), next_cursor: next });
      return;
    }
    if (shown.length === 0) context.err("No audit entries match.");
    else
      context.out(
        table(
          ["TIME", "ACTOR", "ACTION", "TARGET", "DETAIL"],
          shown.map((e) => [
            e.created_at,
            describeActor(names, e.actor_type, e.actor_id),
            e.action,
            `${e.target_type}:${oneLine(targetName(e) ?? e.target_id, 60)}`,
            e.detail === null ? "-" : oneLine(JSON.stringify(e.detail), 80),
          ]),
        ),
      );
    if (next !== null) context.err(`More entries: ${continuation(args, next)}`);
  },
});

/** The command line that shows the next page: the same filters, older entries. */
function continuation(args: { action?: string; actor?: string; since?: number; limit: number }, next: number): string {
  const quote = (text: string) => (/^[\w.@:-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);
  return [
    "edgevault audit",
    ...(args.action ? [`--action ${args.action}`] : []),
    ...(args.actor ? [`--actor ${quote(args.actor)}`] : []),
    ...(args.since !== undefined ? [`--since ${new Date(args.since).toISOString()}`] : []),
    `--limit ${args.limit}`,
    `--before ${next}`,
  ].join(" ");
}
