/**
 * Per-company data keys: created on first use, unwrapped with the master keyring, cached in the
 * isolate by their wrapped form (so a re-wrap after rotation is picked up by the next read).
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "./client.ts";
import { companies } from "./schema.ts";
import type { Env } from "../env.ts";
import { loadMasterKeyring, newWrappedDataKey, unwrapDataKey, type MasterKeyring } from "../lib/crypto/crypto-envelope.ts";
import { notFound } from "../lib/app-error.ts";

let cachedRing: { secret: string; ring: Promise<MasterKeyring> } | undefined;
const unwrapped = new Map<string, { wrapped: string; key: Promise<CryptoKey> }>();

export function masterKeyring(env: Env): Promise<MasterKeyring> {
  if (cachedRing?.secret !== env.MASTER_KEYS) {
    cachedRing = { secret: env.MASTER_KEYS, ring: loadMasterKeyring(env.MASTER_KEYS) };
    cachedRing.ring.catch(() => (cachedRing = undefined));
  }
  return cachedRing.ring;
}

export async function companyDataKey(db: Database, env: Env, companyId: string): Promise<CryptoKey> {
  let company = await db.select().from(companies).where(eq(companies.id, companyId)).get();
  if (!company) throw notFound("Company");
  const ring = await masterKeyring(env);
  if (!company.dataKeyWrapped || company.dataKeyVersion == null) {
    const fresh = await newWrappedDataKey(ring, companyId);
    // Only the first writer wins; everyone then reads back the same key.
    await db
      .update(companies)
      .set({ dataKeyWrapped: fresh.wrapped, dataKeyVersion: fresh.version })
      .where(and(eq(companies.id, companyId), isNull(companies.dataKeyWrapped)));
    company = await db.select().from(companies).where(eq(companies.id, companyId)).get();
    if (!company?.dataKeyWrapped || company.dataKeyVersion == null) throw notFound("Company");
  }
  const wrapped = company.dataKeyWrapped;
  const version = company.dataKeyVersion;
  const cached = unwrapped.get(companyId);
  if (cached?.wrapped === wrapped) return cached.key;
  const key = unwrapDataKey(ring, companyId, { wrapped, version });
  unwrapped.set(companyId, { wrapped, key });
  key.catch(() => unwrapped.delete(companyId));
  return key;
}
