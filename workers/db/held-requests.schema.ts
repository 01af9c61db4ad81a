/**
 * Held requests and the time-boxed approvals a decision leaves behind (requests/): the history a
 * reviewer reads and the console lists. What a waiting request needs on its way (its status, who
 * is waiting, which calls a time box releases) lives in its vault's RequestApprovals Durable
 * Object; D1 is the source of truth for decisions, as for proposals. Its own file (drizzle.config.ts
 * reads both), so schema.ts stays within bounds.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { PrincipalRef } from "../proposals/proposals.contract.ts";
import { EXPIRY_REASONS, HELD_REQUEST_STATUSES } from "../requests/requests.contract.ts";
import { vaults } from "./schema.ts";

const createdAt = () => integer("created_at").notNull().default(sql`(unixepoch() * 1000)`);

/** One proxied request a person had to release: method, host and path only, never the query, headers or body. */
export const heldRequests = sqliteTable(
  "held_requests",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id").notNull(),
    vaultId: text("vault_id")
      .notNull()
      .references(() => vaults.id, { onDelete: "cascade" }),
    /** The service as it was when the request came: an approval releases it only while it is still so. */
    serviceId: text("service_id").notNull(),
    serviceName: text("service_name").notNull(),
    serviceVersion: integer("service_version").notNull(),
    method: text("method").notNull(),
    host: text("host").notNull(),
    path: text("path").notNull(),
    /** Who sent it (an agent or a vault session), and the root behind it, who may never release it. */
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id").notNull(),
    rootType: text("root_type").notNull(),
    rootId: text("root_id").notNull(),
    requestedBy: text("requested_by", { mode: "json" }).$type<PrincipalRef>().notNull(),
    status: text("status", { enum: HELD_REQUEST_STATUSES }).notNull().default("pending"),
    expiredReason: text("expired_reason", { enum: EXPIRY_REASONS }),
    reason: text("reason"),
    releasedForSeconds: integer("released_for_seconds"),
    decidedBy: text("decided_by", { mode: "json" }).$type<PrincipalRef>(),
    decidedAt: integer("decided_at"),
    createdAt: createdAt(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("held_requests_vault_status").on(t.vaultId, t.status, t.createdAt), index("held_requests_company_status").on(t.companyId, t.status)],
);

/** A time-boxed approval: one root's calls with this method, host and path to this service pass without a person until `expires_at`. */
export const requestReleases = sqliteTable(
  "request_releases",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id").notNull(),
    vaultId: text("vault_id")
      .notNull()
      .references(() => vaults.id, { onDelete: "cascade" }),
    serviceId: text("service_id").notNull(),
    serviceName: text("service_name").notNull(),
    method: text("method").notNull(),
    host: text("host").notNull(),
    path: text("path").notNull(),
    rootType: text("root_type").notNull(),
    rootId: text("root_id").notNull(),
    grantedTo: text("granted_to", { mode: "json" }).$type<PrincipalRef>().notNull(),
    heldRequestId: text("held_request_id").notNull(),
    approvedBy: text("approved_by", { mode: "json" }).$type<PrincipalRef>().notNull(),
    createdAt: createdAt(),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("request_releases_vault").on(t.vaultId, t.expiresAt)],
);
