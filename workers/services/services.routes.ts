/** A vault's services: which hosts the proxy forwards to and how each gets its credential. Shapes: services.contract.ts. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { CreateServiceBody, OneService, ServiceDeleted, ServiceList, ServiceParams, UpdateServiceBody, VaultParams } from "./services.contract.ts";

export const listServices = createRoute({
  method: "get",
  path: "/v1/vaults/{vault}/services",
  tags: ["services"],
  summary: "The vault's services in matching order (any vault role)",
  request: { params: VaultParams },
  responses: { 200: jsonResponse(ServiceList, "Services"), ...errors(401, 403, 404) },
});

export const getService = createRoute({
  method: "get",
  path: "/v1/vaults/{vault}/services/{name}",
  tags: ["services"],
  summary: "One service (any vault role)",
  request: { params: ServiceParams },
  responses: { 200: jsonResponse(OneService, "The service"), ...errors(401, 403, 404) },
});

export const createService = createRoute({
  method: "post",
  path: "/v1/vaults/{vault}/services",
  tags: ["services"],
  summary: "Add a service at the end of the matching order (vault admin)",
  request: { params: VaultParams, ...jsonBody(CreateServiceBody) },
  responses: { 201: jsonResponse(OneService, "Created"), ...errors(400, 401, 403, 404, 409) },
});

export const updateService = createRoute({
  method: "patch",
  path: "/v1/vaults/{vault}/services/{name}",
  tags: ["services"],
  summary: "Change any field of a service, including its name and `enabled` (vault admin)",
  request: { params: ServiceParams, ...jsonBody(UpdateServiceBody) },
  responses: { 200: jsonResponse(OneService, "Updated"), ...errors(400, 401, 403, 404, 409) },
});

export const deleteService = createRoute({
  method: "delete",
  path: "/v1/vaults/{vault}/services/{name}",
  tags: ["services"],
  summary: "Remove a service (vault admin); its credentials stay in the vault",
  request: { params: ServiceParams },
  responses: { 200: jsonResponse(ServiceDeleted, "Deleted"), ...errors(401, 403, 404) },
});
