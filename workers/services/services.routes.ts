/** A vault's services: which hosts the proxy forwards to and how each gets its credential. */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { ServiceAuthSchema } from "../lib/inject-auth.ts";
import { errors, jsonBody, jsonResponse, ResourceName, Timestamp } from "../lib/openapi.ts";

const HostPattern = z.string().max(512).openapi({
  example: "api.stripe.com",
  description: "Exact host, `*.example.com` (one label), `host:port`, or a path prefix `host/api/*`. No IP literals or internal names.",
});
const Upstream = z.string().max(2048).openapi({
  example: "https://eu.api.example.com",
  description: "Optional origin to forward to instead of the requested host: `https://host[:port]`, nothing after it.",
});
const Description = z.string().max(500).openapi({ description: "Shown to agents by /discover" });

export const ServiceView = z
  .object({
    id: z.string(),
    name: z.string(),
    host: z.string().openapi({ example: "slack.com/api/*" }),
    upstream: z.string().nullable(),
    description: z.string().nullable(),
    auth: ServiceAuthSchema,
    enabled: z.boolean(),
    position: z.number().int(),
    credential_keys: z.array(z.string()).openapi({ description: "Credential keys the auth references (they need not exist yet)" }),
    created_at: Timestamp,
    updated_at: Timestamp.nullable(),
  })
  .openapi("Service");

const VaultParams = z.object({ vault: ResourceName });
const ServiceParams = z.object({ vault: ResourceName, name: ResourceName });

export const listServices = createRoute({
  method: "get",
  path: "/v1/vaults/{vault}/services",
  tags: ["services"],
  summary: "The vault's services in matching order (any vault role)",
  request: { params: VaultParams },
  responses: { 200: jsonResponse(z.object({ services: z.array(ServiceView) }), "Services"), ...errors(401, 403, 404) },
});

export const getService = createRoute({
  method: "get",
  path: "/v1/vaults/{vault}/services/{name}",
  tags: ["services"],
  summary: "One service (any vault role)",
  request: { params: ServiceParams },
  responses: { 200: jsonResponse(z.object({ service: ServiceView }), "The service"), ...errors(401, 403, 404) },
});

export const createService = createRoute({
  method: "post",
  path: "/v1/vaults/{vault}/services",
  tags: ["services"],
  summary: "Add a service at the end of the matching order (vault admin)",
  request: {
    params: VaultParams,
    ...jsonBody(
      z
        .object({
          name: ResourceName,
          host: HostPattern,
          upstream: Upstream.nullable().optional(),
          description: Description.nullable().optional(),
          auth: ServiceAuthSchema,
          enabled: z.boolean().default(true),
        })
        .strict(),
    ),
  },
  responses: { 201: jsonResponse(z.object({ service: ServiceView }), "Created"), ...errors(400, 401, 403, 404, 409) },
});

export const updateService = createRoute({
  method: "patch",
  path: "/v1/vaults/{vault}/services/{name}",
  tags: ["services"],
  summary: "Change any field of a service, including its name and `enabled` (vault admin)",
  request: {
    params: ServiceParams,
    ...jsonBody(
      z
        .object({
          name: ResourceName.optional(),
          host: HostPattern.optional(),
          upstream: Upstream.nullable().optional(),
          description: Description.nullable().optional(),
          auth: ServiceAuthSchema.optional(),
          enabled: z.boolean().optional(),
        })
        .strict()
        .refine((body) => Object.keys(body).length > 0, "send at least one field to change"),
    ),
  },
  responses: { 200: jsonResponse(z.object({ service: ServiceView }), "Updated"), ...errors(400, 401, 403, 404, 409) },
});

export const deleteService = createRoute({
  method: "delete",
  path: "/v1/vaults/{vault}/services/{name}",
  tags: ["services"],
  summary: "Remove a service (vault admin); its credentials stay in the vault",
  request: { params: ServiceParams },
  responses: { 200: jsonResponse(z.object({ deleted: z.string() }), "Deleted"), ...errors(401, 403, 404) },
});
