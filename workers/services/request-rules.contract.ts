/**
 * A service's per-request rules, as the services API, proposals and the CLI carry them:
 * `substitutions` (a credential placed where a placeholder stands, lib/http/substitutions.ts),
 * `methods` (the only methods forwarded; absent or null: every one the proxy forwards),
 * `redact_response` (credentials echoed back are replaced, lib/http/redaction.ts; on unless
 * turned off) and `require_approval` with `approval_timeout_seconds` (every call waits for a
 * person, proxy/request-hold.ts; off unless turned on). Also how they read in words, for the
 * approval page, the service page and the CLI, and which changes loosen them (a method added,
 * redaction turned off, a credential placed in a surface it was not, approval turned off): a
 * reviewer sees each as old → new. Zod schemas and pure functions only.
 */
import { z } from "@hono/zod-openapi";
import { CredentialKey } from "../credentials/credentials.contract.ts";
import { PROXIED_METHODS, type ProxiedMethod } from "../lib/http/proxied-methods.ts";
import {
  DEFAULT_SUBSTITUTION_SURFACES,
  MAX_PLACEHOLDER_LENGTH,
  MAX_SUBSTITUTIONS,
  placeholderProblem,
  SUBSTITUTION_SURFACES,
  type SubstitutionSurface,
} from "../lib/http/substitutions.ts";

export { DEFAULT_SUBSTITUTION_SURFACES, MAX_SUBSTITUTIONS, PROXIED_METHODS, SUBSTITUTION_SURFACES, type ProxiedMethod, type SubstitutionSurface };

