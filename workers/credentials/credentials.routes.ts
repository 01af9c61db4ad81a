/** Credentials: values go in, only key names come out. */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { CredentialKey, errors, jsonBody, jsonResponse, ResourceName } from "../lib/openapi.ts";

/** Upper bound on one credential value (a PEM key or a long JWT fits comfortably). */
export const MAX_CREDENTIAL_VALUE_BYTES = 64 * 1024;

const VaultField = ResourceName.optional().openapi({ description: "Vault name; or send X-Vault; vault-scoped session tokens need neither." });

export const setCredentials = createRoute({
  method: "post",
  path: "/v1/credentials",
  tags: ["credentials"],
  summary: "Store credentials (member or higher); values are encrypted and never returned",
  request: jsonBody(
    z
      .object({
        vault: VaultField,
        credentials: z
          .record(CredentialKey, z.string().min(1).max(MAX_CREDENTIAL_VALUE_BYTES))
          .refine((r) => Object.keys(r).length > 0 && Object.keys(r).length <= 100, "between 1 and 100 credentials per request"),
      })
      .strict(),
  ),
  responses: { 200: jsonResponse(z.object({ vault: z.string(), set: z.array(z.string()) }), "Stored"), ...errors(400, 401, 403, 404, 413) },
});

export const listCredentials = createRoute({
  method: "get",
  path: "/v1/credentials",
  tags: ["credentials"],
  summary: "List credential key names (any role); values are never exposed",
  request: { query: z.object({ vault: VaultField }).strict() },
  responses: { 200: jsonResponse(z.object({ vault: z.string(), keys: z.array(z.string()) }), "Key names"), ...errors(400, 401, 403, 404) },
});

export const deleteCredentials = createRoute({
  method: "delete",
  path: "/v1/credentials",
  tags: ["credentials"],
  summary: "Delete credentials by key (member or higher); answers the keys that existed",
  request: jsonBody(z.object({ vault: VaultField, keys: z.array(CredentialKey).min(1).max(100) }).strict()),
  responses: { 200: jsonResponse(z.object({ vault: z.string(), deleted: z.array(z.string()) }), "Deleted"), ...errors(400, 401, 403, 404) },
});
