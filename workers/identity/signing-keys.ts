/**
 * Per-company signing keys and their lifecycle: `next` (published, never signs) → `active`
 * (signs) → `retired` (published until every token it signed has expired, then dropped).
 *
 * A company's first use creates an active key and a next key together, guarded so that two
 * first uses at once create exactly one of each. Rotation (identity.actions.ts) promotes
 * next→active, active→retired and publishes a new next, so every key is in the JWKS before it
 * signs. Private JWKs are sealed with the company data key, bound to company and kid; imported
 * keys are cached per isolate. D1 is read and written through signing-keys.queries.ts.
 */
import type { CryptoKey as JoseCryptoKey } from "jose";
import { findCompany } from "../companies/companies.queries.ts";
import type { Database } from "../db/client.ts";
import { AppError, notFound } from "../lib/app-error.ts";
import { associatedData, openText, sealText } from "../lib/crypto/crypto-envelope.ts";
import {
  CLOCK_SKEW_SECONDS,
  generateSigningKeyPair,
  importPrivateKey,
  importPublicKey,
  JWKS_MAX_AGE_SECONDS,
  MAX_TOKEN_TTL_SECONDS,
  parsePublicJwk,
  type PublicJwk,
  type SignerKey,
  type SigningAlg,
} from "../lib/crypto/jwt-svid.ts";
import { newId } from "../lib/crypto/tokens.ts";
import { companyKeys, findSigningKey, insertFirstSigningKeys, type NewSigningKeyRow, type SigningKeyRow } from "./signing-keys.queries.ts";

/** What the keys' lifecycle needs of an action's context: D1, the company's data key that seals private keys, and the clock. */
/**
 * What the key lifecycle needs: D1, the company's data key (it seals the private halves) and the
 * clock — the action context's own ports (action-context.ts `EdgePorts`), named here so the
 * context can name what an SVID is without a cycle.
 */
export type SigningKeyAccess = { db: Database; edge: { dataKey(companyId: string): Promise<CryptoKey>; now(): number } };

/** A retired key stays published until the last token it signed has expired (plus clock skew). */
export const RETIRED_KEY_RETENTION_MS = (MAX_TOKEN_TTL_SECONDS + CLOCK_SKEW_SECONDS) * 1000;
/** A next key must have been published at least one JWKS cache lifetime before it signs. */
export const NEXT_KEY_MIN_AGE_MS = JWKS_MAX_AGE_SECONDS * 1000;

/** Imported keys per isolate, by kid (random, never reused). Bounded; oldest entries go first. */
const MAX_CACHED_KEYS = 512;
const privateKeys = new Map<string, Promise<JoseCryptoKey>>();
const publicKeys = new Map<string, Promise<JoseCryptoKey>>();

function cached(cache: Map<string, Promise<JoseCryptoKey>>, kid: string, load: () => Promise<JoseCryptoKey>): Promise<JoseCryptoKey> {
  const hit = cache.get(kid);
  if (hit) return hit;
  const key = load();
  cache.set(kid, key);
  key.catch(() => cache.delete(kid));
  if (cache.size > MAX_CACHED_KEYS) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return key;
}

/** Published: next and active keys, and retired keys that signed something still unexpired. */
export function isPublished(row: SigningKeyRow, now: number): boolean {
  if (row.status !== "retired") return true;
  return row.activatedAt != null && row.retiredAt != null && row.retiredAt + RETIRED_KEY_RETENTION_MS > now;
}

/** When a retired key leaves the JWKS; null while it is next or active, or if it never signed. */
export function publishedUntil(row: SigningKeyRow): number | null {
  return row.status === "retired" && row.activatedAt != null && row.retiredAt != null ? row.retiredAt + RETIRED_KEY_RETENTION_MS : null;
}

/**
 * The SPIFFE bundle sequence: grows by one whenever the published set changes, i.e. when a key
 * is created (first use, rotation, algorithm switch) and when a retired key's retention ends.
 */
