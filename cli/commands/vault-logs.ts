/**
 * `vault logs`: the proxy's request log of a vault (`GET /v1/vaults/<vault>/logs`), newest first,
 * or followed as it grows (`--follow`, oldest first, like `tail -f`). Agents are shown by name.
 * Vault admins.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { AgentDetails } from "../../workers/agents/agents.contract.ts";
import { LogPage, MAX_LOG_PAGE } from "../../workers/request-log/request-log.contract.ts";
import { actorNames, describeActor } from "../actor-names.ts";
import { ApiError, type ApiClient } from "../edge/api-client.ts";
import { UsageError } from "../cli-error.ts";
import { type CommandContext, createCommand } from "../command/command.ts";
import type { EdgeQuery } from "../edge/edge-api.ts";
import { JSON_OPTION, printJson, table } from "../format.ts";
import { AgentName, EntryId, PageLimit, VaultName } from "../command/names.ts";
import { requireSession } from "../edge/session.ts";
import { oneLine } from "../terminal-text.ts";
import { resolveVault, VAULT_OPTION } from "../vault-option.ts";

type Entry = z.output<typeof LogPage>["entries"][number];
/** The log's filters, as the route takes them (the page's limit and cursors aside). */
type Filters = Omit<EdgeQuery<"/v1/vaults/{vault}/logs", "get">, "limit" | "before" | "after">;

/** How often `--follow` asks for new entries; the log itself is written a second or two after each request. */
const FOLLOW_INTERVAL_MS = 2000;
/** Pages read per poll to catch up after a burst (500 entries each). */
const MAX_CATCH_UP_PAGES = 20;

const HEADER = ["TIME", "ACTOR", "METHOD", "HOST", "PATH", "STATUS", "LATENCY", "SERVICE", "DENIAL"] as const;
/**
 * Column widths while following: rows arrive one by one, so the table cannot size itself. Every
 * column but the last is exactly this wide (a longer cell is cut, ending in "…"), so a row never
 * drifts from the header; --json prints every field whole.
 */
const FOLLOW_WIDTHS = [24, 32, 7, 28, 32, 8, 8, 16] as const;

function cells(names: ReadonlyMap<string, string>, e: Entry): string[] {
  return [
    e.created_at,
    describeActor(names, e.actor_type, e.actor_id),
    e.method,
    oneLine(e.host, 60),
    oneLine(e.path, 60),
    // A refusal before admission (429) stands for `count` requests.
    e.count > 1 ? `${e.status}×${e.count}` : String(e.status),
    `${e.latency_ms}ms`,
    e.service ?? "-",
    e.denial ?? "-",
  ];
}

/** `cell` exactly `width` characters wide: padded, or cut with "…" as its last character. */
const fitted = (cell: string, width: number) => (cell.length > width ? `${cell.slice(0, width - 1)}…` : cell.padEnd(width));

/** One row of the followed table, in fixed columns: the last one, the denial, is never cut. */
const fixedRow = (row: readonly string[]) =>
  row
    .map((cell, i) => {
      const width = FOLLOW_WIDTHS[i];
      return width === undefined ? cell : fitted(cell, width);
    })
    .join("  ")
    .trimEnd();

/** The entry as `--json` prints it: the edge's fields, with the actor's name (null when unknown). */
const withName = (names: ReadonlyMap<string, string>, e: Entry) => ({ ...e, actor_name: names.get(e.actor_id) ?? null });

