/**
 * What the proxy needs to know about a vault — its services and its credential ciphertexts —
 * from a per-isolate cache, so a warm proxied request never waits on D1. Staleness is bounded:
 * an entry is fresh for 5 s and is then served while a background refresh runs, for at most
 * 60 s; after that the next request reloads it first. Service and credential changes therefore
 * reach the proxy within about 5 s on an active vault (documented in docs/proxy.md).
 * Ciphertexts stay sealed here; only the matched service's keys are ever decrypted.
 */
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { companyDataKey } from "../db/data-keys.ts";
import { credentials } from "../db/schema.ts";
import { listVaultServices, type ServiceRecord } from "../services/services.queries.ts";
import type { Env } from "../env.ts";
import { associatedData, openText } from "../lib/crypto-envelope.ts";
import { StaleWhileRevalidate } from "../lib/stale-while-revalidate.ts";

export const VAULT_CONFIG_FRESH_MS = 5_000;
export const VAULT_CONFIG_MAX_STALE_MS = 60_000;

export type VaultConfig = {
  companyId: string;
  vaultId: string;
  services: ServiceRecord[];
  /** Credential key → sealed value. */
  sealed: Map<string, string>;
  dataKey: CryptoKey | null;
};

const cache = new StaleWhileRevalidate<VaultConfig>({ freshMs: VAULT_CONFIG_FRESH_MS, maxStaleMs: VAULT_CONFIG_MAX_STALE_MS, maxEntries: 1024 });

export function vaultConfig(db: Database, env: Env, companyId: string, vaultId: string, waitUntil: (p: Promise<unknown>) => void): Promise<VaultConfig> {
  return cache.get(`${companyId}:${vaultId}`, () => loadVaultConfig(db, env, companyId, vaultId), waitUntil);
}

/** Drops this isolate's copy after it changed the vault itself (other isolates catch up by TTL). */
export function forgetVaultConfig(companyId: string, vaultId: string): void {
  cache.delete(`${companyId}:${vaultId}`);
}

async function loadVaultConfig(db: Database, env: Env, companyId: string, vaultId: string): Promise<VaultConfig> {
  const [services, rows] = await Promise.all([
    listVaultServices(db, companyId, vaultId),
    db
      .select({ key: credentials.key, ciphertext: credentials.ciphertext })
      .from(credentials)
      .where(and(eq(credentials.companyId, companyId), eq(credentials.vaultId, vaultId)))
      .all(),
  ]);
  const dataKey = rows.length ? await companyDataKey(db, env, companyId) : null;
  return { companyId, vaultId, services, sealed: new Map(rows.map((r) => [r.key, r.ciphertext])), dataKey };
}

/** Decrypts the named keys only; a missing key is reported by name (502 credential_not_found). */
export async function openCredentials(config: VaultConfig, keys: readonly string[]): Promise<{ values: Map<string, string> } | { missing: string }> {
  const values = new Map<string, string>();
  for (const key of keys) {
    const sealed = config.sealed.get(key);
    if (sealed === undefined || !config.dataKey) return { missing: key };
    values.set(key, await openText(config.dataKey, sealed, associatedData.credential(config.companyId, config.vaultId, key)));
  }
  return { values };
}
