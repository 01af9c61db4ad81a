/**
 * Self-registration (seed 004): an agent asks to join a company, an owner approves (granting a
 * subset of what it asked for) or rejects, and the agent collects its token with the claim token
 * it was given, whenever it comes back: nothing is lost if it disconnects meanwhile. Shapes and
 * limits: registrations.contract.ts.
 */
import { createRoute } from "../auth/secured-route.ts";
import { bodyCap } from "../body-caps.ts";
import { errors, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { countRegistrationAttempt } from "./registration-attempts.ts";
import {
  ApproveRegistrationBody,
  ClaimBody,
  CompanyParams,
  MAX_PENDING_REGISTRATIONS,
  MAX_REGISTRATION_BODY_BYTES,
  PendingRegistrations,
  RegisterBody,
  Registered,
  RegistrationApproved,
  RegistrationClaimed,
  RegistrationParams,
  RegistrationRejected,
  RegistrationStillPending,
  RejectRegistrationBody,
  VaultysApproveBody,
  VaultysApproved,
  VaultysRegisterBody,
  VaultysRegistered,
  VaultysRejectBody,
} from "./registrations.contract.ts";

/** Counted before anything is read, then held to a registration's size (registration-attempts.ts). */
const ATTEMPT = [countRegistrationAttempt, bodyCap(MAX_REGISTRATION_BODY_BYTES)];

export const registerAgent = createRoute({
  method: "post",
  path: "/v1/companies/{companyId}/agents/register",
  tags: ["registrations"],
  summary: "Ask to become an agent of a company (no auth); an owner must approve",
  description:
    `Returns a \`claim_token\`: keep it and POST it to /v1/registrations/claim to learn the decision and, once approved, collect the agent token (once). ` +
    `At most ${MAX_PENDING_REGISTRATIONS} registrations may be pending per company (429). Each attempt is counted before the body is read ` +
    `(10 an hour per client address, or per caller with a token of this company); bodies over ${MAX_REGISTRATION_BODY_BYTES} bytes are 413. A vault session is refused (403 session_cannot_register).`,
  middleware: ATTEMPT,
  request: { params: CompanyParams, ...jsonBody(RegisterBody) },
  responses: {
    201: jsonResponse(Registered, "Registered, awaiting approval"),
    ...errors(400, 401, 403, 404, 409, 413, 429),
  },
});

export const listRegistrations = createRoute({
  method: "get",
  path: "/v1/registrations",
  tags: ["registrations"],
  summary: "Pending registrations, oldest first (owners)",
  responses: {
    200: jsonResponse(PendingRegistrations, "Pending registrations"),
    ...errors(401, 403),
  },
});

export const approveRegistration = createRoute({
  method: "post",
  path: "/v1/registrations/{id}/approve",
  tags: ["registrations"],
  summary: "Approve a registration (owners), granting a subset of the requested capabilities and optionally a realm",
  description: "The agent is created at once; its token is handed out only when it claims. A registration is decided once (409 registration_decided).",
  request: { params: RegistrationParams, ...jsonBody(ApproveRegistrationBody) },
  responses: {
    200: jsonResponse(RegistrationApproved, "Approved"),
    ...errors(400, 401, 403, 404, 409),
  },
});

export const rejectRegistration = createRoute({
  method: "post",
  path: "/v1/registrations/{id}/reject",
  tags: ["registrations"],
  summary: "Reject a registration with a reason the agent will see (owners)",
  request: { params: RegistrationParams, ...jsonBody(RejectRegistrationBody) },
  responses: { 200: jsonResponse(RegistrationRejected, "Rejected"), ...errors(400, 401, 403, 404, 409) },
});

export const claimRegistration = createRoute({
  method: "post",
  path: "/v1/registrations/claim",
  tags: ["registrations"],
  summary: "Learn a registration's decision with its claim token; once approved, collect the agent token (once)",
  description:
    "Pending → 202 (poll again later). Rejected → 403 registration_rejected with the reason. Approved → 200 with the token, exactly once; afterwards 410 registration_claimed. Unknown token → 404 registration_not_found.",
  request: jsonBody(ClaimBody),
  responses: {
    200: jsonResponse(RegistrationClaimed, "Approved: the agent token"),
    202: jsonResponse(RegistrationStillPending, "Still pending"),
    ...errors(400, 403, 404, 410),
  },
});

/** Vaultys' `/api` paths (seed 004), same bearer tokens and rules as their `/v1` twins. */
export const registerVaultysAgent = createRoute({
  method: "post",
  path: "/api/agents/register",
  tags: ["registrations", "vaultys"],
  summary: "Ask to become an agent (auth optional): the company comes from the caller's token, else from the host `<company>.<BASE_DOMAIN>`",
  description:
    "Without a token and without a per-company host, 400 company_required names `POST /v1/companies/{id}/agents/register`. " +
    "An invalid token is a 401, never a silent fall-back; a vault session is refused (403 session_cannot_register). Unknown body fields are ignored. " +
    "Throttled and capped as the `/v1` route (per caller when a token is sent). Returns a `claim_token` as the `/v1` route does.",
  middleware: ATTEMPT,
  request: jsonBody(VaultysRegisterBody),
  responses: {
    201: jsonResponse(VaultysRegistered, "Registered, awaiting approval"),
    ...errors(400, 401, 403, 404, 409, 413, 429),
  },
});

export const listVaultysRegistrations = createRoute({
  method: "get",
  path: "/api/registrations",
  tags: ["registrations", "vaultys"],
  summary: "Pending registrations, oldest first (owners), as Vaultys lists them",
  responses: {
    200: jsonResponse(PendingRegistrations, "Pending registrations"),
    ...errors(401, 403),
  },
});

export const approveVaultysRegistration = createRoute({
  method: "post",
  path: "/api/registrations/{id}/approve",
  tags: ["registrations", "vaultys"],
  summary: "Approve a registration (owners), granting a subset of the requested capabilities and optionally a realm",
  request: { params: RegistrationParams, ...jsonBody(VaultysApproveBody) },
  responses: {
    200: jsonResponse(VaultysApproved, "Approved"),
    ...errors(400, 401, 403, 404, 409),
  },
});

export const rejectVaultysRegistration = createRoute({
  method: "post",
  path: "/api/registrations/{id}/reject",
  tags: ["registrations", "vaultys"],
  summary: "Reject a registration with a reason the agent will see (owners)",
  request: { params: RegistrationParams, ...jsonBody(VaultysRejectBody) },
  responses: { 200: jsonResponse(RegistrationRejected, "Rejected"), ...errors(400, 401, 403, 404, 409) },
});
