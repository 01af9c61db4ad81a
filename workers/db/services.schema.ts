/**
 * A vault's services: which host the proxy forwards, where to, how the credential is attached,
 * who chose that destination, and the per-request rules (request-rules.contract.ts). Its own file
 * (drizzle.config.ts reads it beside schema.ts), so schema.ts stays within bounds.
 */
import { sql } from "drizzle-orm";
import { integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { PrincipalRef } from "../proposals/proposals.contract.ts";
import type { ProxiedMethod, Substitution } from "../services/request-rules.contract.ts";
import type { ServiceAuth } from "../services/services.contract.ts";
import { VAULT_ROLES } from "../vaults/vaults.contract.ts";
import { vaults } from "./schema.ts";

const createdAt = () => integer("created_at").notNull().default(sql`(unixepoch() * 1000)`);

export const services = sqliteTable(
  "services",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id").notNull(),
    vaultId: text("vault_id")
      .notNull()
      .references(() => vaults.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    host: text("host").notNull(),
    upstream: text("upstream"),
    description: text("description"),
    auth: text("auth", { mode: "json" }).$type<ServiceAuth>().notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    /** Every request waits for a vault admin (proxy/request-hold.ts), at most `approval_timeout_seconds`. */
    requireApproval: integer("require_approval", { mode: "boolean" }).notNull().default(false),
    approvalTimeoutSeconds: integer("approval_timeout_seconds").notNull().default(120),
    position: integer("position").notNull().default(0),
    /**
     * Who last chose where this service sends credentials (`upstream ?? https://host`: a new host
     * under the same upstream chooses nothing), and when: the raiser of the proposal that set it,
     * or whoever wrote it through the API or the console. A reviewer is shown it. Null for
     * services written before it was recorded.
     */
    destinationChosenBy: text("destination_chosen_by", { mode: "json" }).$type<PrincipalRef>(),
    destinationChosenAt: integer("destination_chosen_at"),
    /**
     * The chooser's role in the vault when the destination took effect, recorded then (never
     * re-read: a later demotion does not undo what an admin vetted, as it undoes nothing else an
     * admin did). A value for a key sent to a destination no vault admin chose needs an admin
     * (credentials/credentials.actions.ts). Null when not recorded: read as not an admin.
     */
    destinationChosenByRole: text("destination_chosen_by_role", { enum: VAULT_ROLES }),
    /** Credentials placed where a placeholder stands (request-rules.contract.ts); null: none. */
    substitutions: text("substitutions", { mode: "json" }).$type<Substitution[]>(),
    /** The only methods the proxy forwards to this service; null: every one it forwards. */
    methods: text("methods", { mode: "json" }).$type<ProxiedMethod[]>(),
    /** Credentials the upstream echoes back are replaced in responses unless this is off. */
    redactResponse: integer("redact_response", { mode: "boolean" }).notNull().default(true),
    createdAt: createdAt(),
    updatedAt: integer("updated_at"),
  },
  (t) => [uniqueIndex("services_vault_name").on(t.vaultId, t.name)],
);
