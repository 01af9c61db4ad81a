/**
 * The OS keychain (macOS Keychain, Windows Credential Manager, the Secret Service on Linux)
 * through `@napi-rs/keyring`. The native module is loaded on first use only, so commands that
 * never touch a saved login (`--help`, `proxy`, anything under EDGEVAULT_API_KEY) never load
 * it, and every failure, a missing prebuilt binary included, comes back as a reason instead of
 * an exception: the caller falls back to the config file.
 */
import type { AsyncEntry as KeyringEntry } from "@napi-rs/keyring";
import { oneLine } from "../terminal-text.ts";

/** The keychain item's service name; the account is chosen by the caller (the config file's path). */
export const KEYCHAIN_SERVICE = "edgevault";

export type KeychainOutcome<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * On Linux the keyring crate falls back from the Secret Service to the kernel keyring, which
 * forgets its keys when the user's last session ends (or after a few idle days): a login kept
 * there would vanish unannounced. Pinning the Secret Service makes "no Secret Service" a
 * failure, and the caller keeps the login in the file instead.
 */
const ENTRY_OPTIONS = { linux: { store: "secret-service" } } as const;

async function entry(account: string): Promise<KeyringEntry> {
  const { AsyncEntry } = await import("@napi-rs/keyring");
  return new AsyncEntry(KEYCHAIN_SERVICE, account, ENTRY_OPTIONS);
}

/**
 * Runs one keychain operation; any failure becomes a one-line reason. `secret` is cut out of
 * the reason should a backend ever quote it.
 */
async function attempt<T>(operation: () => Promise<T>, secret?: string): Promise<KeychainOutcome<T>> {
  try {
    return { ok: true, value: await operation() };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const reason = secret ? message.split(secret).join("…") : message;
    return { ok: false, reason: oneLine(reason || "unknown keychain error", 200) };
  }
}

/** Stores the token and reads it back, so a backend that accepts writes it cannot keep is not trusted. */
export function writeKeychain(account: string, token: string): Promise<KeychainOutcome<void>> {
  return attempt(async () => {
    const item = await entry(account);
    await item.setPassword(token);
    if ((await item.getPassword()) !== token) throw new Error("the keychain did not return what was stored");
  }, token);
}

/** The stored token, or undefined when there is no item. */
export function readKeychain(account: string): Promise<KeychainOutcome<string | undefined>> {
  return attempt(async () => (await (await entry(account)).getPassword()) ?? undefined);
}

/** Removes the item; succeeds when there was none. */
export function deleteKeychain(account: string): Promise<KeychainOutcome<void>> {
  return attempt(async () => {
    await (await entry(account)).deleteCredential();
  });
}
