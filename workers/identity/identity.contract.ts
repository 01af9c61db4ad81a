/**
 * Identity's contract: a company's published keys (a JWKS and a SPIFFE bundle), its identity
 * settings and signing keys (public halves only), and rotating them. Zod schemas only, imported by
 * the routes and the actions.
 */
import { z } from "@hono/zod-openapi";
import { SIGNING_ALGS } from "../lib/crypto/jwt-svid.ts";
import { Timestamp } from "../lib/openapi.ts";

export const CompanyParam = z.object({ companyId: z.string().min(1).max(128).openapi({ example: "acme" }) });

const PublicKeyMembers = {
  kty: z.enum(["OKP", "EC"]),
  crv: z.enum(["Ed25519", "P-256"]),
  x: z.string(),
  y: z.string().optional(),
  kid: z.string(),
  alg: z.enum(SIGNING_ALGS),
};

export const Jwks = z
  .object({ keys: z.array(z.object({ ...PublicKeyMembers, use: z.literal("sig") })) })
  .openapi("Jwks", { description: "A plain JWK Set (RFC 7517) for JOSE libraries; keys carry use: sig." });

export const SpiffeBundle = z
  .object({
    keys: z.array(z.object({ ...PublicKeyMembers, use: z.literal("jwt-svid") })),
    spiffe_sequence: z.number().int().openapi({ description: "Grows whenever the set of published keys changes" }),
    spiffe_refresh_hint: z.number().int().openapi({ description: "Seconds after which a verifier should fetch the bundle again" }),
  })
  .openapi("SpiffeBundle", { description: "The trust bundle in SPIFFE format: keys carry use: jwt-svid." });

export const SigningKey = z
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

export const Identity = z
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

export const OneIdentity = z.object({ identity: Identity });
export const UpdateIdentityBody = z.object({ signing_alg: z.enum(SIGNING_ALGS) }).strict();
export const RotateSigningKeysQuery = z.object({ force: z.enum(["true", "false"]).optional() }).strict();
export const SigningKeysRotated = z.object({ rotation: z.object({ activated: z.string(), retired: z.string(), next: z.string() }), identity: Identity });
