/**
 * Identity, for the API: the company's published keys (public: verifiers anywhere must reach them,
 * and a company unknown here is 404 before anything is created), its identity settings, switching
 * its signing algorithm and rotating its keys (owners). Only public JWK members ever leave here;
 * private keys stay sealed (signing-keys.ts).
 */
import type { z } from "zod";
import type { ActionContext, PublicActionContext } from "../action-context.ts";
import { findCompany } from "../companies/companies.queries.ts";
import { publicOriginIn } from "../config.ts";
import { isGuardFailure } from "../db/audit.ts";
import { AppError, conflict, notFound } from "../lib/app-error.ts";
import { DEFAULT_SVID_AUDIENCE, issuerFor, JWKS_MAX_AGE_SECONDS, SVID_TTL_SECONDS, type SigningAlg } from "../lib/crypto/jwt-svid.ts";
import { iso } from "../lib/openapi.ts";
import { companyCaKey } from "./ca-key.ts";
import type { Jwks, OneIdentity, SigningKeysRotated, SpiffeBundle, UpdateIdentityBody } from "./identity.contract.ts";
import { ensureSigningKeys, isPublished, NEXT_KEY_MIN_AGE_MS, newKeyRow, publishedKeys, publishedUntil, spiffeSequence } from "./signing-keys.ts";
import { companyKeys, rotateSigningKeysChange, signingAlgChange } from "./signing-keys.queries.ts";
import { trustDomainIn } from "./svid.ts";

export type UpdateIdentityInput = z.output<typeof UpdateIdentityBody>;

/** The published keys of a company this edge knows (404 before anything is created for one it does not). */
async function publishedFor(ctx: PublicActionContext, companyId: string) {
  if (!(await findCompany(ctx.db, companyId))) throw notFound("Company");
  return publishedKeys(ctx, companyId, ctx.edge.now());
}

/** The company's public keys as a plain JWK Set (RFC 7517). */
export async function publishedJwks(ctx: PublicActionContext, companyId: string): Promise<z.output<typeof Jwks>> {
  const { keys } = await publishedFor(ctx, companyId);
  // The CA key too (identity/ca-key.ts): passports, passport statuses and the attestation chain verify against it.
  const ca = await companyCaKey(ctx, companyId);
  return { keys: [...keys.map((k) => ({ ...k, use: "sig" as const })), { ...ca.publicJwk, kid: ca.kid, alg: "EdDSA" as const, use: "sig" as const }] };
}

/** The company's JWT-SVID trust bundle in SPIFFE format. */
export async function spiffeBundle(ctx: PublicActionContext, companyId: string): Promise<z.output<typeof SpiffeBundle>> {
  const { keys, sequence } = await publishedFor(ctx, companyId);
  return { keys: keys.map((k) => ({ ...k, use: "jwt-svid" as const })), spiffe_sequence: sequence, spiffe_refresh_hint: JWKS_MAX_AGE_SECONDS };
}

/** The caller's company's identity settings and signing keys (public halves only); makes the first keys on first use. */
export async function getIdentity(ctx: ActionContext): Promise<z.output<typeof OneIdentity>> {
  const companyId = ctx.principal.companyId;
  const company = await findCompany(ctx.db, companyId);
  if (!company) throw notFound("Company");
  const trustDomain = trustDomainIn(ctx.config);
  const now = ctx.edge.now();
  const rows = await ensureSigningKeys(ctx, companyId, now);
  const origin = publicOriginIn(ctx.config);
  const active = rows.find((r) => r.status === "active");
  return {
    identity: {
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
    },
  };
}

const keysChanged = () => conflict("signing_keys_changed", "The signing keys changed concurrently; try again");

/** Switches the company's signing algorithm (`switchSigningAlg`), and answers its identity as it now stands. */
export async function updateIdentity(ctx: ActionContext, input: UpdateIdentityInput): Promise<z.output<typeof OneIdentity>> {
  await switchSigningAlg(ctx, input.signing_alg);
  return getIdentity(ctx);
}

/**
 * The switch never makes an unpublished key sign: the pending next key is replaced by one of the
 * new algorithm (the old one never signed, so it is dropped at once) and the active key keeps
 * signing until the next rotation. Tried again when a concurrent change to the keys wins.
 */
async function switchSigningAlg(ctx: ActionContext, to: SigningAlg): Promise<void> {
  const { db, principal } = ctx;
  const companyId = principal.companyId;
  for (let attempt = 0; attempt < 3; attempt++) {
    const company = await findCompany(db, companyId);
    if (!company) throw notFound("Company");
    const next = (await companyKeys(db, companyId)).find((r) => r.status === "next");
    // No next key to replace: either no keys yet (first use will create them in `to`) or the
    // next key already has it.
    const keepsNext = !next || next.alg === to;
    if (keepsNext && company.signingAlg === to) return;
    const now = ctx.edge.now();
    const replace = keepsNext ? undefined : { fresh: await newKeyRow(ctx, companyId, to, "next", now), now };
    try {
      await ctx.commit(signingAlgChange(db, principal, { from: company.signingAlg, to }, next, replace));
      return;
    } catch (error) {
      if (!isGuardFailure(error)) throw error;
    }
  }
  throw keysChanged();
}

/**
 * Rotates: next → active, active → retired, a new next (in the company's current algorithm).
 * Refuses (409 `next_key_too_new`) while the next key has been published for less than one JWKS
 * cache lifetime, unless `force` (e.g. a suspected key compromise).
 */
export async function rotateSigningKeys(ctx: ActionContext, options: { force: boolean }): Promise<z.output<typeof SigningKeysRotated>> {
  const { db, principal } = ctx;
  const companyId = principal.companyId;
  const now = ctx.edge.now();
  const rows = await ensureSigningKeys(ctx, companyId, now);
  const active = rows.find((r) => r.status === "active");
  const next = rows.find((r) => r.status === "next");
  if (!active || !next) throw keysChanged();
  const age = now - next.createdAt;
  if (!options.force && age < NEXT_KEY_MIN_AGE_MS) {
    const wait = Math.ceil((NEXT_KEY_MIN_AGE_MS - age) / 1000);
    throw new AppError(
      409,
      "next_key_too_new",
      `The next key was published ${Math.floor(age / 1000)} s ago; verifiers may cache the JWKS for ${JWKS_MAX_AGE_SECONDS} s. Retry in ${wait} s, or pass force=true`,
      { headers: { "Retry-After": String(wait) } },
    );
  }
  const company = await findCompany(db, companyId);
  if (!company) throw notFound("Company");
  const fresh = await newKeyRow(ctx, companyId, company.signingAlg, "next", now);
  await ctx.commit(rotateSigningKeysChange(db, principal, { active, next, fresh }, options.force, now)).catch((error: unknown) => {
    throw isGuardFailure(error) ? keysChanged() : error;
  });
  return { rotation: { activated: next.id, retired: active.id, next: fresh.id }, identity: (await getIdentity(ctx)).identity };
}
