/** Agent invites (seed 002): create, list, revoke by token suffix, and redeem. Shapes and limits: invites.contract.ts. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse } from "../lib/openapi.ts";
import {
  CreateInviteBody,
  INVITE_DEFAULT_TTL_SECONDS,
  INVITE_MAX_TTL_SECONDS,
  InviteList,
  InviteRevoked,
  InviteSuffixParams,
  IssuedInvite,
  ListInvitesQuery,
  MAX_PENDING_INVITES,
  RedeemedInvite,
  RedeemInviteParams,
} from "./invites.contract.ts";

export const createInvite = createRoute({
  method: "post",
  path: "/v1/agents/invites",
  tags: ["agents"],
  summary: "Invite an agent: a single-use, expiring URL the agent redeems for its token",
  description: `Default TTL ${INVITE_DEFAULT_TTL_SECONDS} s, at most ${INVITE_MAX_TTL_SECONDS} s; at most ${MAX_PENDING_INVITES} pending per company (429). Only owners invite owner agents; a vault grant cannot exceed the inviter's own role in that vault.`,
  request: jsonBody(CreateInviteBody),
  responses: { 201: jsonResponse(IssuedInvite, "Created"), ...errors(400, 401, 403, 404, 409, 429) },
});

export const listInvites = createRoute({
  method: "get",
  path: "/v1/agents/invites",
  tags: ["agents"],
  summary: "List agent and rotation invites (default: pending)",
  request: { query: ListInvitesQuery },
  responses: { 200: jsonResponse(InviteList, "Invites"), ...errors(400, 401, 403) },
});

export const revokeInvite = createRoute({
  method: "delete",
  path: "/v1/agents/invites/{suffix}",
  tags: ["agents"],
  summary: "Revoke a pending invite by the last characters of its token (as `agent invite list` shows them)",
  request: { params: InviteSuffixParams },
  responses: { 200: jsonResponse(InviteRevoked, "Revoked"), ...errors(401, 403, 404, 409) },
});

export const redeemInvite = createRoute({
  method: "post",
  path: "/invite/{token}",
  tags: ["agents"],
  summary: "Redeem an invite: returns the agent token (once) and the protocol instructions",
  description: "Used → 410 invite_used, expired → 410 invite_expired, revoked → 410 invite_revoked, unknown → 404 invite_not_found.",
  request: { params: RedeemInviteParams },
  responses: { 200: jsonResponse(RedeemedInvite, "Redeemed"), ...errors(404, 409, 410) },
});
