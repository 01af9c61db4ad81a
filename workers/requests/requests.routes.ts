/** Held requests (issue 21): calls to a service with `require_approval` wait for a vault admin. Shapes and limits: requests.contract.ts. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonResponse } from "../lib/openapi.ts";
import {
  ApproveHeldRequestBody,
  HeldRequestList,
  HeldRequestParams,
  ListHeldRequestsQuery,
  MAX_PENDING_HELD_PER_VAULT,
  MAX_RELEASE_SECONDS,
  OneHeldRequest,
  RejectHeldRequestBody,
  RequestReleaseList,
  RequestReleaseParams,
  RequestReleaseRevoked,
  VaultRequestsParams,
} from "./requests.contract.ts";

export const listHeldRequests = createRoute({
  method: "get",
  path: "/v1/vaults/{vault}/requests",
  tags: ["requests"],
  summary: `Requests of the vault held for a person (vault admins), newest first: method, host and path only; at most ${MAX_PENDING_HELD_PER_VAULT} pending at once`,
  request: { params: VaultRequestsParams, query: ListHeldRequestsQuery },
  responses: { 200: jsonResponse(HeldRequestList, "Held requests"), ...errors(400, 401, 403, 404) },
});

export const getHeldRequest = createRoute({
  method: "get",
  path: "/v1/requests/{id}",
  tags: ["requests"],
  summary: "One held request (vault admins)",
  request: { params: HeldRequestParams },
  responses: { 200: jsonResponse(OneHeldRequest, "The held request"), ...errors(400, 401, 403, 404) },
});

export const approveHeldRequest = createRoute({
  method: "post",
  path: "/v1/requests/{id}/approve",
  tags: ["requests"],
  summary: `Release a held request (a signed-in vault admin, not its requester); \`for_seconds\` (≤ ${MAX_RELEASE_SECONDS}) also releases the same agent's same method and path that long`,
  request: { params: HeldRequestParams, body: { content: { "application/json": { schema: ApproveHeldRequestBody } }, required: false } },
  responses: { 200: jsonResponse(OneHeldRequest, "Approved: the waiting request is forwarded"), ...errors(400, 401, 403, 404, 409) },
});

export const rejectHeldRequest = createRoute({
  method: "post",
  path: "/v1/requests/{id}/reject",
  tags: ["requests"],
  summary: "Refuse a held request (a signed-in vault admin): the agent gets 403 request_rejected with the reason",
  request: { params: HeldRequestParams, body: { content: { "application/json": { schema: RejectHeldRequestBody } }, required: false } },
  responses: { 200: jsonResponse(OneHeldRequest, "Rejected"), ...errors(400, 401, 403, 404, 409) },
});

export const listRequestReleases = createRoute({
  method: "get",
  path: "/v1/vaults/{vault}/request-releases",
  tags: ["requests"],
  summary: "Time-boxed approvals still running (vault admins): whose calls with which method, host and path pass without a person, until when",
  request: { params: VaultRequestsParams },
  responses: { 200: jsonResponse(RequestReleaseList, "Time-boxed approvals"), ...errors(400, 401, 403, 404) },
});

export const revokeRequestRelease = createRoute({
  method: "delete",
  path: "/v1/vaults/{vault}/request-releases/{id}",
  tags: ["requests"],
  summary: "End a time-boxed approval now (vault admins): those calls wait for a person again",
  request: { params: RequestReleaseParams },
  responses: { 200: jsonResponse(RequestReleaseRevoked, "Revoked"), ...errors(400, 401, 403, 404) },
});
