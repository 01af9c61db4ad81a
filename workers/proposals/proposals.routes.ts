/** Proposals (seed 000, protocol.md §1): an agent asks for hosts and credentials; a human decides. */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { ServiceAuthSchema } from "../lib/inject-auth.ts";
import { CredentialKey, errors, jsonBody, jsonResponse, ResourceName, Timestamp } from "../lib/openapi.ts";
import { MAX_CREDENTIAL_VALUE_BYTES } from "../credentials/credentials.routes.ts";

export const MAX_PROPOSAL_SERVICES = 10;
export const MAX_PROPOSAL_SLOTS = 10;
export const MAX_PROPOSAL_MESSAGE = 2000;
export const MAX_PENDING_PER_VAULT = 20;
/** One raiser (with the sessions it minted) cannot fill a vault's queue and lock others out. */
export const MAX_PENDING_PER_RAISER = 10;
export const PROPOSAL_TTL_MS = 7 * 24 * 3600 * 1000;
export const MAX_WAIT_SECONDS = 60;

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
  })
  .strict();

const CredentialSlot = z
  .object({
    action: z.enum(["set", "delete"]).default("set"),
    key: CredentialKey,
    description: z.string().max(500).optional(),
    obtain: HttpUrl.optional(),
    obtain_instructions: z.string().max(2000).optional(),
    value: z.string().min(1).max(MAX_CREDENTIAL_VALUE_BYTES).optional().openapi({ description: "Store a credential back; sealed at once, never shown." }),
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

export const ProposalView = z
  .object({
    id: z.string(),
    status: z.enum(["pending", "applied", "rejected", "expired"]),
    vault: z.string(),
    services: z.array(z.record(z.string(), z.unknown())),
    credentials: z.array(z.record(z.string(), z.unknown())),
    message: z.string(),
    user_message: z.string().nullable(),
    review_note: z.string().nullable(),
    reviewed_at: Timestamp.nullable(),
    created_at: Timestamp,
    expires_at: Timestamp,
  })
  .openapi("Proposal");

const IdParams = z.object({ id: z.string().min(1).max(64) });

export const raiseProposal = createRoute({
  method: "post",
  path: "/v1/proposals",
  tags: ["proposals"],
  summary: "Raise a proposal: hosts (services) and credential slots for a human to approve",
  description: `Limits: ${MAX_PROPOSAL_SERVICES} services, ${MAX_PROPOSAL_SLOTS} slots, message ≤ ${MAX_PROPOSAL_MESSAGE} chars; more than ${MAX_PENDING_PER_VAULT} pending per vault, or ${MAX_PENDING_PER_RAISER} per raiser (with the sessions it minted) → 429. Show the user the approval_url.`,
  request: jsonBody(RaiseProposalBody),
  responses: {
    201: jsonResponse(z.object({ id: z.string(), status: z.literal("pending"), vault: z.string(), approval_url: z.string(), message: z.string() }), "Raised"),
    ...errors(400, 401, 403, 404, 429),
  },
});

export const getProposal = createRoute({
  method: "get",
  path: "/v1/proposals/{id}",
  tags: ["proposals"],
  summary: "A proposal; `?wait=<seconds>` (≤ 60) holds the request until it leaves pending or the time runs out",
  request: { params: IdParams, query: z.object({ wait: z.coerce.number().int().min(0).max(MAX_WAIT_SECONDS).optional() }).strict() },
  responses: { 200: jsonResponse(ProposalView, "The proposal"), ...errors(400, 401, 404) },
});

export const listProposals = createRoute({
  method: "get",
  path: "/v1/proposals",
  tags: ["proposals"],
  summary: "Proposals of a vault (newest first); proxy-role callers see only their own",
  request: { query: z.object({ status: z.enum(["pending", "applied", "rejected", "expired"]).optional(), vault: ResourceName.optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }).strict() },
  responses: { 200: jsonResponse(z.object({ proposals: z.array(ProposalView) }), "Proposals"), ...errors(400, 401, 403, 404) },
});

export const approveProposal = createRoute({
  method: "post",
  path: "/v1/proposals/{id}/approve",
  tags: ["proposals"],
  summary: "Approve (signed-in human, vault member or higher): applies services and credentials atomically",
  request: {
    params: IdParams,
    ...jsonBody(
      z
        .object({
          credentials: z.record(CredentialKey, z.string().min(1).max(MAX_CREDENTIAL_VALUE_BYTES)).default({}),
          note: z.string().max(MAX_PROPOSAL_MESSAGE).optional(),
          token: z.string().max(200).optional().openapi({ description: "The approval_url's token; when given it must belong to this proposal." }),
        })
        .strict(),
    ),
  },
  responses: { 200: jsonResponse(ProposalView, "Applied"), ...errors(400, 401, 403, 404, 409) },
});

export const rejectProposal = createRoute({
  method: "post",
  path: "/v1/proposals/{id}/reject",
  tags: ["proposals"],
  summary: "Reject with a reason (signed-in human, vault member or higher)",
  request: { params: IdParams, ...jsonBody(z.object({ reason: z.string().min(1).max(MAX_PROPOSAL_MESSAGE), token: z.string().max(200).optional() }).strict()) },
  responses: { 200: jsonResponse(ProposalView, "Rejected"), ...errors(400, 401, 403, 404, 409) },
});
