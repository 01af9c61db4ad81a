/**
 * Agents' contract: names and capabilities (seeds 002, 004), the agent view every listing and
 * detail shares, Vane registration and SVIDs, changes, and the paged list. Zod schemas and
 * constants only, imported by the routes and by the CLI.
 */
import { z } from "@hono/zod-openapi";
import { CompanyRole } from "../companies/companies.contract.ts";
import { RateLimitInput, Timestamp } from "../lib/openapi.ts";
import { STORED_JSON_DEPTH_RULE, withinJsonDepth } from "../lib/json-depth.ts";
import { PassportScopes } from "../passports/passports.contract.ts";
import { MAX_REALM_REF_LENGTH } from "../realms/realms.contract.ts";

/**
 * Agent names, everywhere an agent is named (an invite, a registration of any seed, Vane's
 * `agentId`, a rename): Vane's alphabet, 1–128 letters, digits, `.`, `-` and `_`, case kept and
 * unique in the company, which is also what a SPIFFE ID's path segment allows unescaped (never
 * `.` or `..`). Agent Vault's stricter names (seed 002: lowercase, digits and hyphens, 3–64) are
 * among them.
 */
export const AGENT_ID_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,128}$/;
export const AGENT_ID_RULE = "1-128 characters: letters, digits, '.', '-' and '_' (not '.' or '..'), as a SPIFFE ID segment allows";
export const AgentId = z.string().regex(AGENT_ID_PATTERN, AGENT_ID_RULE).openapi({ example: "Analyst_GPT4" });

/** The same rule under the name the CLI and the console use for it. */
export const AGENT_NAME_PATTERN = AGENT_ID_PATTERN;
export const AGENT_NAME_RULE = AGENT_ID_RULE;
export const AgentName = AgentId;

/** Capabilities an agent may be granted (Vaultys' list, seed 004). */
export const CAPABILITIES = [
  "file_access",
  "internet_access",
  "browser_control",
  "api_call",
  "mail_send",
  "code_execution",
  "system_command",
  "agent_communication",
] as const;
export type Capability = (typeof CAPABILITIES)[number];
export const Capability = z.enum(CAPABILITIES);
/** Capabilities one agent may hold. */
export const MAX_AGENT_CAPABILITIES = 8;

export const AGENT_STATUSES = ["pending", "active", "rejected", "disabled"] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** `metadata` is limited to this much JSON. */
export const MAX_AGENT_METADATA_BYTES = 16 * 1024;

/** Vaultys' model fields (seed 004): settable on registration and by PATCH, shown as null when unknown. */
export const LlmProvider = z.string().trim().min(1).max(64).openapi({ example: "openai" });
export const LlmModel = z.string().trim().min(1).max(128).openapi({ example: "gpt-4o" });
export const MAX_LLM_SYSTEM_PROMPT = 16 * 1024;
export const LlmSystemPrompt = z.string().max(MAX_LLM_SYSTEM_PROMPT);

