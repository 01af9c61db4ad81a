/**
 * CLI logins (cli-logins/): `edgevault login --web`, the way `gh auth login --web` works. A login
 * is started by the CLI (which keeps the device code: only its SHA-256 is here), confirmed or
 * denied by a signed-in person who typed its user code on the `/cli-login` page, and collected
 * once by the CLI as a user session of that person. Its own file (drizzle.config.ts reads it).
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { companies, users } from "./schema.ts";

export const CLI_LOGIN_STATUSES = ["pending", "approved", "denied", "collected"] as const;

export const cliLogins = sqliteTable(
  "cli_logins",
  {
    id: text("id").primaryKey(),
    /** SHA-256 (hex) of the device code, the CLI's secret for collecting the login. */
    deviceCodeHash: text("device_code_hash").notNull(),
    /** `WDJB-MJHT`: what the person types on the page; it can decide, never collect. */
    userCode: text("user_code").notNull(),
    /** The company the CLI asked for (only its people may confirm), or null: the confirming person's. */
    companyId: text("company_id").references(() => companies.id, { onDelete: "cascade" }),
    /** What asks, as the CLI named itself (shown to the person, escaped). */
    clientName: text("client_name").notNull(),
    /** The address the login was started from, as the edge saw it. */
    clientAddress: text("client_address"),
    status: text("status", { enum: CLI_LOGIN_STATUSES }).notNull(),
    /** Who confirmed (or denied) it. */
    userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    decidedAt: integer("decided_at"),
    /**
     * When the console session that confirmed it came through the company's identity provider: that
     * session's end. The CLI's session ends no later (docs/sso.md: at most what the provider granted).
     */
    sessionUntil: integer("session_until"),
    /** The last poll that was answered, for `slow_down`. */
    lastPolledAt: integer("last_polled_at"),
  },
  (t) => [
    uniqueIndex("cli_logins_device_code").on(t.deviceCodeHash),
    uniqueIndex("cli_logins_user_code").on(t.userCode),
    index("cli_logins_client_address").on(t.clientAddress, t.status, t.expiresAt),
  ],
);
