/**
 * Companies' contract: tenants, the company role every user and agent holds in one, and company
 * API keys. Zod schemas and constants only, imported by the routes and by the CLI.
 */
import { z } from "@hono/zod-openapi";
import { ResourceName, Timestamp } from "../lib/openapi.ts";

/** A user's or agent's role in its company. */
export const COMPANY_ROLES = ["owner", "member"] as const;
export type CompanyRole = (typeof COMPANY_ROLES)[number];
export const CompanyRole = z.enum(COMPANY_ROLES);

/** The vault every company starts with (Agent Vault's default vault: seed 002's commands need no `--vault`). */
export const DEFAULT_VAULT = "default";

export const Company = z.object({ id: z.string(), name: z.string(), signing_alg: z.enum(["EdDSA", "ES256"]), created_at: Timestamp }).openapi("Company");

export const ApiKey = z
  .object({ id: z.string(), label: z.string(), prefix: z.string(), created_at: Timestamp, last_used_at: Timestamp.nullable() })
  .openapi("ApiKey");
export const IssuedApiKey = z
  .object({
    id: z.string(),
    label: z.string(),
    prefix: z.string(),
    token: z.string().openapi({ description: "Shown once; store it now." }),
    created_at: Timestamp,
  })
  .openapi("IssuedApiKey");

export const CreateCompanyBody = z.object({ id: ResourceName.openapi({ example: "acme" }), name: z.string().min(1).max(200) }).strict();
export const CompanyCreated = z.object({ company: Company, api_key: IssuedApiKey });
export const OneCompany = z.object({ company: Company });

export const CreateApiKeyBody = z.object({ label: z.string().min(1).max(100) }).strict();
export const ApiKeyList = z.object({ api_keys: z.array(ApiKey) });
export const ApiKeyParams = z.object({ id: z.string().max(64) });
export const ApiKeyRevoked = z.object({ revoked: z.string() });