export const AgentView = z
  .object({
    agentId: z.string(),
    id: z.string(),
    name: z.string(),
    spiffeId: z.string(),
    companyId: z.string(),
    role: CompanyRole,
    status: z.enum(AGENT_STATUSES),
    capabilities: z.array(z.string()),
    passportScopes: z.array(z.string()).openapi({ description: "What the agent may put into a passport it obtains itself: a person grants them" }),
    realm: z.object({ id: z.string(), name: z.string(), slug: z.string(), color: z.string().nullable() }).nullable(),
    version: z.string().nullable(),
    publicKey: z.string().nullable(),
    did: z.string().nullable().openapi({ description: "`did:key:<publicKey>` when the agent registered an Ed25519 multibase key, else null" }),
    llmProvider: z.string().nullable(),
    llmModel: z.string().nullable(),
    isOnline: z.boolean(),
    registeredAt: Timestamp,
    lastSeen: Timestamp.nullable(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi("Agent");

/** `GET /v1/agents/{agentId}`: the agent with its vault grants and live session count. */
export const AgentDetails = AgentView.extend({
  llmSystemPrompt: z.string().nullable(),
  vaults: z.array(z.object({ vault: z.string(), role: z.string() })),
  activeSessions: z.number(),
});

export const AgentParams = z.object({ agentId: z.string().max(128) });
const Metadata = z
  .record(z.string(), z.unknown())
  // Depth first: measuring the size serializes, which a value nested thousands deep overflows.
  .refine((metadata) => withinJsonDepth(metadata), { message: STORED_JSON_DEPTH_RULE, abort: true })
  .refine((m) => JSON.stringify(m).length <= MAX_AGENT_METADATA_BYTES, `metadata is limited to ${MAX_AGENT_METADATA_BYTES / 1024} KiB of JSON`);

/** Vane's registration body: checked by the handler, so any JSON passes the schema. */
export const RegisterAgentBody = z.object({ agentId: z.unknown(), metadata: z.unknown() }).partial();
export const AgentRegistered = z.object({
  agentId: z.string(),
  spiffeId: z.string(),
  svid: z
    .string()
    .nullable()
    .openapi({ description: "The agent's JWT-SVID; null when it is not active (re-registering a disabled agent rewrites its metadata, never its status)" }),
  registeredAt: Timestamp,
  status: z.enum(AGENT_STATUSES),
});

export const SvidQuery = z.object({ audience: z.string().min(1).max(512).optional() }).strict();
export const AgentSvid = z.object({ agentId: z.string(), spiffeId: z.string(), svid: z.string() });

export const UpdateAgentBody = z
  .object({
    role: CompanyRole.optional(),
    name: AgentId.optional(),
    status: z.enum(["active", "disabled"]).optional(),
    capabilities: z.array(Capability).max(MAX_AGENT_CAPABILITIES).optional(),
    passportScopes: PassportScopes.optional().openapi({
      description: "Passport scopes the agent may obtain for itself; people and API keys only; [] takes them all away",
    }),
    realm: z.string().max(64).nullable().optional(),
    metadata: Metadata.nullable().optional(),
    rate_limit: RateLimitInput.nullable().optional(),
    llmProvider: LlmProvider.nullable().optional(),
    llmModel: LlmModel.nullable().optional(),
    llmSystemPrompt: LlmSystemPrompt.nullable().optional(),
  })
  .strict();
export const AgentUpdated = z.object({ agent: AgentView });
export const AgentDeleted = z.object({ deleted: z.string() });

/** `GET /v1/agents` (seed 004, Vaultys field names). */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;
export const AGENT_SORT_KEYS = ["name", "registeredAt", "lastSeen"] as const;
export const MAX_AGENT_QUERY_LENGTH = 128;

/** The list shows each agent exactly as `GET /v1/agents/{agentId}` does (without vaults). */
export const ListedAgent = AgentView;

export const ListAgentsQuery = z
  .object({
    q: z.string().max(MAX_AGENT_QUERY_LENGTH).optional().openapi({ description: "Case-insensitive substring of the name, the id or the DID" }),
    online: z.enum(["true", "false"]).optional(),
    realm: z.string().min(1).max(MAX_REALM_REF_LENGTH).optional().openapi({ description: "Realm id or slug" }),
    capabilities: z
      .string()
      .max(500)
      .optional()
      .openapi({ description: `Comma-separated; the agent must have all of them. One of: ${CAPABILITIES.join(", ")}`, example: "api_call,file_access" }),
    status: z.enum(AGENT_STATUSES).optional(),
    page: z.coerce.number().int().min(1).max(1_000_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
    sortBy: z.enum(AGENT_SORT_KEYS).default("name"),
    sortDir: z.enum(["asc", "desc"]).default("asc"),
  })
  .strict();

export const AgentPage = z.object({
  agents: z.array(ListedAgent),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
  totalPages: z.number().int().openapi({ description: "0 when nothing matches" }),
  online: z.number().int(),
});

/**
 * Vaultys' `/api/agents` (seed 004), with its exact field names. `id` is the agent's DID when it
 * registered an Ed25519 multibase key, else its `agt_…` id; either (or the name) finds it again.
 * A client written to the seed sends what it likes: unknown parameters are ignored and `page` and
 * `pageSize` are clamped into range instead of refused.
 */
const clampedInt = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((text) => {
      const value = text === undefined ? Number.NaN : Number.parseInt(text, 10);
      return Number.isFinite(value) ? Math.min(Math.max(value, min), max) : fallback;
    })
    .openapi({ type: "integer" });

export const VaultysAgentsQuery = z.object({
  q: z.string().max(MAX_AGENT_QUERY_LENGTH).optional().openapi({ description: "Case-insensitive substring of the name, the id or the DID" }),
  online: z
    .enum(["true", "false", "1", "0"])
    .optional()
    .transform((value) => (value === undefined ? undefined : value === "true" || value === "1"))
    .openapi({ type: "boolean" }),
  realm: z.string().min(1).max(MAX_REALM_REF_LENGTH).optional().openapi({ description: "Realm id or slug" }),
  capabilities: z.string().max(500).optional().openapi({ description: "Comma-separated; the agent must have all of them" }),
  page: clampedInt(1, 1_000_000, 1).openapi({ description: "Default 1" }),
  pageSize: clampedInt(1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE).openapi({ description: `Default ${DEFAULT_PAGE_SIZE}; clamped to 1-${MAX_PAGE_SIZE}` }),
  sortBy: z.enum(AGENT_SORT_KEYS).default("name"),
  sortDir: z.enum(["asc", "desc"]).default("asc"),
});

export const VaultysAgent = z
  .object({
    id: z.string().openapi({ example: "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK" }),
    name: z.string(),
    capabilities: z.array(z.string()),
    llmProvider: z.string().nullable(),
    llmModel: z.string().nullable(),
    isOnline: z.boolean(),
    registeredAt: Timestamp,
    lastSeen: Timestamp.nullable(),
    realm: z.object({ id: z.string(), name: z.string(), slug: z.string(), color: z.string().nullable() }).nullable(),
    status: z.enum(AGENT_STATUSES),
    spiffeId: z.string(),
  })
  .openapi("VaultysAgent");

export const VaultysAgentDetails = VaultysAgent.extend({
  llmSystemPrompt: z.string().nullable(),
  publicKey: z.string().nullable(),
  version: z.string().nullable(),
  vaults: z.array(z.object({ vault: z.string(), role: z.string() })).openapi({ description: "The agent's vault roles: its policy here" }),
}).openapi("VaultysAgentDetails");

export const VaultysAgentPage = z.object({
  agents: z.array(VaultysAgent),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
  totalPages: z.number().int(),
  online: z.number().int(),
});

export const VaultysAgentParams = z.object({ id: z.string().min(1).max(200).openapi({ description: "The agent's id, DID or name" }) });
