/**
 * A vault's settings and what it reports: `vault set` (unmatched-host policy, rate limit) and
 * `vault webhook add|list|remove` (proposal events, and calls waiting for a person); the request log is vault-logs.ts. All of it
 * is for vault admins.
 */
import { z } from "zod";
import { MAX_BURST, MAX_CONCURRENT, MAX_RATE_PER_SECOND, type RateLimitInput } from "../../workers/lib/openapi.ts";
import { DEFAULT_RATE_LIMIT as DEFAULTS } from "../../workers/lib/rate-limit.ts";
import { OneVault } from "../../workers/vaults/vaults.contract.ts";
import {
  CreatedWebhook,
  MAX_WEBHOOK_ID_LENGTH,
  MAX_WEBHOOK_URL_LENGTH,
  MAX_WEBHOOKS_PER_VAULT,
  WEBHOOK_EVENTS,
  WebhookDeleted,
  type WebhookEvent,
  WebhookList,
} from "../../workers/webhooks/webhooks.contract.ts";
import { UsageError } from "../cli-error.ts";
import { createCommand } from "../command/command.ts";
import { JSON_OPTION, printJson, table } from "../format.ts";
import { listedId, VaultPolicy } from "../command/names.ts";
import { requireSession } from "../edge/session.ts";
import { oneLine } from "../terminal-text.ts";
import { resolveVault, VAULT_OPTION } from "../vault-option.ts";

/** A vault's override of the proxy's defaults, any of them absent. */
type RateLimit = z.output<typeof RateLimitInput>;

/** What applies when a vault has no override, in the wire's names. */
const DEFAULT_RATE_LIMIT = { rate_per_second: DEFAULTS.ratePerSecond, burst: DEFAULTS.burst, max_concurrent: DEFAULTS.maxConcurrent } as const;

/** "5 req/s, burst 10, 64 concurrent (default)": the override, with the defaults it leaves alone named. */
function describeRateLimit(limit: RateLimit | null): string {
  const part = (value: number | undefined, fallback: number, unit: (n: number) => string) =>
    value === undefined ? `${unit(fallback)} (default)` : unit(value);
  if (limit === null)
    return `default (${DEFAULT_RATE_LIMIT.rate_per_second} req/s, burst ${DEFAULT_RATE_LIMIT.burst}, ${DEFAULT_RATE_LIMIT.max_concurrent} concurrent)`;
  return [
    part(limit.rate_per_second, DEFAULT_RATE_LIMIT.rate_per_second, (n) => `${n} req/s`),
    part(limit.burst, DEFAULT_RATE_LIMIT.burst, (n) => `burst ${n}`),
    part(limit.max_concurrent, DEFAULT_RATE_LIMIT.max_concurrent, (n) => `${n} concurrent`),
  ].join(", ");
}

/**
 * `--rate-limit <rps>/<burst>[/<concurrent>]`, or `default` to drop the override (null).
 * @example
 * RateLimitFlag.parse("5/10")      // { rate_per_second: 5, burst: 10 }
 * RateLimitFlag.parse("0.5/5/2")   // { rate_per_second: 0.5, burst: 5, max_concurrent: 2 }
 */
export const RateLimitFlag = z.string().transform((value, ctx): RateLimit | null => {
  if (value === "default") return null;
  const fail = (message: string) => {
    ctx.addIssue({ code: "custom", message: `${message} (format: <rps>/<burst>[/<concurrent>], e.g. 5/10 or 5/10/4, or default)` });
    return z.NEVER;
  };
  const parts = value.split("/");
  if (parts.length < 2 || parts.length > 3) return fail(`"${oneLine(value, 40)}" is not a rate limit`);
  const [rps = "", burst = "", concurrent] = parts;
  if (!/^\d+(\.\d+)?$/.test(rps) || Number(rps) <= 0 || Number(rps) > MAX_RATE_PER_SECOND)
    return fail(`the rate must be a number of requests per second above 0, at most ${MAX_RATE_PER_SECOND}`);
  if (!/^\d+$/.test(burst) || Number(burst) < 1 || Number(burst) > MAX_BURST) return fail(`the burst must be a whole number from 1 to ${MAX_BURST}`);
  if (concurrent !== undefined && (!/^\d+$/.test(concurrent) || Number(concurrent) < 1 || Number(concurrent) > MAX_CONCURRENT)) {
    return fail(`the concurrency must be a whole number from 1 to ${MAX_CONCURRENT}`);
  }
  return { rate_per_second: Number(rps), burst: Number(burst), ...(concurrent === undefined ? {} : { max_concurrent: Number(concurrent) }) };
});

