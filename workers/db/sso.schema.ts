/**
 * Company single sign-on (sso/): each company's OpenID Connect provider — issuer, client and its
 * sealed secret, how people it signs in are provisioned, whether people may still sign in with a
 * password — and the e-mail domains that route a sign-in to it. Its own file (drizzle.config.ts
 * reads it too), so schema.ts stays within bounds.
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { companies } from "./schema.ts";

/** Company roles a provider's groups may map to (companies.contract.ts `COMPANY_ROLES`). */
export type MappedRole = "owner" | "member";

/** One company's identity provider: at most one per company. */
export const companySso = sqliteTable("company_sso", {
  companyId: text("company_id")
    .primaryKey()
    .references(() => companies.id, { onDelete: "cascade" }),
  /** The OpenID Provider's issuer identifier, exactly as its discovery document names it. */
  issuer: text("issuer").notNull(),
  clientId: text("client_id").notNull(),
  /** Sealed with the company's data key (`edgevault:sso-client-secret:<company>`); never shown again. */
  sealedClientSecret: text("sealed_client_secret").notNull(),
  tokenAuth: text("token_auth", { enum: ["client_secret_basic", "client_secret_post"] }).notNull(),
  /** Scopes asked for besides `openid email profile`. */
  scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull(),
  /** 0: people sign in through the provider only (owners' way back: an API key; see docs/sso.md). */
  passwordSignIn: integer("password_sign_in", { mode: "boolean" }).notNull(),
  /** The ID token (or userinfo) claim listing a person's groups. */
  groupsClaim: text("groups_claim").notNull(),
  /** Group → company role, applied when the provider first signs a person in. */
  groupRoles: text("group_roles", { mode: "json" }).$type<Record<string, MappedRole>>().notNull(),
  updatedAt: integer("updated_at").notNull(),
  /** Who last set it (an audit actor id). */
  updatedBy: text("updated_by").notNull(),
});

/**
 * E-mail domains that send a sign-in to their company's provider. A domain belongs to one company
 * at most (the primary key), so an address never has two places to go.
 */
export const companySsoDomains = sqliteTable(
  "company_sso_domains",
  {
    /** Lower-case, as typed after the `@`. */
    domain: text("domain").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companySso.companyId, { onDelete: "cascade" }),
  },
  (t) => [index("company_sso_domains_company").on(t.companyId)],
);
