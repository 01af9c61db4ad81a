/** Realms (seed 004): named, coloured groups of agents. Owners manage them; every caller may list them. Shapes: realms.contract.ts. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { CreateRealmBody, OneRealm, RealmDeleted, RealmList, RealmParams, UpdateRealmBody } from "./realms.contract.ts";

export const createRealm = createRoute({
  method: "post",
  path: "/v1/realms",
  tags: ["realms"],
  summary: "Create a realm (owners); the slug is derived from the name unless given",
  request: jsonBody(CreateRealmBody),
  responses: { 201: jsonResponse(OneRealm, "Created"), ...errors(400, 401, 403, 409) },
});

export const listRealms = createRoute({
  method: "get",
  path: "/v1/realms",
  tags: ["realms"],
  summary: "List the company's realms with their agent counts",
  responses: {
    200: jsonResponse(RealmList, "Realms"),
    ...errors(401),
  },
});

export const updateRealm = createRoute({
  method: "patch",
  path: "/v1/realms/{realm}",
  tags: ["realms"],
  summary: "Rename or recolour a realm (owners); the slug never changes. `color: null` removes the colour",
  request: { params: RealmParams, ...jsonBody(UpdateRealmBody) },
  responses: { 200: jsonResponse(OneRealm, "Updated"), ...errors(400, 401, 403, 404) },
});

export const deleteRealm = createRoute({
  method: "delete",
  path: "/v1/realms/{realm}",
  tags: ["realms"],
  summary: "Delete a realm (owners); its agents stay, with no realm",
  request: { params: RealmParams },
  responses: {
    200: jsonResponse(RealmDeleted, "Deleted"),
    ...errors(401, 403, 404),
  },
});
