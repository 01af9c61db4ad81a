/**
 * Self-registration's contract (seed 004): an agent asks to join a company, an owner approves
 * (granting a subset of what it asked for) or rejects, and the agent collects its token with its
 * claim token. Zod schemas and constants only, imported by the routes and by the CLI.
 */
import { z } from "@hono/zod-openapi";
import { AgentId, CAPABILITIES, LlmModel, LlmProvider } from "../agents/agents.contract.ts";
import { ResourceName, Timestamp } from "../lib/openapi.ts";
import { MAX_REALM_REF_LENGTH, RealmView } from "../realms/realms.contract.ts";

/** Registrations that may wait for a decision per company (more: 429 too_many_registrations). */
export const MAX_PENDING_REGISTRATIONS = 100;
/** A registration's body: a name, a key, a few capabilities (the channel's frames have the same room). */
export const MAX_REGISTRATION_BODY_BYTES = 16 * 1024;
export const MAX_REGISTRATION_ID_LENGTH = 100;
export const MAX_REJECTION_REASON = 1000;

const CapabilityList = z
  .array(z.string().max(64))
  .max(32)
  .openapi({ example: ["api_call", "file_access"], description: `Any of: ${CAPABILITIES.join(", ")}` });

export const RegistrationParams = z.object({ id: z.string().min(1).max(MAX_REGISTRATION_ID_LENGTH).openapi({ example: "reg_x3Fk9aQ2b7Lm" }) });
export const CompanyParams = z.object({ companyId: ResourceName.openapi({ example: "acme" }) });

export const RegisterBody = z
  .object({
    name: AgentId,
    version: z.string().trim().min(1).max(64).optional().openapi({ example: "1.0.0" }),
    capabilities: CapabilityList,
    publicKey: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .openapi({ description: "An Ed25519 multibase key (`z6Mk…`) gives the agent the DID `did:key:<publicKey>`; one key per agent in a company" }),
    llmProvider: LlmProvider.optional(),
    llmModel: LlmModel.optional(),
  })
  .strict();
export const Registered = z.object({
  agentId: z.string().openapi({ description: "The requested agent name" }),
  registrationId: z.string(),
  status: z.literal("pending"),
  message: z.string(),
  claim_token: z.string().openapi({ description: "Secret. Shown once; collects the agent token after approval." }),
});

export const PendingRegistration = z
  .object({
    id: z.string(),
    name: z.string(),
    version: z.string().nullable(),
    publicKey: z.string().nullable(),
    requestedCapabilities: z.array(z.string()),
    requestedAt: Timestamp,
  })
  .openapi("PendingRegistration");
export const PendingRegistrations = z.object({ registrations: z.array(PendingRegistration), availableCapabilities: z.array(z.string()) });

export const ApproveRegistrationBody = z
  .object({ capabilities: CapabilityList, realm: z.string().min(1).max(MAX_REALM_REF_LENGTH).optional().openapi({ description: "Realm id or slug" }) })
  .strict();
export const RegistrationApproved = z.object({ success: z.literal(true), agentId: z.string() });
export const RejectRegistrationBody = z.object({ reason: z.string().trim().min(1).max(MAX_REJECTION_REASON) }).strict();
export const RegistrationRejected = z.object({ success: z.literal(true) });

export const ClaimBody = z.object({ claim_token: z.string().min(1).max(200) }).strict();
export const RegistrationClaimed = z.object({
  status: z.literal("approved"),
  agentId: z.string(),
  spiffeId: z.string(),
  token: z.string().openapi({ description: "The agent's bearer token. Shown once." }),
  capabilities: z.array(z.string()),
  realm: RealmView.nullable(),
});
export const RegistrationStillPending = z.object({ status: z.literal("pending"), registrationId: z.string() });

/**
 * Vaultys' `/api` face of the same operations (seed 004). A client written to the seed may send
 * fields Edgevault does not know: they are ignored, not refused.
 */
export const VaultysRegisterBody = RegisterBody.strip();
export const VaultysRegistered = z.object({
  agentId: z.string().openapi({ description: "The agent's DID when it registered an Ed25519 multibase key, else its name" }),
  message: z.string(),
  registrationId: z.string(),
  status: z.literal("pending"),
  claim_token: z.string().openapi({ description: "Secret. Shown once; collects the agent token after approval (POST /v1/registrations/claim)." }),
});
export const VaultysApproveBody = ApproveRegistrationBody.strip();
export const VaultysRejectBody = RejectRegistrationBody.strip();
export const VaultysApproved = z.object({
  success: z.literal(true),
  agentId: z.string().openapi({ description: "The agent's id as `/api/agents` shows it: its DID, else its `agt_…` id" }),
});
