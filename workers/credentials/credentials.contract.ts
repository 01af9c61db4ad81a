/**
 * Credentials' contract: what goes in (key names and values), what comes out (key names only),
 * and the limits. Zod schemas and constants only, imported by the routes and by the CLI.
 */
import { z } from "@hono/zod-openapi";
import { ResourceName } from "../lib/openapi.ts";

/** Upper bound on one credential value (a PEM key or a long JWT fits comfortably). */
export const MAX_CREDENTIAL_VALUE_BYTES = 64 * 1024;
export const MAX_CREDENTIAL_KEY_LENGTH = 128;
/** Credentials set or deleted by one request. */
export const MAX_CREDENTIALS_PER_REQUEST = 100;

/** Credential key names: UPPER_SNAKE_CASE, as services' auth configs and `{{ KEY }}` templates name them. */
export const CREDENTIAL_KEY_PATTERN = /^[A-Z][A-Z0-9_]*$/;

export const CredentialKey = z.string().max(MAX_CREDENTIAL_KEY_LENGTH).regex(CREDENTIAL_KEY_PATTERN, "must match ^[A-Z][A-Z0-9_]*$");

export const CredentialValue = z.string().min(1).max(MAX_CREDENTIAL_VALUE_BYTES);

const VaultField = ResourceName.optional().openapi({ description: "Vault name; or send X-Vault; vault-scoped session tokens need neither." });

export const SetCredentialsBody = z
  .object({
    vault: VaultField,
    credentials: z
      .record(CredentialKey, CredentialValue)
      .refine(
        (r) => Object.keys(r).length > 0 && Object.keys(r).length <= MAX_CREDENTIALS_PER_REQUEST,
        `between 1 and ${MAX_CREDENTIALS_PER_REQUEST} credentials per request`,
      ),
  })
  .strict();
export const CredentialsSet = z.object({ vault: z.string(), set: z.array(z.string()) });

export const ListCredentialsQuery = z.object({ vault: VaultField }).strict();
export const CredentialKeys = z.object({ vault: z.string(), keys: z.array(z.string()) });

export const DeleteCredentialsBody = z.object({ vault: VaultField, keys: z.array(CredentialKey).min(1).max(MAX_CREDENTIALS_PER_REQUEST) }).strict();
export const CredentialsDeleted = z.object({ vault: z.string(), deleted: z.array(z.string()) });
