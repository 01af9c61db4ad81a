/** Proposals (seed 000, protocol.md §1): an agent asks for hosts and credentials; a human decides. Shapes and limits: proposals.contract.ts. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse } from "../lib/openapi.ts";
import {
  ApproveProposalBody,
  GetProposalQuery,
  ListProposalsQuery,
  MAX_PENDING_PER_RAISER,
  MAX_PENDING_PER_VAULT,
  MAX_PROPOSAL_MESSAGE,
  MAX_PROPOSAL_SERVICES,
  MAX_PROPOSAL_SLOTS,
  MAX_WAIT_SECONDS,
  ProposalList,
  ProposalParams,
  ProposalRaised,
  ProposalView,
  RaiseProposalBody,
  RejectProposalBody,
} from "./proposals.contract.ts";

export const raiseProposal = createRoute({
  method: "post",
  path: "/v1/proposals",
  tags: ["proposals"],
  summary: "Raise a proposal: hosts (services) and credential slots for a human to approve",
  description: `Limits: ${MAX_PROPOSAL_SERVICES} services, ${MAX_PROPOSAL_SLOTS} slots, message ≤ ${MAX_PROPOSAL_MESSAGE} chars; more than ${MAX_PENDING_PER_VAULT} pending per vault, or ${MAX_PENDING_PER_RAISER} per raiser (with the sessions it minted) → 429. Show the user the approval_url.`,
  request: jsonBody(RaiseProposalBody),
  responses: { 201: jsonResponse(ProposalRaised, "Raised"), ...errors(400, 401, 403, 404, 429) },
});

export const getProposal = createRoute({
  method: "get",
  path: "/v1/proposals/{id}",
  tags: ["proposals"],
  summary: `A proposal; \`?wait=<seconds>\` (≤ ${MAX_WAIT_SECONDS}) holds the request until it leaves pending or the time runs out`,
  request: { params: ProposalParams, query: GetProposalQuery },
  responses: { 200: jsonResponse(ProposalView, "The proposal"), ...errors(400, 401, 404) },
});

export const listProposals = createRoute({
  method: "get",
  path: "/v1/proposals",
  tags: ["proposals"],
  summary: "Proposals of a vault (newest first); proxy-role callers see only their own",
  request: { query: ListProposalsQuery },
  responses: { 200: jsonResponse(ProposalList, "Proposals"), ...errors(400, 401, 403, 404) },
});

export const approveProposal = createRoute({
  method: "post",
  path: "/v1/proposals/{id}/approve",
  tags: ["proposals"],
  summary: "Approve (signed-in human, vault member or higher): applies services and credentials atomically",
  request: { params: ProposalParams, ...jsonBody(ApproveProposalBody) },
  responses: { 200: jsonResponse(ProposalView, "Applied"), ...errors(400, 401, 403, 404, 409) },
});

export const rejectProposal = createRoute({
  method: "post",
  path: "/v1/proposals/{id}/reject",
  tags: ["proposals"],
  summary: "Reject with a reason (signed-in human, vault member or higher)",
  request: { params: ProposalParams, ...jsonBody(RejectProposalBody) },
  responses: { 200: jsonResponse(ProposalView, "Rejected"), ...errors(400, 401, 403, 404, 409) },
});