export const vaultSet = createCommand({
  path: ["vault", "set"],
  summary: "Change a vault's settings: unmatched-host policy, rate limit",
  description: "Changes the vault's settings; what is not given is kept. Vault admins.",
  options: {
    policy: {
      type: "string",
      schema: VaultPolicy.optional(),
      description:
        "What the local proxy (vault run) does with hosts no service matches: passthrough tunnels them, deny refuses them. The edge's /proxy never forwards such hosts either way.",
    },
    "rate-limit": {
      type: "string",
      placeholder: "r/b[/c]",
      schema: RateLimitFlag.optional(),
      description: `The proxy's budget for each agent or session in this vault: r requests per second sustained, bursts of b, at most c at once (default ${DEFAULT_RATE_LIMIT.max_concurrent}). "default" drops the override: ${DEFAULT_RATE_LIMIT.rate_per_second} req/s, burst ${DEFAULT_RATE_LIMIT.burst}, ${DEFAULT_RATE_LIMIT.max_concurrent} concurrent.`,
    },
    vault: VAULT_OPTION,
    json: JSON_OPTION("the vault with its settings (the edge's fields)"),
  },
  examples: [
    "edgevault vault set --vault payments --policy deny",
    "edgevault vault set --vault payments --rate-limit 5/10/4",
    "edgevault vault set --rate-limit default",
  ],
  async handler({ policy, "rate-limit": rateLimit, vault: flag, json }, context) {
    if (policy === undefined && rateLimit === undefined) throw new UsageError("Nothing to change: give --policy and/or --rate-limit");
    const vault = await resolveVault(context, flag);
    const { client } = await requireSession(context);
    const updated = await client.call("patch", "/v1/vaults/{vault}", OneVault, {
      params: { vault },
      body: {
        ...(policy === undefined ? {} : { unmatched_host_policy: policy }),
        ...(rateLimit === undefined ? {} : { rate_limit: rateLimit }),
      },
    });
    if (json) {
      printJson(context, updated.vault);
      return;
    }
    context.out(
      `Vault "${updated.vault.name}": unmatched hosts ${updated.vault.unmatched_host_policy}; rate limit ${describeRateLimit(updated.vault.rate_limit)}.`,
    );
  },
});

const isWebhookEvent = (name: string): name is WebhookEvent => (WEBHOOK_EVENTS as readonly string[]).includes(name);

/**
 * `--events a,b`: event names; a bare name is a proposal's (`applied` is `proposal.applied`).
 * @example
 * WebhookEvents.parse("applied,proposal.rejected") // ["proposal.applied", "proposal.rejected"]
 */
const WebhookEvents = z.string().transform((value, ctx) => {
  const names = [
    ...new Set(
      value
        .split(",")
        .map((e) => e.trim())
        .filter((e) => e.length > 0)
        .map((e) => (e.includes(".") ? e : `proposal.${e}`)),
    ),
  ];
  const unknown = names.filter((e) => !isWebhookEvent(e));
  if (names.length === 0 || unknown.length > 0) {
    ctx.addIssue({
      code: "custom",
      message: `${names.length === 0 ? "name at least one event" : `unknown event ${unknown.map((e) => `"${oneLine(e, 40)}"`).join(", ")}`}; use any of ${WEBHOOK_EVENTS.join(", ")}`,
    });
    return z.NEVER;
  }
  return names.filter(isWebhookEvent);
});

const WebhookUrl = z
  .string()
  .max(MAX_WEBHOOK_URL_LENGTH, `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`)
  .refine((value) => /^https?:\/\/[^\s]+$/i.test(value), "must be an https URL, such as https://hooks.example.com/edgevault");

const WebhookId = listedId(1, MAX_WEBHOOK_ID_LENGTH, "must be a webhook id as shown by `edgevault vault webhook list` (e.g. whk_5e2a91c0d47b3f8e12)");

