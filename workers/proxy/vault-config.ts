/**
 * What the proxy needs to know about a vault — its services and its credential ciphertexts —
 * from a per-isolate cache, so a warm proxied request never waits on D1.
 *
 * Propagation bound: a change made anywhere is used by every isolate within 5 s. An entry is
 * fresh for 2.5 s, then served while a background refresh runs for at most 2.5 s more; older
 * than that, the next request reloads it first. The isolate that made the change forgets its
 * copy at once (workers/effects.ts). And a refusal never rests on a stale copy: a request that
 * finds no service, a disabled one or a missing credential re-reads the vault once (at most
 * once per quarter second per vault) before refusing, so the retry an agent makes right after
 * its proposal is `applied` goes through on whichever isolate it lands.
 * Ciphertexts stay sealed here; only the matched service's keys are ever decrypted, each once per
 * copy: its plaintext and the redaction table derived from it are kept with the copy that holds
 * its ciphertext and go with it (docs/security.md, "What an isolate keeps").
 */
import { sharedVaultMeta } from "../../durable-objects/vault-meta-cache.ts";
import type { Database } from "../db/client.ts";
import { companyDataKey } from "../db/data-keys.ts";
import type { Env } from "../env.ts";
import { associatedData, openText } from "../lib/crypto/crypto-envelope.ts";
import { type InjectedSecret, RedactionTable } from "../lib/http/redaction.ts";
import { StaleWhileRevalidate } from "../lib/stale-while-revalidate.ts";
import { listVaultServices, type ServiceRecord } from "../services/services.queries.ts";
import { sealedCredentials } from "./vault-config.queries.ts";

export type { ServiceRecord } from "../services/services.queries.ts";

/** Every isolate uses a change within this long (fresh + stale-while-refreshing). */
export const VAULT_CONFIG_PROPAGATION_MS = 5_000;
export const VAULT_CONFIG_FRESH_MS = VAULT_CONFIG_PROPAGATION_MS / 2;
/** A refusal re-reads the vault only if its copy is older than this (bounds D1 reads under a refused flood). */
export const RECHECK_AFTER_MS = 250;

export type VaultConfig = {
  companyId: string;
  vaultId: string;
  services: ServiceRecord[];
  /** Credential key → sealed value. */
  sealed: Map<string, string>;
  dataKey: CryptoKey | null;
  /** When this copy was read from D1. */
  loadedAt: number;
  /**
   * Credential key → its value, decrypted by a request of this copy (never written to D1, never
   * copied to another copy): a warm request decrypts nothing. Gone with the copy, which a change
   * or the 5 s bound replaces.
   */
  opened?: Map<string, string>;
  /** A service's redaction table by the values it redacts (an OAuth access token changes them), for this copy's life. */
  redactionTables?: Map<string, RedactionTable>;
  /**
   * What a service that is not `oauth` sends and redacts, worked out by its first request of this
   * copy (proxy.handlers.ts): nothing in it can change while the copy lives, so a warm request
   * reads it instead of rebuilding it. An `oauth` service's access token can, so it has none.
   */
  plans?: WeakMap<ServiceRecord, ServicePlan>;
};

/** A service's values (its auth's and substitutions'), the headers they inject and its redaction table. Never mutated. */
export type ServicePlan = {
  values: ReadonlyMap<string, string>;
  injection: { headers: Record<string, string> };
  table: RedactionTable | null;
};

/** How many redaction tables one copy keeps: a token refreshed again and again starts the map over. */
const MAX_REDACTION_TABLES = 16;

type Load = () => Promise<VaultConfig>;

/** One isolate's copies of vault configs (a class so a test can run two "isolates" side by side). */
export class VaultConfigCache {
  #cache = new StaleWhileRevalidate<VaultConfig>({ freshMs: VAULT_CONFIG_FRESH_MS, maxStaleMs: VAULT_CONFIG_PROPAGATION_MS, maxEntries: 1024 });

  get(companyId: string, vaultId: string, load: Load, waitUntil: (p: Promise<unknown>) => void, now = Date.now()): Promise<VaultConfig> {
    return this.#cache.get(`${companyId}:${vaultId}`, load, waitUntil, now);
  }

  /** The source of truth once more, unless this copy was read a moment ago. */
  async recheck(config: VaultConfig, load: Load, now = Date.now()): Promise<VaultConfig> {
    if (now - config.loadedAt < RECHECK_AFTER_MS) return config;
    this.#cache.delete(`${config.companyId}:${config.vaultId}`);
    return this.#cache.get(`${config.companyId}:${config.vaultId}`, load, () => undefined, now);
  }

  forget(companyId: string, vaultId: string): void {
    this.#cache.delete(`${companyId}:${vaultId}`);
  }
}

const isolateCache = new VaultConfigCache();

export function vaultConfig(db: Database, env: Env, companyId: string, vaultId: string, waitUntil: (p: Promise<unknown>) => void): Promise<VaultConfig> {
  return isolateCache.get(companyId, vaultId, () => loadVaultConfig(db, env, companyId, vaultId), waitUntil);
}

/** Before refusing on what the cached copy says: read the vault again (see the module comment). */
export function recheckVaultConfig(db: Database, env: Env, config: VaultConfig): Promise<VaultConfig> {
  return isolateCache.recheck(config, () => loadVaultConfig(db, env, config.companyId, config.vaultId));
}

/**
 * Drops this isolate's copy after it changed the vault itself (other isolates: within the bound
 * above), and what its ActorGates know of the company's vaults (a rate limit, a deleted vault).
 */
export function forgetVaultConfig(companyId: string, vaultId: string): void {
  isolateCache.forget(companyId, vaultId);
  sharedVaultMeta.forgetCompany(companyId);
}

export async function loadVaultConfig(db: Database, env: Env, companyId: string, vaultId: string): Promise<VaultConfig> {
  const loadedAt = Date.now();
  const [services, rows] = await Promise.all([listVaultServices(db, companyId, vaultId), sealedCredentials(db, companyId, vaultId)]);
  const dataKey = rows.length ? await companyDataKey(db, env, companyId) : null;
  return { companyId, vaultId, services, sealed: new Map(rows.map((r) => [r.key, r.ciphertext])), dataKey, loadedAt };
}

/** Decrypts the named keys only; a missing key is reported by name (502 credential_not_found). */
export async function openCredentials(config: VaultConfig, keys: readonly string[]): Promise<{ values: Map<string, string> } | { missing: string }> {
  const values = new Map<string, string>();
  config.opened ??= new Map();
  const opened = config.opened;
  for (const key of keys) {
    const sealed = config.sealed.get(key);
    if (sealed === undefined || !config.dataKey) return { missing: key };
    let value = opened.get(key);
    if (value === undefined) {
      value = await openText(config.dataKey, sealed, associatedData.credential(config.companyId, config.vaultId, key));
      opened.set(key, value);
    }
    values.set(key, value);
  }
  return { values };
}

/** The redaction table for `secrets`, built once per copy of the vault config (null when nothing is redacted). */
export function redactionTableOf(config: VaultConfig, secrets: readonly InjectedSecret[]): RedactionTable | null {
  if (secrets.length === 0) return null;
  let id = "";
  for (const { key, value } of secrets) id += `${key}\u0000${value}\u0001`;
  config.redactionTables ??= new Map();
  const tables = config.redactionTables;
  let table = tables.get(id);
  if (!table) {
    if (tables.size >= MAX_REDACTION_TABLES) tables.clear();
    table = new RedactionTable(secrets);
    tables.set(id, table);
  }
  return table;
}
