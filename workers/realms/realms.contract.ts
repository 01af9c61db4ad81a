/**
 * Realms' contract (seed 004): named, coloured groups of agents. Zod schemas and constants only,
 * imported by the routes (and by registrations' contract, which shows an agent's realm).
 */
import { z } from "@hono/zod-openapi";

export const REALM_SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
/** A realm named by id or slug (filters, approvals, paths). */
export const MAX_REALM_REF_LENGTH = 100;

export const RealmView = z
  .object({
    id: z.string().openapi({ example: "rlm_3f9a0c1d2e4b5a6c7d" }),
    name: z.string().openapi({ example: "Engineering" }),
    slug: z.string().openapi({ example: "eng" }),
    color: z.string().nullable().openapi({ example: "#3b82f6" }),
  })
  .openapi("Realm");

const RealmName = z.string().trim().min(1, "must not be empty").max(100);
const RealmSlug = z.string().regex(REALM_SLUG_PATTERN, "lowercase letters, digits and hyphens, 1-64 chars, not starting or ending with a hyphen");
const RealmColor = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, "a colour as #rrggbb")
  .transform((color) => color.toLowerCase())
  .openapi({ example: "#3b82f6" });

export const RealmParams = z.object({
  realm: z.string().min(1).max(MAX_REALM_REF_LENGTH).openapi({ description: "Realm id or slug", example: "eng" }),
});

export const CreateRealmBody = z.object({ name: RealmName, slug: RealmSlug.optional(), color: RealmColor.optional() }).strict();
export const UpdateRealmBody = z.object({ name: RealmName.optional(), color: RealmColor.nullable().optional() }).strict();
export const OneRealm = z.object({ realm: RealmView });
export const RealmList = z.object({ realms: z.array(RealmView.extend({ agentCount: z.number().int() })) });
export const RealmDeleted = z.object({ deleted: z.string(), agentsUnassigned: z.number().int() });
