/**
 * The data model. Every tenant-owned table carries `company_id`, and every query filters on it
 * (see db/*.queries.ts). Secrets are stored only as SHA-256 hashes (tokens) or sealed with the
 * company's data key (credentials, signing keys, webhook secrets). Times are epoch milliseconds.
 * A few areas' tables have files of their own beside it (drizzle.config.ts reads them all):
 * services.schema.ts, passports.schema.ts, held-requests.schema.ts, chain-schema.ts.
 */
import { VAULT_ROLES, type VaultRole } from "../vaults/vaults.contract.ts";
import type { PrincipalRef } from "../proposals/proposals.contract.ts";
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const createdAt = () => integer("created_at").notNull().default(sql`(unixepoch() * 1000)`);

export type RateLimitOverride = { ratePerSecond?: number; burst?: number; maxConcurrent?: number };

export const companies = sqliteTable("companies", {
  /** Slug, also the `{companyId}` segment of SPIFFE IDs: `[a-z0-9-]`. */
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** JWT-SVID signing algorithm: EdDSA (seed 003) or ES256 (standard SPIFFE validators). */
  signingAlg: text("signing_alg", { enum: ["EdDSA", "ES256"] })
    .notNull()
    .default("EdDSA"),
  /** Per-company AES-256 data key, sealed by master key `data_key_version`; created on first use. */
  dataKeyWrapped: text("data_key_wrapped"),
  dataKeyVersion: integer("data_key_version"),
  createdAt: createdAt(),
});

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    label: text("label").notNull(),
    prefix: text("prefix").notNull(),
    tokenHash: text("token_hash").notNull(),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_token_hash").on(t.tokenHash), index("api_keys_company").on(t.companyId)],
);

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    /**
     * Lower-cased; unique within the company only, so one company cannot learn which addresses
     * another has. Sign-in tries the (few) accounts with that address: see auth/sign-in.ts.
     */
    email: text("email").notNull(),
    name: text("name").notNull().default(""),
    role: text("role", { enum: ["owner", "member"] }).notNull(),
    /** Null while an invited user has not accepted yet. */
    passwordHash: text("password_hash"),
    status: text("status", { enum: ["active", "invited", "disabled"] })
      .notNull()
      .default("active"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at"),
  },
  (t) => [uniqueIndex("users_company_email").on(t.companyId, t.email), index("users_email").on(t.email)],
);

export const userSessions = sqliteTable(
  "user_sessions",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    /** `bearer` for the CLI, `cookie` for the web pages (CSRF token derived from it: auth/csrf.ts). */
    kind: text("kind", { enum: ["bearer", "cookie"] }).notNull(),
    /** Unused since CSRF tokens are derived from the session token; kept to avoid a migration. */
    csrfHash: text("csrf_hash"),
    createdAt: createdAt(),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
    lastUsedAt: integer("last_used_at"),
    /**
     * Obtained through the company's identity provider (or confirmed, as a CLI login, by a session
     * that was): it must not outlive what the provider granted, so nothing made from it does either.
     */
    viaSso: integer("via_sso", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [uniqueIndex("user_sessions_token_hash").on(t.tokenHash), index("user_sessions_user").on(t.userId)],
);

/** Failed sign-in counters, one row per `account:<email>` or `ip:<address>`. */
export const signInThrottle = sqliteTable("sign_in_throttle", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull(),
  windowStartedAt: integer("window_started_at").notNull(),
});

export const vaults = sqliteTable(
  "vaults",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** Governs only the local MITM; the edge's /proxy never forwards a host without a service. */
    unmatchedHostPolicy: text("unmatched_host_policy", { enum: ["passthrough", "deny"] })
      .notNull()
      .default("passthrough"),
    rateLimit: text("rate_limit", { mode: "json" }).$type<RateLimitOverride>(),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at"),
  },
  (t) => [uniqueIndex("vaults_company_name").on(t.companyId, t.name)],
);

// Roles and service auth are the API's contract (vaults, services); the columns hold exactly those.
export { VAULT_ROLES, type VaultRole } from "../vaults/vaults.contract.ts";
export type { ServiceAuth } from "../services/services.contract.ts";
export const PRINCIPAL_TYPES = ["user", "agent"] as const;
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];
export const SESSION_MINTERS = ["user", "agent", "company_key"] as const;

export const vaultMembers = sqliteTable(
  "vault_members",
  {
    vaultId: text("vault_id")
      .notNull()
      .references(() => vaults.id, { onDelete: "cascade" }),
    companyId: text("company_id").notNull(),
    principalType: text("principal_type", { enum: PRINCIPAL_TYPES }).notNull(),
    principalId: text("principal_id").notNull(),
    role: text("role", { enum: VAULT_ROLES }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.vaultId, t.principalType, t.principalId] }), index("vault_members_principal").on(t.principalType, t.principalId)],
);

