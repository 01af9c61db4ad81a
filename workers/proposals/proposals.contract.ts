/**
 * Proposals' contract (seed 000, protocol.md §1): what an agent may ask for, what reviewers and
 * the raiser read back, the webhook events, and the limits. Zod schemas and constants only,
 * imported by the routes, by proposal-view.ts (the view types) and by the CLI.
 */
import { z } from "@hono/zod-openapi";
import { CredentialKey, CredentialValue } from "../credentials/credentials.contract.ts";
import { ResourceName, Timestamp } from "../lib/openapi.ts";
import { VAULT_ROLES, type VaultRole } from "../lib/principal.ts";
import { ServiceAuthSchema } from "../services/services.contract.ts";
import {
  ApprovalTimeoutSchema,
  LooseningSchema,
  MethodsSchema,
  PROXIED_METHODS,
  RedactResponseSchema,
  RequireApprovalSchema,
  SUBSTITUTION_SURFACES,
  SubstitutionsSchema,
} from "../services/request-rules.contract.ts";

export const MAX_PROPOSAL_SERVICES = 10;
export const MAX_PROPOSAL_SLOTS = 10;
export const MAX_PROPOSAL_MESSAGE = 2000;
export const MAX_PENDING_PER_VAULT = 20;
/** One raiser (with the sessions it minted) cannot fill a vault's queue and lock others out. */
export const MAX_PENDING_PER_RAISER = 10;
export const PROPOSAL_TTL_MS = 7 * 24 * 3600 * 1000;
/** The longest `?wait=` a read holds for. */
export const MAX_WAIT_SECONDS = 60;
export const MAX_PROPOSAL_LIST_LIMIT = 200;
export const DEFAULT_PROPOSAL_LIST_LIMIT = 50;
export const MAX_PROPOSAL_ID_LENGTH = 64;

export const PROPOSAL_STATUSES = ["pending", "applied", "rejected", "expired"] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

/** What webhooks deliver, one per status a proposal can reach. */
export const PROPOSAL_EVENTS = ["proposal.created", "proposal.applied", "proposal.rejected", "proposal.expired"] as const;
export type ProposalEvent = (typeof PROPOSAL_EVENTS)[number];

/** Links a reviewer will click: http(s) only, so a proposal cannot smuggle `javascript:`. */
const HttpUrl = z
  .string()
  .max(2000)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), "must be an http(s) URL");

const ProposedService = z
  .object({
    action: z.enum(["set", "delete"]).default("set"),
    name: ResourceName,
    host: z.string().min(1).max(300).optional(),
    upstream: z.string().max(300).optional(),
    description: z.string().max(200).optional(),
    auth: ServiceAuthSchema.optional(),
    substitutions: SubstitutionsSchema.optional(),
    methods: MethodsSchema.nullable().optional(),
    redact_response: RedactResponseSchema.optional(),
    require_approval: RequireApprovalSchema.optional(),
    approval_timeout_seconds: ApprovalTimeoutSchema.optional(),
  })
  .strict();

const CredentialSlot = z
  .object({
    action: z.enum(["set", "delete"]).default("set"),
    key: CredentialKey,
    description: z.string().max(500).optional(),
    obtain: HttpUrl.optional(),
    obtain_instructions: z.string().max(2000).optional(),
    value: CredentialValue.optional().openapi({ description: "Store a credential back; sealed at once, never shown." }),
  })
  .strict();

export const RaiseProposalBody = z
  .object({
    vault: ResourceName.optional(),
    services: z.array(ProposedService).max(MAX_PROPOSAL_SERVICES).default([]),
    credentials: z.array(CredentialSlot).max(MAX_PROPOSAL_SLOTS).default([]),
    message: z.string().max(MAX_PROPOSAL_MESSAGE).default(""),
    user_message: z.string().max(MAX_PROPOSAL_MESSAGE).optional(),
  })
  .strict();
export type RaiseProposalInput = z.infer<typeof RaiseProposalBody>;

/**
 * Who did something, as the edge knows them, never as they named themselves: an agent by its
 * name, a person by their e-mail, an API key by its label. Something done through a vault
 * session is its minter's, with the session in `via`; the session's label is free text its
 * minter chose, so it is shown only quoted, after the real principal.
 */
