/**
 * Connecting an OAuth service's account in the browser (oauth/): one row per connect, from the
 * admin's "Connect" (or `edgevault vault oauth connect`) to the provider's callback. What the
 * callback needs and nobody may read — the PKCE verifier and a client secret the admin typed — is
 * sealed with the company's data key (`edgevault:oauth-connect:<company>:<id>:<what>`); the
 * `state` and the browser's binding are kept as SHA-256 only. Its own file (drizzle.config.ts
 * reads it too), so schema.ts stays within bounds.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { vaults } from "./schema.ts";

/** pending: made, nobody sent to the provider yet; authorizing: a person went; connected / failed: the callback ended it. */
export const OAUTH_CONNECTION_STATUSES = ["pending", "authorizing", "connected", "failed"] as const;
export type OAuthConnectionStatus = (typeof OAUTH_CONNECTION_STATUSES)[number];

export const oauthConnections = sqliteTable(
  "oauth_connections",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id").notNull(),
    vaultId: text("vault_id")
      .notNull()
      .references(() => vaults.id, { onDelete: "cascade" }),
    /** The service whose account is connected (by name: its auth is read again at the callback). */
    service: text("service").notNull(),
    /** The template (provider-catalog.contract.ts) or `custom`, and where the browser is sent. */
    provider: text("provider").notNull(),
    authorizationEndpoint: text("authorization_endpoint").notNull(),
    /** The issuer, when known from discovery: the callback's `iss` must name it (RFC 9207). */
    issuer: text("issuer"),
    /**
     * The service's token endpoint and client id when the connect was made (and checked against the
     * provider): the callback sends the code, the verifier and the client secret only there, and
     * refuses if the service names another since (null: a connect made before this was kept; refused).
     */
    tokenEndpoint: text("token_endpoint"),
    clientId: text("client_id"),
    scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull(),
    /** Extra authorization parameters of the template (Google's `access_type=offline`), never secret. */
    extraParameters: text("extra_parameters", { mode: "json" }).$type<Record<string, string>>().notNull(),
    status: text("status", { enum: OAUTH_CONNECTION_STATUSES }).notNull(),
    /** Why a connect failed, in the edge's words (an OAuth error code, never a token). */
    error: text("error"),
    /** A client secret typed for this connect, sealed: stored as the service's credential by the callback. */
    sealedClientSecret: text("sealed_client_secret"),
    /** Set when a person is sent to the provider: SHA-256 of `state`, of the browser's binding cookie, the PKCE verifier sealed. */
    stateHash: text("state_hash"),
    browserHash: text("browser_hash"),
    sealedVerifier: text("sealed_verifier"),
    /** The console session that sent the person (its id): it must still be live, and its person a vault admin, at the callback. */
    sessionId: text("session_id"),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (t) => [uniqueIndex("oauth_connections_state").on(t.stateHash), index("oauth_connections_vault").on(t.companyId, t.vaultId, t.createdAt)],
);
