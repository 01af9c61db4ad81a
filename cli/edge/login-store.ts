/**
 * Where a saved login's token lives. In the OS keychain when one is usable, so that the token is
 * not one more file any process of the user can read; config.json then keeps only the address,
 * the token's kind and `"token_store": "keychain"`. Otherwise in config.json itself (mode 0600),
 * silently, and `login` and `whoami` say which. EDGEVAULT_CREDENTIAL_STORE=file skips the
 * keychain: tests, and machines whose keychain would prompt with nobody there to answer.
 */
import { z } from "zod";
import { CliError, UsageError } from "../cli-error.ts";
import { configPath, saveConfig, type Config, type TokenKind } from "./config.ts";
import { deleteKeychain, readKeychain, writeKeychain } from "./keychain.ts";

type Env = Readonly<Record<string, string | undefined>>;

export const CREDENTIAL_STORE_VARIABLE = "EDGEVAULT_CREDENTIAL_STORE";

/** `auto`: the keychain, else the file. `file`: the file, without asking the keychain. */
const CredentialStoreSetting = z.enum(["auto", "file"]);
type CredentialStoreSetting = z.infer<typeof CredentialStoreSetting>;

/** Where a token was found or put. */
export type TokenStore = { kind: "keychain" } | { kind: "file"; path: string };

export type SavedLogin = TokenStore & {
  /** Why the file and not the keychain; only for `kind: "file"`. */
  reason?: string;
  /** Set when an older login could not be removed from the keychain. */
  leftover?: string;
};

export function credentialStoreSetting(env: Env): CredentialStoreSetting {
  const value = env[CREDENTIAL_STORE_VARIABLE];
  if (value === undefined || value === "") return "auto";
  const result = CredentialStoreSetting.safeParse(value);
  if (!result.success) throw new UsageError(`${CREDENTIAL_STORE_VARIABLE} must be "auto" or "file"`);
  return result.data;
}

/**
 * One keychain item per config file, named by its path, so separate config homes (other
 * XDG_CONFIG_HOME values, tests) never share a login.
 */
function keychainAccount(env: Env): string {
  return configPath(env);
}

/**
 * Saves a login the edge has accepted, in the keychain if it takes it, else in the file.
 * `previous` is the config it replaces, so a token it kept in the keychain does not stay there.
 */
export async function saveLogin(env: Env, login: { addr: string; token: string; kind: TokenKind }, previous: Config | undefined): Promise<SavedLogin> {
  const account = keychainAccount(env);
  // A vault chosen with `vault use` outlives logins, as the address does.
  const kept = previous?.vault === undefined ? {} : { vault: previous.vault };
  let reason: string;
  if (credentialStoreSetting(env) === "file") {
    reason = `${CREDENTIAL_STORE_VARIABLE}=file`;
  } else {
    const written = await writeKeychain(account, login.token);
    if (written.ok) {
      try {
        await saveConfig(env, { addr: login.addr, kind: login.kind, token_store: "keychain", ...kept });
      } catch (error) {
        // No config points at the item now: do not leave a token behind in the keychain.
        await deleteKeychain(account);
        throw error;
      }
      return { kind: "keychain" };
    }
    reason = `no usable OS keychain (${written.reason})`;
  }
  const path = await saveConfig(env, { addr: login.addr, token: login.token, kind: login.kind, ...kept });
  if (previous?.token_store !== "keychain") return { kind: "file", path, reason };
  const removed = await deleteKeychain(account);
  return { kind: "file", path, reason, ...(removed.ok ? {} : { leftover: removed.reason }) };
}

/** The saved token and where it was, or undefined when nothing is saved. */
export async function readLoginToken(env: Env, config: Config | undefined): Promise<{ token: string; store: TokenStore } | undefined> {
  if (config?.token) return { token: config.token, store: { kind: "file", path: configPath(env) } };
  if (config?.token_store !== "keychain") return undefined;
  const read = await readKeychain(keychainAccount(env));
  if (!read.ok) throw new CliError(`The saved login is in the OS keychain, which cannot be read now (${read.reason}); log in again, or set EDGEVAULT_API_KEY`);
  if (read.value === undefined) throw new CliError("The saved login is no longer in the OS keychain; log in again with `edgevault login`");
  return { token: read.value, store: { kind: "keychain" } };
}

/**
 * Forgets the saved token and keeps the address and the chosen vault. Resolves with the keychain's reason when the
 * token could not be removed from it (config.json no longer refers to it either way).
 */
export async function removeLogin(env: Env, config: Config): Promise<string | undefined> {
  const { token: _token, kind: _kind, token_store: _store, ...kept } = config;
  await saveConfig(env, kept);
  if (config.token_store !== "keychain") return undefined;
  const removed = await deleteKeychain(keychainAccount(env));
  return removed.ok ? undefined : removed.reason;
}

/** For an unreadable config file: it may have pointed at a keychain item, which goes too. */
export async function removeKeychainItem(env: Env): Promise<void> {
  if (credentialStoreSetting(env) === "file") return;
  await deleteKeychain(keychainAccount(env));
}

/** "the OS keychain" or "file <path>", for messages. */
export function describeStore(store: TokenStore): string {
  return store.kind === "keychain" ? "the OS keychain" : `file ${store.path}`;
}
