/** Realms (seed 004): named, coloured groups of agents. Owners manage them; every caller may list them. */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { REALM_SLUG_PATTERN } from "./realms.queries.ts";
import { errors, jsonBody, jsonResponse } from "../lib/openapi.ts";

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

const RealmParams = z.object({
  realm: z.string().min(1).max(100).openapi({ description: "Realm id or slug", example: "eng" }),
});

export const createRealm = createRoute({
  method: "post",
  path: "/v1/realms",
  tags: ["realms"],
  summary: "Create a realm (owners); the slug is derived from the name unless given",
  request: jsonBody(z.object({ name: RealmName, slug: RealmSlug.optional(), color: RealmColor.optional() }).strict()),
  responses: { 201: jsonResponse(z.object({ realm: RealmView }), "Created"), ...errors(400, 401, 403, 409) },
});

export const listRealms = createRoute({
  method: "get",
  path: "/v1/realms",
  tags: ["realms"],
  summary: "List the company's realms with their agent counts",
  responses: {
    200: jsonResponse(z.object({ realms: z.array(RealmView.extend({ agentCount: z.number().int() })) }), "Realms"),
    ...errors(401),
  },
});

export const updateRealm = createRoute({
  method: "patch",
  path: "/v1/realms/{realm}",
  tags: ["realms"],
  summary: "Rename or recolour a realm (owners); the slug never changes. `color: null` removes the colour",
  request: { params: RealmParams, ...jsonBody(z.object({ name: RealmName.optional(), color: RealmColor.nullable().optional() }).strict()) },
  responses: { 200: jsonResponse(z.object({ realm: RealmView }), "Updated"), ...errors(400, 401, 403, 404) },
});

export const deleteRealm = createRoute({
  method: "delete",
  path: "/v1/realms/{realm}",
  tags: ["realms"],
  summary: "Delete a realm (owners); its agents stay, with no realm",
  request: { params: RealmParams },
  responses: {
    200: jsonResponse(z.object({ deleted: z.string(), agentsUnassigned: z.number().int() }), "Deleted"),
    ...errors(401, 403, 404),
  },
});