export const realms = sqliteTable(
  "realms",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    slug: text("slug").notNull(),
    color: text("color"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("realms_company_slug").on(t.companyId, t.slug)],
);

export const agents = sqliteTable(
  "agents",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    /** 3–64 chars `[a-z0-9-]`, unique in the company; Vane's `agentId`. */
    name: text("name").notNull(),
    role: text("role", { enum: ["owner", "member"] })
      .notNull()
      .default("member"),
    status: text("status", { enum: ["pending", "active", "rejected", "disabled"] })
      .notNull()
      .default("active"),
    capabilities: text("capabilities", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    /**
     * The passport scopes a person granted the agent (passports/): what it may put into a passport
     * it obtains itself, never wider. Sorted and each once, so the same grant always reads as the
     * same text: the passports it obtained under a grant compare their snapshot with it.
     */
    passportScopes: text("passport_scopes", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    realmId: text("realm_id").references(() => realms.id, { onDelete: "set null" }),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>(),
    publicKey: text("public_key"),
    version: text("version"),
    /** Vaultys' model fields (seed 004): which LLM drives the agent, null when unknown. */
    llmProvider: text("llm_provider"),
    llmModel: text("llm_model"),
    llmSystemPrompt: text("llm_system_prompt"),
    rateLimit: text("rate_limit", { mode: "json" }).$type<RateLimitOverride>(),
    registeredAt: integer("registered_at").notNull(),
    /** Written from the agent's Durable Object in batches, not per request. */
    lastSeenAt: integer("last_seen_at"),
    /**
     * While the agent holds an open channel (WebSocket), the end of the lease its ActorGate keeps
     * renewing; null or past means offline. A lease, not a flag, so an object that dies without
     * closing its sockets cannot leave the agent online for longer than one lease.
     */
    onlineUntil: integer("online_until"),
    createdBy: text("created_by"),
    updatedAt: integer("updated_at"),
  },
  (t) => [uniqueIndex("agents_company_name").on(t.companyId, t.name), index("agents_realm").on(t.realmId)],
);

/**
 * An agent's bearer tokens; at most one is unrevoked. The token string carries the agent's id
 * (`eva_<agent public id>_<secret>`), which names the agent's Durable Object without a D1 read.
 */
export const agentTokens = sqliteTable(
  "agent_tokens",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id").notNull(),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    createdAt: createdAt(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("agent_tokens_agent").on(t.agentId)],
);

/** Vault-scoped session tokens (`vault run`): act with the proxy role in one vault. */
export const vaultSessions = sqliteTable(
  "vault_sessions",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id").notNull(),
    vaultId: text("vault_id")
      .notNull()
      .references(() => vaults.id, { onDelete: "cascade" }),
    /** Who minted it (the root principal); the session dies with them. */
    principalType: text("principal_type", { enum: SESSION_MINTERS }).notNull(),
    principalId: text("principal_id").notNull(),
    /**
     * The minter's credential that minted it (agent token id, user session id or API key id):
     * rotating that token, signing out or revoking that key ends the session too.
     */
    mintedWith: text("minted_with"),
    label: text("label").notNull().default(""),
    tokenHash: text("token_hash").notNull(),
    createdAt: createdAt(),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("vault_sessions_vault").on(t.vaultId), index("vault_sessions_principal").on(t.principalType, t.principalId)],
);

/** Single-use invites: `agent` (new agent), `rotation` (new token for an agent), `user`. */
export const invites = sqliteTable(
  "invites",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["agent", "rotation", "user"] }).notNull(),
    tokenHash: text("token_hash").notNull(),
    tokenSuffix: text("token_suffix").notNull(),
    agentName: text("agent_name"),
    agentId: text("agent_id"),
    email: text("email"),
    role: text("role", { enum: ["owner", "member"] })
      .notNull()
      .default("member"),
    vaultGrants: text("vault_grants", { mode: "json" }).$type<{ vaultId: string; vault: string; role: VaultRole }[]>(),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("invites_token_hash").on(t.tokenHash), index("invites_company").on(t.companyId, t.kind)],
);

/** Self-registrations (seed 004) waiting for an admin; the claim secret collects the token once. */
export const registrations = sqliteTable(
  "registrations",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    version: text("version"),
    publicKey: text("public_key"),
    llmProvider: text("llm_provider"),
    llmModel: text("llm_model"),
    requestedCapabilities: text("requested_capabilities", { mode: "json" }).$type<string[]>().notNull(),
    grantedCapabilities: text("granted_capabilities", { mode: "json" }).$type<string[]>(),
    realmId: text("realm_id"),
    status: text("status", { enum: ["pending", "approved", "rejected"] })
      .notNull()
      .default("pending"),
    reason: text("reason"),
    claimSecretHash: text("claim_secret_hash").notNull(),
    claimedAt: integer("claimed_at"),
    agentId: text("agent_id"),
    requestedAt: createdAt(),
    decidedAt: integer("decided_at"),
    decidedBy: text("decided_by"),
  },
  (t) => [index("registrations_company_status").on(t.companyId, t.status)],
);