export const PrincipalRef = z
  .object({
    kind: z.enum(["agent", "user", "company_key"]),
    id: z.string(),
    name: z.string(),
    via: z.object({ kind: z.literal("vault_session"), id: z.string(), label: z.string() }).optional(),
  })
  .openapi("PrincipalRef");
export type PrincipalRef = z.output<typeof PrincipalRef>;

/**
 * One service that sends a slot's key once the proposal applies, and who chose where it sends
 * it. `chosen_by_agent`: that destination was set by an agent, or through a vault session (what
 * `vault run` hands an agent), directly or by a proposal a person approved. `chosen_by_admin`:
 * it was set by a person or an API key who was an admin of the vault when it took effect (an
 * agent's or a session's choice never counts as one, whatever its role); only then may a member
 * type a value for it.
 */
export const SlotDestination = z.object({
  service: z.string(),
  host: z.string(),
  upstream: z.string().optional(),
  /** True when this proposal itself sets that service. */
  proposed: z.boolean().optional(),
  chosen_by: PrincipalRef.optional(),
  chosen_at: Timestamp.optional(),
  /** The chooser's role in the vault when the destination took effect; absent when it was not recorded. */
  chosen_by_role: z.enum(VAULT_ROLES).optional(),
  chosen_by_agent: z.boolean(),
  /** Absent in a view stored before it was recorded: read as false, the stricter reading. */
  chosen_by_admin: z.boolean().default(false),
  /**
   * The key is an `oauth` service's client secret or refresh token: its value goes to this token
   * endpoint, and the access token obtained with it to the host or upstream.
   */
  token_endpoint: z.string().optional(),
});
export type SlotDestination = z.output<typeof SlotDestination>;

export const ProposalRaised = z.object({ id: z.string(), status: z.literal("pending"), vault: z.string(), approval_url: z.string(), message: z.string() });

/** A proposed service as reviewers and the raiser read it back. */
export const ProposedServiceView = z.object({
  action: z.enum(["set", "delete"]),
  name: z.string(),
  host: z.string().optional(),
  upstream: z.string().optional(),
  description: z.string().optional(),
  auth: ServiceAuthSchema.optional(),
  /** Its rules (request-rules.contract.ts), when the proposal sets them: absent, none, every method, redaction on, no person. */
  substitutions: z.array(z.object({ key: z.string(), placeholder: z.string(), in: z.array(z.enum(SUBSTITUTION_SURFACES)) })).optional(),
  methods: z.array(z.enum(PROXIED_METHODS)).optional(),
  redact_response: z.boolean().optional(),
  require_approval: z.boolean().optional(),
  approval_timeout_seconds: z.number().int().optional(),
  /** What it loosens in the service it replaces (a method added, redaction off, a credential in a new surface, approval off): old → new; a vault admin decides. */
  loosens: z.array(LooseningSchema).optional(),
  /** The service of this name as it is now, which approving replaces (or removes). */
  replaces: z.object({ host: z.string(), upstream: z.string().optional(), auth_type: z.string() }).optional(),
  /**
   * Stored credentials this service would send somewhere they are not sent today, and where they go
   * now; `to`: the token endpoint this service would send it to, for an `oauth` service's client
   * secret and refresh token (the access token they obtain goes to its upstream).
   */
  exposes: z.array(z.object({ key: z.string(), sent_to: z.array(z.string()), to: z.string().optional() })).optional(),
});

/** A credential slot read back: never a value, only whether the agent supplied one. */
export const CredentialSlotView = z.object({
  action: z.enum(["set", "delete"]),
  key: z.string(),
  description: z.string().optional(),
  obtain: z.string().optional(),
  obtain_instructions: z.string().optional(),
  /** True when the agent supplied the value itself (it is stored sealed, never shown). */
  has_value: z.boolean(),
  /** True when the vault already holds a value under this key, which approving overwrites. */
  replaces_existing: z.boolean().optional(),
  /** `set` slots: every service that sends this key once the proposal applies (none: `[]`). */
  sent_to: z.array(SlotDestination).optional(),
});

