/**
 * `audit`: the company's audit log (`GET /v1/audit`), newest first, with actors and targets shown
 * by name. Every filter is the edge's (action, actor, since, until): the CLI only turns relative
 * times (`--since 2h`) into instants and reads as many pages as `--limit` asks for.
 */
import { z } from "zod";
import { AUDIT_CSV_COLUMNS, AuditPage, MAX_AUDIT_ACTION_LENGTH, MAX_AUDIT_ACTOR_LENGTH, MAX_AUDIT_PAGE } from "../../workers/audit/audit.contract.ts";
import { csvRow, ndjsonLine } from "../../workers/lib/export-lines.ts";
import { actorNames, describeActor } from "../actor-names.ts";
import { UsageError } from "../cli-error.ts";
import { createCommand } from "../command/command.ts";
import { JSON_OPTION, printJson, table } from "../format.ts";
import { EntryId, PageLimit } from "../command/names.ts";
import { requireSession } from "../edge/session.ts";
import { oneLine } from "../terminal-text.ts";
import { When } from "../when.ts";

type Entry = z.output<typeof AuditPage>["entries"][number];

/** Five of the edge's pages at most per run. */
const MAX_SHOWN = 1000;

export const audit = createCommand({
  path: ["audit"],
  summary: "Show the company's audit log (who changed what), newest first",
  description: `Lists the company's administrative changes, newest first: vaults, services, credentials (names
only), agents, users, API keys, sessions, proposals and their decisions. Actors and targets are
shown by name where a listing gives one (agents, users by email, API keys by label, vaults);
otherwise, and for anything since removed, by id. The edge applies every filter: --actor is
resolved in your company only (an unknown one matches nothing), and --since / --until take a
duration back from now (30m, 1h, 2d), a day (UTC) or a time (local, or with Z or an offset),
sent to the edge as an instant. Company owners (and API keys) only.`,
  options: {
    action: {
      type: "string",
      placeholder: "action",
      schema: z
        .string()
        .regex(/^[a-z][a-z0-9_.]*(?:\.\*)?$/, "must be an action as the log shows it (vault.create, api_key.revoke) or a kind of action (proposal.*)")
        .max(MAX_AUDIT_ACTION_LENGTH)
        .optional(),
      description: "Only this action (vault.create, credential.set, proposal.approve) or kind of action (proposal.*, session.*)",
    },
    actor: {
      type: "string",
      placeholder: "who",
      schema: z.string().min(1, "must not be empty").max(MAX_AUDIT_ACTOR_LENGTH).optional(),
      description: "Only what this actor did: a user's email, an agent's name, an API key's label, or an id",
    },
    since: {
      type: "string",
      placeholder: "when",
      schema: When.optional(),
      description: "Only entries from then on: 30m, 1h, 2d ago, or a day or time (2026-05-15, 2026-05-15T09:00, 2026-05-15T09:00:00Z)",
    },
    until: {
      type: "string",
      placeholder: "when",
      schema: When.optional(),
      description: "Only entries before then, in the forms --since takes",
    },
    limit: { type: "string", placeholder: "n", schema: PageLimit(MAX_SHOWN), default: "50", description: `How many entries, 1 to ${MAX_SHOWN}` },
    before: {
      type: "string",
      placeholder: "id",
      schema: EntryId.optional(),
      description: "Entries older than this id (the next page: see the hint on stderr)",
    },
    format: {
      type: "string",
      placeholder: "ndjson|csv",
      schema: z.enum(["ndjson", "csv"], "must be ndjson or csv").optional(),
      description: `For a SIEM: one entry a line as JSON (ndjson), or CSV with a header row (${AUDIT_CSV_COLUMNS.join(", ")}); the edge's own export format`,
    },
    json: JSON_OPTION("{entries, next_cursor}", "the edge's fields, with actor_name and target_name added (null when unknown)"),
  },
  examples: [
    "edgevault audit",
    "edgevault audit --action api_key.create --since 7d",
    "edgevault audit --actor ada@example.com --since 2d --until 1d",
    "edgevault audit --actor my-agent --limit 20",
    "edgevault audit --since 2026-05-15 --until 2026-05-16 --json | jq -r '.entries[].action'",
    "edgevault audit --since 1d --limit 1000 --format ndjson >> audit.ndjson",
  ],
  async handler(args, context) {
    if (args.since !== undefined && args.until !== undefined && args.since >= args.until) {
      throw new UsageError(`--until (${new Date(args.until).toISOString()}) must be later than --since (${new Date(args.since).toISOString()})`);
    }
    const { client } = await requireSession(context);
    const filters = {
      action: args.action,
      actor: args.actor,
      since: args.since === undefined ? undefined : new Date(args.since).toISOString(),
      until: args.until === undefined ? undefined : new Date(args.until).toISOString(),
    };
    const [names, read] = await Promise.all([
      actorNames(client, ["agents", "users", "api-keys", "vaults"]),
      (async () => {
        const shown: Entry[] = [];
        let cursor = args.before === undefined ? undefined : Number(args.before);
        for (;;) {
          const page = await client.call("get", "/v1/audit", AuditPage, {
            query: { ...filters, limit: Math.min(MAX_AUDIT_PAGE, args.limit - shown.length), before: cursor },
          });
          shown.push(...page.entries);
          if (page.next_cursor === null || shown.length >= args.limit) return { shown, next: page.next_cursor };
          cursor = page.next_cursor;
        }
      })(),
    ]);
    const { shown, next } = read;

    const actorName = (e: Entry) => e.actor_name ?? names.get(e.actor_id) ?? null;
    const targetName = (e: Entry) => e.target_name ?? names.get(e.target_id) ?? null;
    if (args.format) {
      if (args.json) throw new UsageError("--format and --json are two outputs; give one");
      const named = shown.map((e) => ({ ...e, actor_name: actorName(e), target_name: targetName(e) }));
      const lines =
        args.format === "ndjson" ? named.map(ndjsonLine) : [csvRow(AUDIT_CSV_COLUMNS), ...named.map((e) => csvRow(AUDIT_CSV_COLUMNS.map((c) => e[c])))];
      // `out` ends the last line itself.
      context.out(lines.join("").replace(/\n$/, ""));
      if (next !== null) context.err(`More entries: ${continuation(args, filters, next)}`);
      return;
    }
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
    if (next !== null) context.err(`More entries: ${continuation(args, filters, next)}`);
  },
});

/** The command line that shows the next page: the same filters (relative times as the instants they were), older entries. */
function continuation(
  args: { limit: number; format?: string },
  filters: { action?: string; actor?: string; since?: string; until?: string },
  next: number,
): string {
  const quote = (text: string) => (/^[\w.@:-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);
  return [
    "edgevault audit",
    ...(filters.action ? [`--action ${filters.action}`] : []),
    ...(filters.actor ? [`--actor ${quote(filters.actor)}`] : []),
    ...(filters.since ? [`--since ${filters.since}`] : []),
    ...(filters.until ? [`--until ${filters.until}`] : []),
    `--limit ${args.limit}`,
    ...(args.format ? [`--format ${args.format}`] : []),
    `--before ${next}`,
  ].join(" ");
}
