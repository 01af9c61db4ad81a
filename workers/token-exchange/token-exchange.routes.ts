/**
 * `POST /v1/token/exchange` (RFC 8693). Declared for the OpenAPI document only: the handler
 * reads the body itself, because RFC 6749 fixes both the input rules (form encoding, unknown
 * parameters ignored, repeated ones refused) and the error codes, which the project's zod hook
 * (`missing_field`, `unknown_field`…) would not produce.
 */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { OAUTH_ERROR_CODES } from "../lib/error-codes.ts";
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_JWT } from "./token-exchange.request.ts";

export const TOKEN_EXCHANGE_PATH = "/v1/token/exchange";

const TokenExchangeRequest = z
  .object({
    grant_type: z.literal(GRANT_TYPE_TOKEN_EXCHANGE),
    subject_token: z.string().openapi({ description: 'The subject agent\'s JWT-SVID (audience must include "edgevault")' }),
    subject_token_type: z.literal(TOKEN_TYPE_JWT),
    actor_token: z.string().optional().openapi({ description: "JWT-SVID, or a token from this endpoint, of the agent acting for the subject" }),
    actor_token_type: z.literal(TOKEN_TYPE_JWT).optional().openapi({ description: "Required with actor_token, forbidden without" }),
    audience: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .openapi({ description: "Logical target name; repeatable" }),
    resource: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .openapi({ description: "Absolute URI of the target; repeatable" }),
    scope: z.string().optional().openapi({ description: "Space-separated; each must be a capability of the subject (and the actor)" }),
    requested_token_type: z.enum([TOKEN_TYPE_JWT, TOKEN_TYPE_ACCESS_TOKEN]).optional(),
  })
  .openapi("TokenExchangeRequest");

const TokenExchangeResponse = z
  .object({
    access_token: z.string(),
    issued_token_type: z.literal(TOKEN_TYPE_JWT),
    token_type: z.literal("N_A"),
    expires_in: z.number().int(),
    scope: z.string().optional(),
  })
  .openapi("TokenExchangeResponse");

const OAuthError = z
  .object({
    error: z.enum(OAUTH_ERROR_CODES),
    error_description: z.string(),
  })
  .passthrough()
  .openapi("OAuthError");

export const tokenExchange = createRoute({
  method: "post",
  path: TOKEN_EXCHANGE_PATH,
  tags: ["identity"],
  summary: "Exchange an agent's SVID for a narrower, audience-bound JWT (RFC 8693)",
  description: "No caller authentication besides the subject token. Form-encoded per RFC 8693; JSON accepted. Errors follow RFC 6749 §5.2.",
  request: {
    body: {
      required: true,
      content: { "application/x-www-form-urlencoded": { schema: TokenExchangeRequest }, "application/json": { schema: TokenExchangeRequest } },
    },
  },
  responses: {
    200: { content: { "application/json": { schema: TokenExchangeResponse } }, description: "Issued (Cache-Control: no-store)" },
    400: { content: { "application/json": { schema: OAuthError } }, description: "RFC 6749 error" },
  },
});
