/**
 * Agent passports and the company CA key that signs them (and the attestation chain's records):
 * identity a verifier checks offline. Its own file (drizzle.config.ts reads it beside schema.ts),
 * so schema.ts stays within bounds.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { companies } from "./schema.ts";

const createdAt = () => integer("created_at").notNull().default(sql`(unixepoch() * 1000)`);

/**
 * Each company's certificate-authority key (Ed25519, made on first use, one per company): it signs
 * what a verifier checks offline without asking the edge — agent passports (CAP+JWT), OCSP-style
 * passport statuses, attestation records and signed tree heads. Apart from `signing_keys`, whose
 * algorithm a company may switch and which rotate, because a pinned CA key must stay the same.
 */
export const caKeys = sqliteTable("ca_keys", {
  companyId: text("company_id")
    .primaryKey()
    .references(() => companies.id, { onDelete: "cascade" }),
  /** First 16 hex characters of SHA-256 over the public key's SPKI DER (Vane's `kid`). */
  kid: text("kid").notNull(),
  publicJwk: text("public_jwk", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  sealedPrivateJwk: text("sealed_private_jwk").notNull(),
  createdAt: createdAt(),
});

/**
 * Agent passports (CAP+JWT) the edge issued: never the token itself, only what revoking and
 * answering its status need. A row outlives its agent (no foreign key), so a deleted agent's
 * passports still answer `revoked`. A passport is backed while its agent exists, is active, keeps
 * the name it was issued under and the token it held then (`agent_token_id`; none while it had
 * none), and, for one the agent obtained itself, the grant it was obtained under (`within_grant`,
 * the agent's `passport_scopes` text then): a change that takes any of that away revokes it in its
 * own batch (db/ended-passports.ts).
 */
export const passports = sqliteTable(
  "passports",
  {
    /** The passport's `jti` (UUID v4). */
    jti: text("jti").primaryKey(),
    companyId: text("company_id").notNull(),
    agentId: text("agent_id").notNull(),
    /** The agent's name when issued: the last segment of `sub`. */
    agentName: text("agent_name").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull(),
    issuedAt: integer("issued_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    /** Who issued it (an audit actor: `company_key`, `user`, `agent`). */
    issuedByType: text("issued_by_type").notNull(),
    issuedById: text("issued_by_id").notNull(),
    agentTokenId: text("agent_token_id"),
    withinGrant: text("within_grant"),
    rotatedFrom: text("rotated_from"),
    revokedAt: integer("revoked_at"),
    reason: text("reason"),
  },
  (t) => [
    index("passports_agent_live").on(t.agentId, t.revokedAt),
    index("passports_company_revoked").on(t.companyId, t.revokedAt),
    // The issuance throttle counts an agent's passports issued in the last hour, revoked or not.
    index("passports_agent_issued").on(t.agentId, t.issuedAt),
  ],
);
