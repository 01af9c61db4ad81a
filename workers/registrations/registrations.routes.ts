/**
 * Self-registration (seed 004): an agent asks to join a company, an owner approves (granting a
 * subset of what it asked for) or rejects, and the agent collects its token with the claim token
 * it was given, whenever it comes back: nothing is lost if it disconnects meanwhile.
 */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { MAX_PENDING_REGISTRATIONS } from "./registrations.queries.ts";
import { AgentName, CAPABILITIES } from "../agents/agent-names.ts";
import { errors, jsonBody, jsonResponse, ResourceName, Timestamp } from "../lib/openapi.ts";
import { RealmView } from "../realms/realms.routes.ts";

const CapabilityList = z
  .array(z.string().max(64))
  .max(32)
  .openapi({ example: ["api_call", "file_access"], description: `Any of: ${CAPABILITIES.join(", ")}` });

const RegistrationParams = z.object({ id: z.string().min(1).max(100).openapi({ example: "reg_x3Fk9aQ2b7Lm" }) });

export const registerAgent = createRoute({
  method: "post",
  path: "/v1/companies/{companyId}/agents/register",
  tags: ["registrations"],
  summary: "Ask to become an agent of a company (no auth); an owner must approve",
  description:
    `Returns a \`claim_token\`: keep it and POST it to /v1/registrations/claim to learn the decision and, once approved, collect the agent token (once). ` +
    `At most ${MAX_PENDING_REGISTRATIONS} registrations may be pending per company (429).`,
  request: {
    params: z.object({ companyId: ResourceName.openapi({ example: "acme" }) }),
    ...jsonBody(
      z
        .object({
          name: AgentName,
          version: z.string().trim().min(1).max(64).optional().openapi({ example: "1.0.0" }),
          capabilities: CapabilityList,
          publicKey: z.string().min(1).max(4096).optional(),
        })
        .strict(),
    ),
  },
  responses: {
    201: jsonResponse(
      z.object({
        agentId: z.string().openapi({ description: "The requested agent name" }),
        registrationId: z.string(),
        status: z.literal("pending"),
        message: z.string(),
        claim_token: z.string().openapi({ description: "Secret. Shown once; collects the agent token after approval." }),
      }),
      "Registered, awaiting approval",
    ),
    ...errors(400, 404, 409, 429),
  },
});

export const listRegistrations = createRoute({
  method: "get",
  path: "/v1/registrations",
  tags: ["registrations"],
  summary: "Pending registrations, oldest first (owners)",
  responses: {
    200: jsonResponse(
      z.object({
        registrations: z.array(
          z
            .object({
              id: z.string(),
              name: z.string(),
              version: z.string().nullable(),
              publicKey: z.string().nullable(),
              requestedCapabilities: z.array(z.string()),
              requestedAt: Timestamp,
            })
            .openapi("PendingRegistration"),
        ),
        availableCapabilities: z.array(z.string()),
      }),
      "Pending registrations",
    ),
    ...errors(401, 403),
  },
});

export const approveRegistration = createRoute({
  method: "post",
  path: "/v1/registrations/{id}/approve",
  tags: ["registrations"],
  summary: "Approve a registration (owners), granting a subset of the requested capabilities and optionally a realm",
  description: "The agent is created at once; its token is handed out only when it claims. A registration is decided once (409 registration_decided).",
  request: {
    params: RegistrationParams,
    ...jsonBody(z.object({ capabilities: CapabilityList, realm: z.string().min(1).max(100).optional().openapi({ description: "Realm id or slug" }) }).strict()),
  },
  responses: {
    200: jsonResponse(z.object({ success: z.literal(true), agentId: z.string() }), "Approved"),
    ...errors(400, 401, 403, 404, 409),
  },
});

export const rejectRegistration = createRoute({
  method: "post",
  path: "/v1/registrations/{id}/reject",
  tags: ["registrations"],
  summary: "Reject a registration with a reason the agent will see (owners)",
  request: { params: RegistrationParams, ...jsonBody(z.object({ reason: z.string().trim().min(1).max(1000) }).strict()) },
  responses: { 200: jsonResponse(z.object({ success: z.literal(true) }), "Rejected"), ...errors(400, 401, 403, 404, 409) },
});

export const claimRegistration = createRoute({
  method: "post",
  path: "/v1/registrations/claim",
  tags: ["registrations"],
  summary: "Learn a registration's decision with its claim token; once approved, collect the agent token (once)",
  description:
    "Pending → 202 (poll again later). Rejected → 403 registration_rejected with the reason. Approved → 200 with the token, exactly once; afterwards 410 registration_claimed. Unknown token → 404 registration_not_found.",
  request: jsonBody(z.object({ claim_token: z.string().min(1).max(200) }).strict()),
  responses: {
    200: jsonResponse(
      z.object({
        status: z.literal("approved"),
        agentId: z.string(),
        spiffeId: z.string(),
        token: z.string().openapi({ description: "The agent's bearer token. Shown once." }),
        capabilities: z.array(z.string()),
        realm: RealmView.nullable(),
      }),
      "Approved: the agent token",
    ),
    202: jsonResponse(z.object({ status: z.literal("pending"), registrationId: z.string() }), "Still pending"),
    ...errors(400, 403, 404, 410),
  },
});
