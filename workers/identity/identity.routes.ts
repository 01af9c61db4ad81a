/** Agent identity: the company's published keys (JWKS, SPIFFE bundle), signing settings, rotation. */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse, Timestamp } from "../lib/openapi.ts";
import { JWKS_MAX_AGE_SECONDS, SIGNING_ALGS } from "../lib/jwt-svid.ts";

const CompanyParam = z.object({ companyId: z.string().min(1).max(128).openapi({ example: "acme" }) });

const PublicKeyMembers = {
  kty: z.enum(["OKP", "EC"]),
  crv: z.enum(["Ed25519", "P-256"]),
  x: z.string(),
  y: z.string().optional(),
  kid: z.string(),
  alg: z.enum(SIGNING_ALGS),
};

const Jwks = z
  .object({ keys: z.array(z.object({ ...PublicKeyMembers, use: z.literal("sig") })) })
  .openapi("Jwks", { description: "A plain JWK Set (RFC 7517) for JOSE libraries; keys carry use: sig." });

const SpiffeBundle = z
  .object({
    keys: z.array(z.object({ ...PublicKeyMembers, use: z.literal("jwt-svid") })),
    spiffe_sequence: z.number().int().openapi({ description: "Grows whenever the set of published keys changes" }),
    spiffe_refresh_hint: z.number().int().openapi({ description: "Seconds after which a verifier should fetch the bundle again" }),
  })
  .openapi("SpiffeBundle", { description: "The trust bundle in SPIFFE format: keys carry use: jwt-svid." });

const SigningKey = z
  .object({
    kid: z.string(),
    alg: z.enum(SIGNING_ALGS),
    status: z.enum(["next", "active", "retired"]),
    published: z.boolean(),
    created_at: Timestamp,
    activated_at: Timestamp.nullable(),
    retired_at: Timestamp.nullable(),
    published_until: Timestamp.nullable().openapi({ description: "For retired keys: when they leave the JWKS" }),
  })
  .openapi("SigningKey");

const Identity = z
  .object({
    company_id: z.string(),
    trust_domain: z.string(),
    issuer: z.string(),
    spiffe_id_template: z.string(),
    default_audience: z.array(z.string()),
    svid_ttl_seconds: z.number().int(),
    signing_alg: z.enum(SIGNING_ALGS).openapi({ description: "Algorithm of keys created from now on" }),
    active_alg: z.enum(SIGNING_ALGS).openapi({ description: "Algorithm of the key signing now" }),
    jwks_uri: z.string(),
    spiffe_bundle_uri: z.string(),
    spiffe_sequence: z.number().int(),
    keys: z.array(SigningKey),
  })
  .openapi("Identity");

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
  responses: { 200: jsonResponse(z.object({ identity: Identity }), "Identity"), ...errors(401) },
});

export const updateIdentity = createRoute({
  method: "patch",
  path: "/v1/company/identity",
  tags: ["identity"],
  summary: "Change the signing algorithm (owners); takes effect at the next rotation",
  description:
    "Replaces the pending next key with one of the new algorithm, published at once; the active key keeps signing until `POST /v1/company/signing-keys/rotate`.",
  request: jsonBody(z.object({ signing_alg: z.enum(SIGNING_ALGS) }).strict()),
  responses: { 200: jsonResponse(z.object({ identity: Identity }), "Updated"), ...errors(400, 401, 403, 409) },
});

export const rotateSigningKeys = createRoute({
  method: "post",
  path: "/v1/company/signing-keys/rotate",
  tags: ["identity"],
  summary: "Rotate the signing keys (owners): next → active, active → retired, new next",
  description: `Refused with 409 next_key_too_new while the next key has been published for less than ${JWKS_MAX_AGE_SECONDS} s, unless force=true.`,
  request: { query: z.object({ force: z.enum(["true", "false"]).optional() }).strict() },
  responses: {
    200: jsonResponse(z.object({ rotation: z.object({ activated: z.string(), retired: z.string(), next: z.string() }), identity: Identity }), "Rotated"),
    ...errors(400, 401, 403, 409),
  },
});
