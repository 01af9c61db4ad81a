/**
 * Envelope encryption for secrets at rest (credentials, signing keys).
 *
 * master key (Worker secret, versioned) --wraps--> per-company data key --encrypts--> values
 *
 * Every AES-256-GCM operation binds associated data naming what the ciphertext belongs to
 * (company, vault, key), so a ciphertext copied to another row fails to decrypt. Rotating the
 * master key re-wraps the data keys only; credentials are never touched.
 * Stored form: `<base64url iv (12 bytes)>.<base64url ciphertext+tag>`.
 */
import { AppError } from "../app-error.ts";
import { base64url, randomBytes } from "./tokens.ts";

export type MasterKeyring = { current: number; keys: Map<number, CryptoKey> };

const IV_BYTES = 12;

export function fromBase64url(value: string): Uint8Array {
  const normal = value.replace(/-/g, "+").replace(/_/g, "/");
  const padded = normal + "=".repeat((4 - (normal.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const misconfigured = (why: string) => new AppError(500, "server_misconfigured", "The server's encryption keys are not configured", { cause: why });

/** Parses `MASTER_KEYS` (`v1:<base64>,v2:<base64>`); the highest version is current. */
export async function loadMasterKeyring(secret: string | undefined): Promise<MasterKeyring> {
  if (!secret) throw misconfigured("MASTER_KEYS is not set");
  const keys = new Map<number, CryptoKey>();
  for (const entry of secret
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = /^v(\d+):(.+)$/.exec(entry);
    if (!match?.[1] || !match[2]) throw misconfigured("MASTER_KEYS entry is not v<N>:<base64>");
    const raw = fromBase64url(match[2]);
    if (raw.byteLength !== 32) throw misconfigured(`master key v${match[1]} is not 32 bytes`);
    keys.set(Number(match[1]), await importAesKey(raw));
  }
  if (keys.size === 0) throw misconfigured("MASTER_KEYS is empty");
  return { current: Math.max(...keys.keys()), keys };
}

export function importAesKey(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
}

export async function seal(key: CryptoKey, plaintext: Uint8Array, associatedData: string): Promise<string> {
  const iv = randomBytes(IV_BYTES);
  const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: new TextEncoder().encode(associatedData) }, key, plaintext);
  return `${base64url(iv)}.${base64url(new Uint8Array(ciphertext))}`;
}

/** Decrypts a sealed value; throws `DecryptError` when the key, data or binding is wrong. */
export async function open(key: CryptoKey, sealed: string, associatedData: string): Promise<Uint8Array> {
  const [ivPart, ctPart] = sealed.split(".");
  if (!ivPart || !ctPart) throw new DecryptError("malformed sealed value");
  try {
    const plaintext = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64url(ivPart), additionalData: new TextEncoder().encode(associatedData) },
      key,
      fromBase64url(ctPart),
    );
    return new Uint8Array(plaintext);
  } catch (cause) {
    throw new DecryptError("authentication failed", { cause });
  }
}

export class DecryptError extends Error {}

/** Associated data: one function per kind of sealed value so the bindings cannot drift. */
export const associatedData = {
  dataKey: (companyId: string) => `edgevault:data-key:${companyId}`,
  credential: (companyId: string, vaultId: string, key: string) => `edgevault:credential:${companyId}:${vaultId}:${key}`,
  signingKey: (companyId: string, kid: string) => `edgevault:signing-key:${companyId}:${kid}`,
  caKey: (companyId: string, kid: string) => `edgevault:ca-key:${companyId}:${kid}`,
  webhookSecret: (companyId: string, webhookId: string) => `edgevault:webhook:${companyId}:${webhookId}`,
  /** A value an agent sent back in a proposal, sealed until a human applies it. */
  proposalValue: (companyId: string, proposalId: string, key: string) => `edgevault:proposal-value:${companyId}:${proposalId}:${key}`,
  /** An OAuth service's access token, cached by its token broker (durable-objects/oauth-tokens.ts) under the credential it came from. */
  oauthAccessToken: (companyId: string, vaultId: string, slot: string) => `edgevault:oauth-access:${companyId}:${vaultId}:${slot}`,
  /** What a connect in progress keeps until its callback: the PKCE verifier, and a client secret the admin typed. */
  oauthConnect: (companyId: string, connectionId: string, what: "code_verifier" | "client_secret") =>
    `edgevault:oauth-connect:${companyId}:${connectionId}:${what}`,
  /** A company's single sign-on client secret (sso/). */
  ssoClientSecret: (companyId: string) => `edgevault:sso-client-secret:${companyId}`,
  /** A browser's sign-in in progress through a company's provider: its state, nonce and PKCE verifier, in a cookie. */
  ssoFlow: (companyId: string) => `edgevault:sso-flow:${companyId}`,
};

export type WrappedDataKey = { wrapped: string; version: number };

export async function newWrappedDataKey(ring: MasterKeyring, companyId: string): Promise<WrappedDataKey> {
  return wrapDataKey(ring, companyId, randomBytes(32));
}

async function wrapDataKey(ring: MasterKeyring, companyId: string, raw: Uint8Array): Promise<WrappedDataKey> {
  const master = ring.keys.get(ring.current);
  if (!master) throw misconfigured("current master key missing");
  return { wrapped: await seal(master, raw, associatedData.dataKey(companyId)), version: ring.current };
}

async function unwrapRaw(ring: MasterKeyring, companyId: string, stored: WrappedDataKey): Promise<Uint8Array> {
  const master = ring.keys.get(stored.version);
  if (!master) throw misconfigured(`master key v${stored.version} is no longer configured`);
  return open(master, stored.wrapped, associatedData.dataKey(companyId));
}

export async function unwrapDataKey(ring: MasterKeyring, companyId: string, stored: WrappedDataKey): Promise<CryptoKey> {
  return importAesKey(await unwrapRaw(ring, companyId, stored));
}

/** Re-wraps a data key under the current master key; the data key itself does not change. */
export async function rewrapDataKey(ring: MasterKeyring, companyId: string, stored: WrappedDataKey): Promise<WrappedDataKey> {
  return wrapDataKey(ring, companyId, await unwrapRaw(ring, companyId, stored));
}

export async function sealText(key: CryptoKey, value: string, associated: string): Promise<string> {
  return seal(key, new TextEncoder().encode(value), associated);
}

export async function openText(key: CryptoKey, sealed: string, associated: string): Promise<string> {
  return new TextDecoder().decode(await open(key, sealed, associated));
}