export const vaultLogs = createCommand({
  path: ["vault", "logs"],
  summary: "Show the proxy's request log of a vault, newest first, or follow it (--follow)",
  description: `Lists the requests agents and sessions made through the proxy with this vault, newest first:
who (agents by name), method, host and path, the status, latency and, for refused requests,
why. The log never holds headers, query strings or bodies. Entries appear within a few seconds of
the request and are kept for 30 days. Vault admins.

With --follow, prints the last --limit entries oldest first, then each new entry as it is
logged (asking every ${FOLLOW_INTERVAL_MS / 1000} s), until Ctrl+C (exit 0). With --json it then prints one JSON
object per line.`,
  options: {
    limit: { type: "string", placeholder: "n", schema: PageLimit(MAX_LOG_PAGE), default: "50", description: `How many entries, 1 to ${MAX_LOG_PAGE}` },
    agent: { type: "string", placeholder: "name", schema: AgentName.optional(), description: "Only requests by this agent" },
    service: { type: "string", placeholder: "name", schema: VaultName.optional(), description: "Only requests this service answered" },
    status: {
      type: "string",
      placeholder: "code",
      schema: z
        .string()
        .regex(/^[1-5]\d\d$/, "must be an HTTP status code, 100 to 599")
        .optional(),
      description: "Only requests answered with this HTTP status, e.g. 403",
    },
    denied: { type: "boolean", description: "Only requests the proxy refused (no service, disabled, rate limited…)" },
    before: {
      type: "string",
      placeholder: "id",
      schema: EntryId.optional(),
      description: "Entries older than this id (the next page: see the hint on stderr)",
    },
    follow: { type: "boolean", short: "f", description: "Keep printing new entries as they are logged, until Ctrl+C" },
    json: JSON_OPTION("{entries, next_cursor}", "the edge's fields with actor_name added; with --follow, one entry per line"),
    vault: VAULT_OPTION,
  },
  examples: [
    "edgevault vault logs --vault payments",
    "edgevault vault logs --vault payments --denied --limit 20",
    "edgevault vault logs --vault payments --agent my-agent --service stripe --status 402",
    "edgevault vault logs --vault payments --follow --json | jq -c 'select(.status >= 400)'",
  ],
  async handler(args, context) {
    if (args.follow && args.before !== undefined) throw new UsageError("--follow prints new entries as they arrive; it cannot start --before an entry");
    const vault = await resolveVault(context, args.vault);
    const { client } = await requireSession(context);
    const filters: Filters = {
      // The log keeps ids; an agent given by name is looked up (a typo is a 404 here, not an empty log).
      ...(args.agent === undefined ? {} : { actor: (await client.call("get", "/v1/agents/{agentId}", AgentDetails, { params: { agentId: args.agent } })).id }),
      ...(args.service === undefined ? {} : { service: args.service }),
      ...(args.status === undefined ? {} : { status: Number(args.status) }),
      ...(args.denied ? { denied: "true" as const } : {}),
    };
    const names = await actorNames(client, ["agents"]);
    const page = await client.call("get", "/v1/vaults/{vault}/logs", LogPage, {
      params: { vault },
      query: { ...filters, limit: args.limit, before: args.before === undefined ? undefined : Number(args.before) },
    });
    if (args.follow) {
      await follow(context, client, vault, filters, names, page.entries, args.json);
      return;
    }
    if (args.json) {
      printJson(context, { entries: page.entries.map((e) => withName(names, e)), next_cursor: page.next_cursor });
      return;
    }
    if (page.entries.length === 0) {
      const filtered = Object.keys(filters).length > 0;
      context.err(filtered ? `No requests in vault "${vault}" match.` : `No proxied requests in vault "${vault}" yet.`);
      return;
    }
    context.out(
      table(
        HEADER,
        page.entries.map((e) => cells(names, e)),
      ),
    );
    if (page.next_cursor !== null) context.err(`More entries: ${continuation(vault, args, page.next_cursor)}`);
  },
});

/** The command line of the next page: the same filters, older entries. */
function continuation(vault: string, args: { limit: number; agent?: string; service?: string; status?: string; denied: boolean }, next: number): string {
  return [
    `edgevault vault logs --vault ${vault} --before ${next}`,
    ...(args.agent ? [`--agent ${args.agent}`] : []),
    ...(args.service ? [`--service ${args.service}`] : []),
    ...(args.status ? [`--status ${args.status}`] : []),
    ...(args.denied ? ["--denied"] : []),
    ...(args.limit === 50 ? [] : [`--limit ${args.limit}`]),
  ].join(" ");
}

/**
 * Prints `first` oldest first, then every entry logged after them, until SIGINT or SIGTERM. New
 * entries are those with a higher id (ids grow with each write, whatever the request's time).
 */
async function follow(
  context: CommandContext,
  client: ApiClient,
  vault: string,
  filters: Filters,
  names: Map<string, string>,
  first: Entry[],
  json: boolean,
): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let knownNames = names;
  const print = (entries: Entry[]) => {
    for (const e of entries) context.out(json ? JSON.stringify(withName(knownNames, e)) : fixedRow(cells(knownNames, e)));
  };
  try {
    if (!json) context.out(fixedRow(HEADER));
    print([...first].reverse());
    let last = Math.max(0, ...first.map((e) => e.id));
    context.err(`Following the request log of vault "${vault}"; Ctrl+C to stop.`);
    while (!stop.signal.aborted) {
      try {
        await sleep(FOLLOW_INTERVAL_MS, undefined, { signal: stop.signal });
        const fresh = await entriesAfter(client, vault, filters, last, stop.signal);
        if (fresh.some((e) => e.actor_type === "agent" && !knownNames.has(e.actor_id))) knownNames = await actorNames(client, ["agents"]);
        print(fresh);
        last = Math.max(last, ...fresh.map((e) => e.id));
      } catch (error) {
        if (stop.signal.aborted) break;
        // The edge refusing (a revoked token, a removed vault) ends it; a network hiccup does not.
        if (error instanceof ApiError) throw error;
        context.err(`warning: ${error instanceof Error ? error.message : String(error)}; trying again`);
      }
    }
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

/**
 * The entries with an id above `last`, oldest first: the edge's `after` cursor gives the page just
 * above it, so a burst is read forward page by page (bounded) instead of back from the newest.
 */
async function entriesAfter(client: ApiClient, vault: string, filters: Filters, last: number, signal: AbortSignal): Promise<Entry[]> {
  const fresh: Entry[] = [];
  let after = last;
  for (let pages = 0; pages < MAX_CATCH_UP_PAGES; pages += 1) {
    const page = await client.call("get", "/v1/vaults/{vault}/logs", LogPage, {
      params: { vault },
      query: { ...filters, limit: MAX_LOG_PAGE, after },
      signal,
    });
    fresh.push(...[...page.entries].reverse());
    if (page.newer_cursor === null) break;
    after = page.newer_cursor;
  }
  return fresh;
}
