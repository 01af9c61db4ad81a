/** `GET /discover` (seeds 000/001), from the contract. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonResponse } from "../lib/openapi.ts";
import { Discovery } from "./discover.contract.ts";

export const discover = createRoute({
  method: "get",
  path: "/discover",
  tags: ["agent protocol"],
  summary: "Hosts this vault's services reach, and the credential key names available (never values)",
  description: "Agent tokens send X-Vault (missing 400, unknown 404, no grant 403); vault-scoped session tokens need not.",
  responses: { 200: jsonResponse(Discovery, "What the agent can reach"), ...errors(400, 401, 403, 404) },
});