/** A proposal on the wire; the OpenAPI document shows its services and slots as open objects. */
export const ProposalView = z
  .object({
    id: z.string(),
    status: z.enum(PROPOSAL_STATUSES),
    vault: z.string(),
    services: z.array(z.record(z.string(), z.unknown())),
    credentials: z.array(z.record(z.string(), z.unknown())),
    message: z.string(),
    user_message: z.string().nullable(),
    review_note: z.string().nullable(),
    reviewed_at: Timestamp.nullable(),
    created_at: Timestamp,
    expires_at: Timestamp,
    /** Who raised it; absent only where its raiser reads back a proposal raised before this was recorded. */
    raised_by: PrincipalRef.optional(),
    /**
     * A digest of where this view says values would go (`sent_to`, `replaces`, `exposes`): send it
     * back when approving, and the edge refuses (409 `proposal_changed`) if that is no longer so.
     */
    destinations_digest: z.string().optional(),
  })
  .openapi("Proposal");

/** The same proposal with its services and slots read as what they are (what clients parse). */
export const ProposalDetails = ProposalView.extend({ services: z.array(ProposedServiceView), credentials: z.array(CredentialSlotView) });

export const ProposalParams = z.object({ id: z.string().min(1).max(MAX_PROPOSAL_ID_LENGTH) });
export const GetProposalQuery = z.object({ wait: z.coerce.number().int().min(0).max(MAX_WAIT_SECONDS).optional() }).strict();
export const ListProposalsQuery = z
  .object({
    status: z.enum(PROPOSAL_STATUSES).optional(),
    vault: ResourceName.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PROPOSAL_LIST_LIMIT).default(DEFAULT_PROPOSAL_LIST_LIMIT),
  })
  .strict();
export const ProposalList = z.object({ proposals: z.array(ProposalView) });
export const ProposalDetailsList = z.object({ proposals: z.array(ProposalDetails) });

const ApprovalToken = z.string().max(200);
const DestinationsDigest = z.string().max(128);
export const ApproveProposalBody = z
  .object({
    credentials: z.record(CredentialKey, CredentialValue).default({}),
    note: z.string().max(MAX_PROPOSAL_MESSAGE).optional(),
    token: ApprovalToken.optional().openapi({ description: "The approval_url's token; when given it must belong to this proposal." }),
    destinations_digest: DestinationsDigest.optional().openapi({
      description:
        "The destinations_digest of the view the decision was made on; without it, the view as raised. A change since → 409 proposal_changed, nothing applied.",
    }),
  })
  .strict();
export const RejectProposalBody = z.object({ reason: z.string().min(1).max(MAX_PROPOSAL_MESSAGE), token: ApprovalToken.optional() }).strict();

// ── How a proposal reads ─────────────────────────────────────────────────────────────────────
/*
 * Who asks and where a value goes, in a reviewer's words: the one wording the approval page, the
 * inbox and the CLI share. Pure (no bindings). A sentence is a `Phrase`: the edge's own words,
 * and the text a principal chose for itself (a session's label) as `{ chosen }`, always quoted
 * and after the principal it belongs to, which each medium shows isolated (the pages in a
 * `<bdi>`, console/agent-text.ts; the CLI with its controls made visible, cli/terminal-text.ts).
 */

type Destination = Pick<SlotDestination, "host" | "upstream" | "token_endpoint">;

/** A sentence in pieces: the edge's words, and `{ chosen }` text a principal chose. */
export type Phrase = readonly (string | { chosen: string })[];

/** The phrase as one plain string (the CLI escapes it whole; tests read it). */
export const plainText = (phrase: Phrase): string => phrase.map((part) => (typeof part === "string" ? part : part.chosen)).join("");

/**
 * Chosen by an agent: by an agent, or by anyone through a vault session — a session is what
 * `vault run` hands the agent it wraps, so what a session does is what an agent does.
 */
export const chosenByAgent = (ref: PrincipalRef): boolean => ref.kind === "agent" || ref.via !== undefined;

/**
 * Chosen by a vault admin: a person or an API key, not through a session, who was an admin of the
 * vault when the destination took effect (`role`, recorded then). Anything else (an agent, a
 * session, a member whose proposal an admin approved, a chooser not recorded) is not: a value sent
 * there must be typed by an admin (credentials.actions.ts).
 */
export const chosenByVaultAdmin = (ref: PrincipalRef | null | undefined, role: VaultRole | null | undefined): boolean =>
  ref != null && !chosenByAgent(ref) && role === "admin";

/**
 * "agent deploy-bot", "ada@example.com", "API key “ci”"; through a session, its minter first:
 * "agent deploy-bot, through its session “nightly”" (the label is the `chosen` part).
 */
