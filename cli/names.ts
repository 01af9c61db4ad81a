/**
 * Names the edge accepts, checked before any request so mistakes surface before a secret is
 * read. They mirror `ResourceName` and `CredentialKey` in workers/lib/openapi.ts; the edge
 * remains the authority and rejects anything these let through.
 */
import { z } from "zod";

export const VaultName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$|^[a-z0-9]$/, "must be lowercase letters, digits and hyphens, 1-64 chars, not starting or ending with a hyphen");

export const CredentialKey = z
  .string()
  .max(128, "must be at most 128 characters")
  .regex(/^[A-Z][A-Z0-9_]*$/, "must be upper case: letters, digits and underscores, starting with a letter (e.g. STRIPE_KEY)");

export const VAULT_POLICIES = ["passthrough", "deny"] as const;