export const credentials = sqliteTable(
  "credentials",
  {
    companyId: text("company_id").notNull(),
    vaultId: text("vault_id")
      .notNull()
      .references(() => vaults.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    /** AES-256-GCM under the company data key; AAD = company, vault and key. */
    ciphertext: text("ciphertext").notNull(),
    createdAt: createdAt(),
    updatedAt: integer("updated_at"),
    updatedBy: text("updated_by"),
  },
  (t) => [primaryKey({ columns: [t.vaultId, t.key] })],
);

export const proposals = sqliteTable(
  "proposals",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id").notNull(),
    vaultId: text("vault_id")
      .notNull()
      .references(() => vaults.id, { onDelete: "cascade" }),
    status: text("status", { enum: ["pending", "applied", "rejected", "expired"] })
      .notNull()
      .default("pending"),
    services: text("services", { mode: "json" }).$type<unknown[]>().notNull(),
    /** Credential slots without values; values sent back by agents are sealed in `sealed_values`. */
    credentials: text("credentials", { mode: "json" }).$type<unknown[]>().notNull(),
    sealedValues: text("sealed_values", { mode: "json" }).$type<Record<string, string>>(),
    message: text("message").notNull().default(""),
    userMessage: text("user_message"),
    reviewNote: text("review_note"),
    raisedByType: text("raised_by_type").notNull(),
    raisedById: text("raised_by_id").notNull(),
    /** The root principal behind the raiser (a session's minter, else the raiser): never its reviewer. */
    raisedByRootType: text("raised_by_root_type"),
    raisedByRootId: text("raised_by_root_id"),
    /** Who raised it as a reviewer reads it, named when raised (null on rows older than the column). */
    raisedBy: text("raised_by", { mode: "json" }).$type<PrincipalRef>(),
    /** The digest of where its stored view says values go (proposals/destinations-digest.ts): what an approval without one binds to. */
    destinationsDigest: text("destinations_digest"),
    approvalTokenHash: text("approval_token_hash").notNull(),
    createdAt: createdAt(),
    expiresAt: integer("expires_at").notNull(),
    reviewedAt: integer("reviewed_at"),
    reviewedBy: text("reviewed_by"),
  },
  (t) => [index("proposals_vault_status").on(t.vaultId, t.status)],
);

export const webhooks = sqliteTable("webhooks", {
  id: text("id").primaryKey(),
  companyId: text("company_id").notNull(),
  vaultId: text("vault_id")
    .notNull()
    .references(() => vaults.id, { onDelete: "cascade" }),
  url: text("url").notNull(),
  events: text("events", { mode: "json" }).$type<string[]>().notNull(),
  sealedSecret: text("sealed_secret").notNull(),
  createdAt: createdAt(),
});

export const signingKeys = sqliteTable(
  "signing_keys",
  {
    /** The JWS `kid`. */
    id: text("id").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    alg: text("alg", { enum: ["EdDSA", "ES256"] }).notNull(),
    publicJwk: text("public_jwk", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    sealedPrivateJwk: text("sealed_private_jwk").notNull(),
    /** next: published, not yet signing; active: signs; retired: published until its SVIDs expire. */
    status: text("status", { enum: ["next", "active", "retired"] }).notNull(),
    createdAt: createdAt(),
    activatedAt: integer("activated_at"),
    retiredAt: integer("retired_at"),
  },
  (t) => [index("signing_keys_company").on(t.companyId, t.status)],
);

export const requestLog = sqliteTable(
  "request_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    companyId: text("company_id").notNull(),
    vaultId: text("vault_id").notNull(),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id").notNull(),
    service: text("service"),
    method: text("method").notNull(),
    host: text("host").notNull(),
    /** Path only: never the query string, headers or bodies. */
    path: text("path").notNull(),
    status: integer("status").notNull(),
    latencyMs: integer("latency_ms").notNull(),
    bytesIn: integer("bytes_in"),
    bytesOut: integer("bytes_out"),
    denial: text("denial"),
    /** How many credential values were redacted from the response (headers and body); null: none looked for. */
    redactions: integer("redactions"),
    /** Refusals before admission (429s) are counted per actor and written as one row with a count. */
    count: integer("count").notNull().default(1),
    createdAt: createdAt(),
  },
  (t) => [index("request_log_vault_time").on(t.vaultId, t.createdAt)],
);

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    companyId: text("company_id").notNull(),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id").notNull(),
    action: text("action").notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id").notNull(),
    /** Non-secret details only (names, roles); never values or tokens. */
    detail: text("detail", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [index("audit_log_company_time").on(t.companyId, t.id)],
);