export function principalPhrase(ref: PrincipalRef | undefined): Phrase {
  if (!ref) return ["a raiser recorded before Edgevault named them"];
  const who = ref.kind === "agent" ? `agent ${ref.name}` : ref.kind === "user" ? ref.name : `API key “${ref.name}”`;
  if (!ref.via) return [who];
  const through = `${who}, through ${ref.kind === "user" ? "their" : "its"} session `;
  return ref.via.label ? [`${through}“`, { chosen: ref.via.label }, "”"] : [`${through}${ref.via.id}`];
}

export const principalText = (ref: PrincipalRef | undefined): string => plainText(principalPhrase(ref));

/** Where a service sends its credentials: the upstream override, else the host over https (no path). */
export function destinationOf(hostPattern: string, upstream: string | null | undefined): string {
  return upstream ?? `https://${hostPattern.split("/")[0] ?? hostPattern}`;
}

/**
 * Where a value goes, in words: its address, or for an `oauth` service's client secret and refresh
 * token the token endpoint they are sent to, and where the access token they obtain goes.
 */
export const destinationText = (d: Destination): string =>
  d.token_endpoint ? `token endpoint ${d.token_endpoint} (its access token to ${destinationOf(d.host, d.upstream)})` : destinationOf(d.host, d.upstream);

/** Where a service's credentials go besides its upstream: an `oauth` service's secret and refresh token go to its token endpoint. */
type Sends = {
  host: string;
  upstream?: string | null;
  auth?: { type: string; token_endpoint?: string; client_secret_key?: string; refresh_token_key?: string | undefined } | undefined;
};
const tokenEndpointOf = (s: Sends): string | null => (s.auth?.type === "oauth" ? (s.auth.token_endpoint ?? null) : null);

/**
 * The token endpoint `key` is sent to by a service, when it is an `oauth` service's client secret
 * or refresh token (null otherwise): that is where those values go (the upstream receives the
 * access token they obtain) — what a reviewer, the admin rule and the digest must name, since
 * whoever runs that endpoint receives them.
 */
export function tokenEndpointSending(s: Sends, key: string): string | null {
  const endpoint = tokenEndpointOf(s);
  return endpoint !== null && (s.auth?.client_secret_key === key || s.auth?.refresh_token_key === key) ? endpoint : null;
}

/**
 * A service written from `before` to `after` still sends its credentials to the same place (a new
 * host under the same upstream, a new auth or description): who chose that place stays its chooser.
 * Only a change of where credentials go makes the writer its chooser (services.actions.ts, and
 * impact.ts for what a proposal would do) — for an `oauth` service a new token endpoint too, since
 * its client secret and refresh token are sent there.
 */
export const keepsDestination = (before: Sends, after: Sends): boolean =>
  destinationOf(before.host, before.upstream) === destinationOf(after.host, after.upstream) && tokenEndpointOf(before) === tokenEndpointOf(after);

type Choice = Pick<SlotDestination, "proposed" | "chosen_by" | "chosen_at" | "chosen_by_role" | "chosen_by_agent" | "chosen_by_admin">;

/** "member mem@example.com", "mem@example.com (proxy role)": a person or key below admin, as a chooser. */
function belowAdmin(d: Choice, who: Phrase): Phrase {
  if (d.chosen_by_role === "member") return ["member ", ...who];
  if (d.chosen_by_role === "proxy") return [...who, " (proxy role in the vault)"];
  return d.chosen_by_role ? [...who] : [...who, " (role in the vault not recorded)"];
}

/**
 * Who chose a destination: "set by ada@example.com on 2026-11-20" (a vault admin), "host chosen by
 * agent deploy-bot on 2026-11-23", "host chosen by agent deploy-bot in this proposal", "host chosen
 * by member mem@example.com on 2026-11-21". Everything but "set by" is a choice no vault admin made.
 */
export function choicePhrase(d: Choice): Phrase {
  if (!d.chosen_by) return ["set before Edgevault recorded who sets destinations"];
  const when = d.proposed ? " in this proposal" : d.chosen_at ? ` on ${d.chosen_at.slice(0, 10)}` : "";
  const who = principalPhrase(d.chosen_by);
  if (d.chosen_by_admin) return ["set by ", ...who, when];
  return ["host chosen by ", ...(d.chosen_by_agent ? who : belowAdmin(d, who)), when];
}

export const choiceText = (d: Choice): string => plainText(choicePhrase(d));
