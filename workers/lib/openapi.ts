/**
 * Wire primitives every contract shares (resource names, timestamps, rate-limit overrides, the
 * error body) and helpers so each route declaration stays one readable block. No bindings: the
 * CLI imports it through the contracts.
 */
import { z } from "@hono/zod-openapi";
import type { ZodType } from "zod";
import { INSTANT_RULE, parseInstant } from "./instant.ts";
import { DEFAULT_RATE_LIMIT } from "./rate-limit.ts";

export const ErrorBody = z
  .object({ error: z.string().openapi({ example: "not_found" }), message: z.string() })
  .passthrough()
  .openapi("Error");

const errorContent = { "application/json": { schema: ErrorBody } };

/** A required JSON request body: a missing or non-JSON body fails validation. */
export function jsonBody<T extends ZodType>(schema: T, description?: string) {
  return { body: { content: { "application/json": { schema } }, required: true, description } };
}

export function jsonResponse<T extends ZodType>(schema: T, description: string) {
  return { content: { "application/json": { schema } }, description };
}

/** The error responses a route can answer, by status. */
export function errors(...statuses: number[]) {
  const out: Record<number, { content: typeof errorContent; description: string }> = {};
  for (const status of statuses) out[status] = { content: errorContent, description: ERROR_DESCRIPTIONS[status] ?? "Error" };
  return out;
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Bad input (malformed JSON, wrong types, unknown fields, bad names)",
  401: "Missing, invalid, expired or revoked token",
  403: "The caller's role does not allow this",
  404: "Not found in the caller's company",
  409: "Conflicts with the current state",
  410: "Gone (used, expired or revoked)",
  413: "Body too large",
  426: "A WebSocket route called without `Upgrade: websocket`",
  429: "Too many requests",
};

export const RESOURCE_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$|^[a-z0-9]$/;
/** The rule in words; the CLI says "must be <rule>". */
export const RESOURCE_NAME_RULE = "lowercase letters, digits and hyphens, 1-64 chars, not starting or ending with a hyphen";

/** Vault, service and company names: lowercase letters, digits and hyphens. */
export const ResourceName = z.string().regex(RESOURCE_NAME_PATTERN, RESOURCE_NAME_RULE);

export const Timestamp = z.string().openapi({ example: "2026-01-01T00:00:00.000Z" });
export const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

/** A log's cursors (db/id-page.ts), by entry id: older than `before`, or the page just newer than `after`. */
export const LogCursors = {
  before: z.coerce.number().int().positive().optional().openapi({ description: "Entries older than this id (a page's next_cursor)" }),
  after: z.coerce
    .number()
    .int()
    .nonnegative()
    .optional()
    .openapi({ description: "The entries just newer than this id, a page of them, still newest first (a page's newer_cursor; 0 reads from the oldest)" }),
};
/** The refinement every log query with `LogCursors` takes: one direction at a time. */
export const oneCursor: [(q: { before?: number; after?: number }) => boolean, { path: string[]; message: string }] = [
  (q) => q.before === undefined || q.after === undefined,
  { path: ["after"], message: "give before or after, not both" },
];

/** A filter's point in time (`since`, `until`) as the wire takes it (lib/instant.ts), read as epoch milliseconds. */
export const Instant = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    const ms = parseInstant(value);
    if (ms === undefined) {
      ctx.addIssue({ code: "custom", message: `must be ${INSTANT_RULE}` });
      return z.NEVER;
    }
    return ms;
  })
  .openapi({ description: INSTANT_RULE, example: "2026-05-01T09:00:00Z" });

/** Bounds of a rate-limit override (the defaults are DEFAULT_RATE_LIMIT in rate-limit.ts). */
export const MAX_RATE_PER_SECOND = 10_000;
export const MAX_BURST = 100_000;
export const MAX_CONCURRENT = 10_000;

/** Rate-limit overrides on the wire (snake_case); stored as RateLimitOverride. */
export const RateLimitInput = z
  .object({
    rate_per_second: z.number().positive().max(MAX_RATE_PER_SECOND).optional(),
    burst: z.number().int().min(1).max(MAX_BURST).optional(),
    max_concurrent: z.number().int().min(1).max(MAX_CONCURRENT).optional(),
  })
  .strict()
  .openapi("RateLimitOverride", {
    description: `Overrides of the defaults (${DEFAULT_RATE_LIMIT.ratePerSecond} req/s, burst ${DEFAULT_RATE_LIMIT.burst}, ${DEFAULT_RATE_LIMIT.maxConcurrent} concurrent); null clears them.`,
  });

export const rateLimitFromInput = (input: z.infer<typeof RateLimitInput> | null) =>
  input === null ? null : { ratePerSecond: input.rate_per_second, burst: input.burst, maxConcurrent: input.max_concurrent };

export const rateLimitView = (stored: { ratePerSecond?: number; burst?: number; maxConcurrent?: number } | null | undefined) =>
  stored ? { rate_per_second: stored.ratePerSecond, burst: stored.burst, max_concurrent: stored.maxConcurrent } : null;