export const vaultWebhookAdd = createCommand({
  path: ["vault", "webhook", "add"],
  summary: "Add a webhook for proposal events and held calls; prints its signing secret once",
  description: `Adds a webhook: the edge POSTs a JSON event to the URL when a proposal in this vault is created,
applied, rejected or expires, signed with the webhook's own secret (header
X-Edgevault-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">). The secret is printed
once, alone on stdout, and cannot be shown again: store it where your receiver reads it. Events
never carry credential values. Up to ${MAX_WEBHOOKS_PER_VAULT} webhooks per vault; vault admins.`,
  positionals: [{ name: "url", schema: WebhookUrl, description: "Where the edge POSTs the events (https)" }],
  options: {
    events: {
      type: "string",
      placeholder: "a,b",
      schema: WebhookEvents.optional(),
      description: 'Which events (default: all): created, applied, rejected, expired (with or without the "proposal." prefix), request.pending',
    },
    vault: VAULT_OPTION,
    json: JSON_OPTION("{id, url, events, secret, created_at} instead of the bare secret"),
  },
  examples: [
    "edgevault vault webhook add https://hooks.example.com/edgevault --vault payments",
    "edgevault vault webhook add https://hooks.example.com/decided --events applied,rejected --vault payments > webhook-secret",
  ],
  async handler({ url, events, vault: flag, json }, context) {
    const vault = await resolveVault(context, flag);
    const { client } = await requireSession(context);
    const created = await client.call("post", "/v1/vaults/{vault}/webhooks", CreatedWebhook, {
      params: { vault },
      body: { url, ...(events === undefined ? {} : { events }) },
    });
    if (json) {
      printJson(context, created);
      return;
    }
    // The secret alone on stdout, so it can go straight to a file or a secret store.
    context.out(created.secret);
    context.err("");
    context.err(`Webhook ${created.id} for vault "${vault}": ${created.url} (${created.events.join(", ")}).`);
    context.err(`The line above is its signing secret, shown only now. To remove it: edgevault vault webhook remove ${created.id} --vault ${vault}`);
  },
});

export const vaultWebhookList = createCommand({
  path: ["vault", "webhook", "list"],
  summary: "List a vault's webhooks (secrets are never shown again)",
  description: "Lists the vault's webhooks with the events each receives. Vault admins.",
  options: { vault: VAULT_OPTION, json: { type: "boolean", description: "Print a JSON array of {id, url, events, created_at}" } },
  examples: ["edgevault vault webhook list --vault payments"],
  async handler({ vault: flag, json }, context) {
    const vault = await resolveVault(context, flag);
    const { client } = await requireSession(context);
    const { webhooks } = await client.call("get", "/v1/vaults/{vault}/webhooks", WebhookList, { params: { vault } });
    if (json) {
      context.out(JSON.stringify(webhooks, null, 2));
      return;
    }
    if (webhooks.length === 0) {
      context.err(`No webhooks in vault "${vault}". Add one: edgevault vault webhook add <url> --vault ${vault}`);
      return;
    }
    context.out(
      table(
        ["ID", "URL", "EVENTS", "CREATED"],
        webhooks.map((w) => [w.id, w.url, w.events.join(","), w.created_at]),
      ),
    );
  },
});

export const vaultWebhookRemove = createCommand({
  path: ["vault", "webhook", "remove"],
  summary: "Remove a webhook",
  description: "Removes the webhook; no further events are sent to it. Vault admins.",
  positionals: [{ name: "id", schema: WebhookId, description: "The webhook's id, as vault webhook list shows it" }],
  options: { vault: VAULT_OPTION, json: JSON_OPTION("the edge's answer", "{deleted: <id>}") },
  examples: ["edgevault vault webhook remove whk_5e2a91c0d47b3f8e12 --vault payments"],
  async handler({ id, vault: flag, json }, context) {
    const vault = await resolveVault(context, flag);
    const { client } = await requireSession(context);
    const answer = await client.call("delete", "/v1/vaults/{vault}/webhooks/{id}", WebhookDeleted, { params: { vault, id } });
    if (json) printJson(context, answer);
    else context.out(`Removed webhook ${answer.deleted} from vault "${vault}".`);
  },
});