const Placeholder = z
  .string()
  .max(MAX_PLACEHOLDER_LENGTH)
  .superRefine((placeholder, ctx) => {
    const problem = placeholderProblem(placeholder);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .openapi({ example: "__sid__", description: "Matched literally and case-sensitively, only in the surfaces of `in`" });

const Surfaces = z
  .array(z.enum(SUBSTITUTION_SURFACES))
  .min(1, "name at least one surface, or leave `in` out for path and query")
  .refine((surfaces) => new Set(surfaces).size === surfaces.length, "a surface is listed twice")
  .transform((surfaces) => SUBSTITUTION_SURFACES.filter((s) => surfaces.includes(s)));

export const SubstitutionSchema = z
  .object({
    key: CredentialKey,
    placeholder: Placeholder,
    in: Surfaces.default([...DEFAULT_SUBSTITUTION_SURFACES]).openapi({
      description: "Where the placeholder is replaced: path, query, header (default path and query)",
    }),
  })
  .strict()
  .openapi("Substitution", { example: { key: "TW_SID", placeholder: "__sid__", in: ["path"] } });
export type Substitution = z.output<typeof SubstitutionSchema>;

export const SubstitutionsSchema = z
  .array(SubstitutionSchema)
  .max(MAX_SUBSTITUTIONS)
  .superRefine((subs, ctx) => {
    const placeholders = subs.map((s) => s.placeholder);
    const twice = placeholders.find((p, i) => placeholders.indexOf(p) !== i);
    if (twice) ctx.addIssue({ code: "custom", message: `the placeholder "${twice}" is declared twice` });
  })
  .openapi({ description: "Credentials placed into the request where a placeholder stands (the value URL-encoded in path and query)" });

export const MethodsSchema = z
  .array(z.enum(PROXIED_METHODS))
  .min(1, "name at least one method, or send null for every method")
  .refine((methods) => new Set(methods).size === methods.length, "a method is listed twice")
  .transform((methods) => PROXIED_METHODS.filter((m) => methods.includes(m)))
  .openapi({ example: ["GET", "HEAD"], description: "The only methods forwarded; any other is 403 method_not_allowed. Null or absent: every method." });

export const RedactResponseSchema = z.boolean().openapi({ description: "Replace credentials the upstream echoes back with [REDACTED:<KEY>] (default true)" });

/** Per-request approval: how long a held request waits for a person by default, and at most. */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 120;
export const MAX_APPROVAL_TIMEOUT_SECONDS = 600;

export const RequireApprovalSchema = z.boolean().openapi({
  description: "Every request to this service waits until a vault admin approves it (POST /v1/requests/{id}/approve); no credential is read before",
});
export const ApprovalTimeoutSchema = z.number().int().min(1).max(MAX_APPROVAL_TIMEOUT_SECONDS).openapi({
  description: "How long a held request waits for a person before the agent gets 403 request_approval_expired",
  example: DEFAULT_APPROVAL_TIMEOUT_SECONDS,
});

/** The rules as a service or a proposed service holds them; absent fields read as their defaults. */
export type RequestRules = {
  substitutions?: readonly Substitution[] | null | undefined;
  methods?: readonly ProxiedMethod[] | null | undefined;
  redact_response?: boolean | undefined;
  require_approval?: boolean | undefined;
  approval_timeout_seconds?: number | undefined;
};

// ── In words ───────────────────────────────────────────────────────────────────────────────────

const SURFACE_WORDS: Record<SubstitutionSurface, string> = { path: "path", query: "query string", header: "headers" };

/** "a", "a and b", "a, b and c". */
export const listInWords = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;

/** "only GET and HEAD", or "any method". */
export const methodsInWords = (methods: readonly string[] | null | undefined): string => (methods ? `only ${listInWords(methods)}` : "any method");

/** "puts TW_SID into the path where it reads `__sid__`". */
export const substitutionInWords = (s: Pick<Substitution, "key" | "placeholder" | "in">): string =>
  `puts ${s.key} into the ${listInWords(s.in.map((surface) => SURFACE_WORDS[surface]))} where it reads \`${s.placeholder}\``;

export const redactionInWords = (on: boolean | undefined): string =>
  on === false ? "redaction off: a credential the upstream echoes back reaches the agent" : "credentials echoed back in responses are redacted";

/** "every call waits for a person (up to 120 s)", or "calls go through without a person". */
export const approvalInWords = (rules: Pick<RequestRules, "require_approval" | "approval_timeout_seconds">): string =>
  rules.require_approval
    ? `every call waits for a person (up to ${rules.approval_timeout_seconds ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS} s)`
    : "calls go through without a person";

/**
 * Every rule of a service in words, one phrase each: what the approval page, the service page and
 * `vault service show` say. Approval is named only when on, as substitutions only when there are some.
 */
export function rulesInWords(rules: RequestRules): string[] {
  return [
    methodsInWords(rules.methods),
    ...(rules.substitutions ?? []).map(substitutionInWords),
    redactionInWords(rules.redact_response),
    ...(rules.require_approval ? [approvalInWords(rules)] : []),
  ];
}

// ── Loosening ──────────────────────────────────────────────────────────────────────────────────

/** A change that lets more through than before, in words: shown old → new, and decided only by a vault admin. */
export const LooseningSchema = z.object({
  rule: z.enum(["methods", "redact_response", "substitutions", "require_approval"]),
  from: z.string(),
  to: z.string(),
});
export type Loosening = z.output<typeof LooseningSchema>;

/** Each credential-and-surface pair a service's substitutions place, as `KEY path`. */
const placements = (rules: RequestRules): string[] => (rules.substitutions ?? []).flatMap((s) => s.in.map((surface) => `${s.key} ${surface}`));

/** "TW_SID in the path and headers; API_KEY in the query string". */
function placementsInWords(rules: RequestRules): string {
  const byKey = new Map<string, SubstitutionSurface[]>();
  for (const s of rules.substitutions ?? []) byKey.set(s.key, [...new Set([...(byKey.get(s.key) ?? []), ...s.in])]);
  if (byKey.size === 0) return "no credential placed in the request";
  return [...byKey]
    .map(([key, surfaces]) => `${key} in the ${listInWords(SUBSTITUTION_SURFACES.filter((s) => surfaces.includes(s)).map((s) => SURFACE_WORDS[s]))}`)
    .join("; ");
}

const LOOSENING_CHECKS: readonly ((before: RequestRules, after: RequestRules) => Loosening | null)[] = [
  // A method added, or the rule dropped (every method).
  (before, after) => {
    if (!before.methods) return null;
    const added = after.methods ? after.methods.filter((m) => !before.methods?.includes(m)) : PROXIED_METHODS.filter((m) => !before.methods?.includes(m));
    return added.length ? { rule: "methods", from: methodsInWords(before.methods), to: methodsInWords(after.methods) } : null;
  },
  // Redaction turned off.
  (before, after) =>
    before.redact_response !== false && after.redact_response === false
      ? { rule: "redact_response", from: redactionInWords(true), to: redactionInWords(false) }
      : null,
  // A credential placed in a surface it was not placed in before.
  (before, after) => {
    const old = placements(before);
    const now = placements(after);
    if (!now.some((p) => !old.includes(p))) return null;
    return { rule: "substitutions", from: placementsInWords(before), to: placementsInWords(after) };
  },
  // Approval turned off: calls go through without a person (a longer or shorter wait loosens nothing).
  (before, after) =>
    before.require_approval === true && after.require_approval !== true
      ? { rule: "require_approval", from: approvalInWords(before), to: approvalInWords(after) }
      : null,
];

/**
 * What `after` loosens relative to `before` (a service being replaced): a method added, redaction
 * turned off, a credential placed in a new surface, approval turned off. Tightening (fewer
 * methods, redaction on, approval on) is no loosening.
 *
 * @example loosenings({ methods: ["GET"] }, { methods: null }) // [{ rule: "methods", from: "only GET", to: "any method" }]
 */
export function loosenings(before: RequestRules, after: RequestRules): Loosening[] {
  return LOOSENING_CHECKS.map((check) => check(before, after)).filter((l): l is Loosening => l !== null);
}
