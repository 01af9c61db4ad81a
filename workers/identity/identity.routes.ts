/** Agent identity: the company's published keys (JWKS, SPIFFE bundle), signing settings, rotation. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { JWKS_MAX_AGE_SECONDS } from "../lib/crypto/jwt-svid.ts";
import { CompanyParam, Jwks, OneIdentity, RotateSigningKeysQuery, SigningKeysRotated, SpiffeBundle, UpdateIdentityBody } from "./identity.contract.ts";

const cacheable = { "Cache-Control": { schema: { type: "string" as const }, description: `public, max-age=${JWKS_MAX_AGE_SECONDS}` } };

export const jwks = createRoute({
  method: "get",
  path: "/v1/companies/{companyId}/jwks.json",
  tags: ["identity"],
  summary: "The company's public signing keys as a JWKS (public, cacheable)",
  description: "Next, active and retired-but-unexpired keys. Verify SVIDs and exchanged tokens with any JOSE library.",
  request: { params: CompanyParam },
  responses: { 200: { ...jsonResponse(Jwks, "The JWK Set"), headers: cacheable }, ...errors(404) },
});

export const spiffeBundle = createRoute({
  method: "get",
  path: "/v1/companies/{companyId}/spiffe-bundle",
  tags: ["identity"],
  summary: "The company's JWT-SVID trust bundle in SPIFFE format (public, cacheable)",
  request: { params: CompanyParam },
  responses: { 200: { ...jsonResponse(SpiffeBundle, "The SPIFFE bundle"), headers: cacheable }, ...errors(404) },
});

export const getIdentity = createRoute({
  method: "get",
  path: "/v1/company/identity",
  tags: ["identity"],
  summary: "The company's identity settings and signing keys (public halves only)",
  responses: { 200: jsonResponse(OneIdentity, "Identity"), ...errors(401) },
});

export const updateIdentity = createRoute({
  method: "patch",
  path: "/v1/company/identity",
  tags: ["identity"],
  summary: "Change the signing algorithm (owners); takes effect at the next rotation",
  description:
    "Replaces the pending next key with one of the new algorithm, published at once; the active key keeps signing until `POST /v1/company/signing-keys/rotate`.",
  request: jsonBody(UpdateIdentityBody),
  responses: { 200: jsonResponse(OneIdentity, "Updated"), ...errors(400, 401, 403, 409) },
});

export const rotateSigningKeys = createRoute({
  method: "post",
  path: "/v1/company/signing-keys/rotate",
  tags: ["identity"],
  summary: "Rotate the signing keys (owners): next → active, active → retired, new next",
  description: `Refused with 409 next_key_too_new while the next key has been published for less than ${JWKS_MAX_AGE_SECONDS} s, unless force=true.`,
  request: { query: RotateSigningKeysQuery },
  responses: {
    200: jsonResponse(SigningKeysRotated, "Rotated"),
    ...errors(400, 401, 403, 409),
  },
});