export function spiffeSequence(rows: SigningKeyRow[], now: number): number {
  const expired = rows.filter((r) => r.status === "retired" && r.activatedAt != null && !isPublished(r, now)).length;
  return rows.length + expired;
}

/** A new key pair of `alg` as a row, its private half sealed with the company's data key. */
export async function newKeyRow(keys: SigningKeyAccess, companyId: string, alg: SigningAlg, status: "active" | "next", now: number): Promise<NewSigningKeyRow> {
  const kid = newId("sk");
  const { publicJwk, privateJwk } = await generateSigningKeyPair(alg);
  const dataKey = await keys.edge.dataKey(companyId);
  const sealedPrivateJwk = await sealText(dataKey, privateJwk, associatedData.signingKey(companyId, kid));
  return { id: kid, companyId, alg, publicJwk, sealedPrivateJwk, status, createdAt: now, activatedAt: status === "active" ? now : null };
}

const keysBusy = () => new AppError(503, "signing_keys_busy", "The signing keys are being changed; try again", { headers: { "Retry-After": "1" } });

/**
 * The company's keys, creating its first active and next keys on first use (in the company's
 * `signing_alg`). Unknown company → 404.
 */
export async function ensureSigningKeys(keys: SigningKeyAccess, companyId: string, now: number): Promise<SigningKeyRow[]> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const rows = await companyKeys(keys.db, companyId);
    const missing = (["active", "next"] as const).filter((status) => !rows.some((r) => r.status === status));
    if (missing.length === 0) return rows;
    const company = await findCompany(keys.db, companyId);
    if (!company) throw notFound("Company");
    await insertFirstSigningKeys(keys.db, await Promise.all(missing.map((status) => newKeyRow(keys, companyId, company.signingAlg, status, now))));
    // Read back: whoever won the race, everyone now sees the same keys (or retries if the
    // algorithm changed in between and nothing was inserted).
  }
  throw keysBusy();
}

/** The key that signs now, imported (cached per isolate). Creates the company's keys on first use. */
export async function activeSigner(keys: SigningKeyAccess, companyId: string): Promise<SignerKey> {
  const rows = await ensureSigningKeys(keys, companyId, keys.edge.now());
  const active = rows.find((r) => r.status === "active");
  if (!active) throw keysBusy();
  const privateKey = await cached(privateKeys, active.id, async () => {
    const dataKey = await keys.edge.dataKey(companyId);
    const jwk = await openText(dataKey, active.sealedPrivateJwk, associatedData.signingKey(companyId, active.id));
    return importPrivateKey(jwk, active.alg);
  });
  return { kid: active.id, alg: active.alg, privateKey };
}

/**
 * The public key for `kid` if it belongs to this company and may have signed a token that is
 * still valid: active, or retired within retention. A `next` key has never signed, so a token
 * naming it is refused.
 */
export async function verificationKey(
  db: Database,
  companyId: string,
  kid: string,
  now: number,
): Promise<{ alg: SigningAlg; publicKey: JoseCryptoKey } | undefined> {
  const row = await findSigningKey(db, companyId, kid);
  if (!row || row.status === "next" || !isPublished(row, now)) return undefined;
  const publicKey = await cached(publicKeys, row.id, () => importPublicKey(parsePublicJwk(row.publicJwk), row.alg));
  return { alg: row.alg, publicKey };
}

export type PublishedKey = PublicJwk & { kid: string; alg: SigningAlg };

/** The public keys a verifier needs now (next, active, retired within retention). */
export async function publishedKeys(keys: SigningKeyAccess, companyId: string, now: number): Promise<{ keys: PublishedKey[]; sequence: number }> {
  const rows = await ensureSigningKeys(keys, companyId, now);
  const published = rows.filter((r) => isPublished(r, now)).map((r) => ({ ...parsePublicJwk(r.publicJwk), kid: r.id, alg: r.alg }));
  return { keys: published, sequence: spiffeSequence(rows, now) };
}
