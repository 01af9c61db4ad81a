/**
 * Identity: the published keys (no auth: verifiers anywhere must reach them) and the owners'
 * signing settings. Only public JWK members ever leave this file; private keys stay sealed.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";

import { findCompany } from "../companies/companies.queries.ts";
import type { Database } from "../db/client.ts";
import { ensureSigningKeys, isPublished, publishedKeys, publishedUntil, rotateSigningKeys, setSigningAlg, spiffeSequence } from "./signing-keys.queries.ts";
import type { Env } from "../env.ts";
import { publicOriginOf } from "../config.ts";
import { notFound } from "../lib/app-error.ts";
import { DEFAULT_SVID_AUDIENCE, issuerFor, JWKS_MAX_AGE_SECONDS, SVID_TTL_SECONDS } from "../lib/jwt-svid.ts";
import { iso } from "../lib/openapi.ts";
import { createRouter } from "../router.ts";
import { trustDomainOf } from "./svid.ts";
import * as routes from "./identity.routes.ts";

/** Verifiers may cache the key documents this long; rotation waits at least as long (see docs/identity.md). */
const PUBLIC_CACHE_HEADERS = {
  "Cache-Control": `public, max-age=${JWKS_MAX_AGE_SECONDS}`,
  "Access-Control-Allow-Origin": "*",
};

async function publishedFor(db: Database, env: Env, companyId: string) {
  // Unknown company: 404 before anything is created.
  if (!(await findCompany(db, companyId))) throw notFound("Company");
  return publishedKeys(db, env, companyId);
}

async function identityView(c: Context<AppEnv>, companyId: string) {
  const db = c.var.db;
  const company = await findCompany(db, companyId);
  if (!company) throw notFound("Company");
  const trustDomain = trustDomainOf(c.env);
  const now = Date.now();
  const rows = await ensureSigningKeys(db, c.env, companyId, now);
  const origin = publicOriginOf(c.env);
  const active = rows.find((r) => r.status === "active");
  return {
    company_id: companyId,
    trust_domain: trustDomain,
    issuer: issuerFor(trustDomain, companyId),
    spiffe_id_template: `spiffe://${trustDomain}/company/${companyId}/agent/{agentName}`,
    default_audience: [DEFAULT_SVID_AUDIENCE],
    svid_ttl_seconds: SVID_TTL_SECONDS,
    signing_alg: company.signingAlg,
    active_alg: active?.alg ?? company.signingAlg,
    jwks_uri: `${origin}/v1/companies/${companyId}/jwks.json`,
    spiffe_bundle_uri: `${origin}/v1/companies/${companyId}/spiffe-bundle`,
    spiffe_sequence: spiffeSequence(rows, now),
    keys: rows.map((r) => ({
      kid: r.id,
      alg: r.alg,
      status: r.status,
      published: isPublished(r, now),
      created_at: iso(r.createdAt) ?? "",
      activated_at: iso(r.activatedAt),
      retired_at: iso(r.retiredAt),
      published_until: iso(publishedUntil(r)),
    })),
  };
}

export const identityRouter = createRouter();

identityRouter
  .openapi(routes.jwks, async (c) => {
    const { companyId } = c.req.valid("param");
    const { keys } = await publishedFor(c.var.db, c.env, companyId);
    return c.json({ keys: keys.map((k) => ({ ...k, use: "sig" as const })) }, 200, PUBLIC_CACHE_HEADERS);
  })
  .openapi(routes.spiffeBundle, async (c) => {
    const { companyId } = c.req.valid("param");
    const { keys, sequence } = await publishedFor(c.var.db, c.env, companyId);
    const bundle = {
      keys: keys.map((k) => ({ ...k, use: "jwt-svid" as const })),
      spiffe_sequence: sequence,
      spiffe_refresh_hint: JWKS_MAX_AGE_SECONDS,
    };
    return c.json(bundle, 200, PUBLIC_CACHE_HEADERS);
  })
  .openapi(routes.getIdentity, async (c) => {
    return c.json({ identity: await identityView(c, c.var.principal.companyId) }, 200);
  })
  .openapi(routes.updateIdentity, async (c) => {
    const principal = c.var.principal;
    const { signing_alg } = c.req.valid("json");
    await setSigningAlg(c.var.db, c.env, principal, signing_alg);
    return c.json({ identity: await identityView(c, principal.companyId) }, 200);
  })
  .openapi(routes.rotateSigningKeys, async (c) => {
    const principal = c.var.principal;
    const { force } = c.req.valid("query");
    const rotation = await rotateSigningKeys(c.var.db, c.env, principal, { force: force === "true" });
    return c.json({ rotation, identity: await identityView(c, principal.companyId) }, 200);
  });
