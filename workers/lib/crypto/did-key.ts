/**
 * `did:key` for an Ed25519 public key given as multibase (`z6Mk…`: base58btc of the multicodec
 * prefix 0xed 0x01 and the 32 key bytes), the form Vaultys agents register with (seed 004). Any
 * other key text has no DID: the agent is then known by its `agt_…` id.
 */

const BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const ED25519_MULTICODEC = [0xed, 0x01] as const;
const ED25519_KEY_BYTES = 32;
/** A multibase Ed25519 key is 48 characters; anything much longer is not one (and not decoded). */
const MAX_MULTIBASE_LENGTH = 64;

export const DID_KEY_PREFIX = "did:key:";

/** Bytes of a base58btc string, or undefined when it holds a character outside the alphabet. */
export function decodeBase58(text: string): Uint8Array | undefined {
  const bytes: number[] = [];
  for (const char of text) {
    let carry = BASE58_ALPHABET.indexOf(char);
    if (carry < 0) return undefined;
    for (let i = 0; i < bytes.length; i++) {
      carry += (bytes[i] ?? 0) * 58;
      bytes[i] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  // Each leading "1" is a leading zero byte.
  for (const char of text) {
    if (char !== "1") break;
    bytes.push(0);
  }
  return Uint8Array.from(bytes.reverse());
}

/**
 * True for a multibase base58btc Ed25519 public key.
 * @example isEd25519Multibase("z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK") // true
 */
export function isEd25519Multibase(publicKey: string): boolean {
  if (!publicKey.startsWith("z") || publicKey.length > MAX_MULTIBASE_LENGTH) return false;
  const bytes = decodeBase58(publicKey.slice(1));
  return (
    bytes !== undefined &&
    bytes.length === ED25519_MULTICODEC.length + ED25519_KEY_BYTES &&
    bytes[0] === ED25519_MULTICODEC[0] &&
    bytes[1] === ED25519_MULTICODEC[1]
  );
}

/**
 * The agent's DID, or null when its key is not a multibase Ed25519 key.
 * @example didKeyFor("z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK") // "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
 */
export function didKeyFor(publicKey: string | null | undefined): string | null {
  return publicKey && isEd25519Multibase(publicKey) ? `${DID_KEY_PREFIX}${publicKey}` : null;
}

/** The multibase key inside a `did:key:` DID, or undefined for anything else. */
export function publicKeyOfDid(did: string): string | undefined {
  if (!did.startsWith(DID_KEY_PREFIX)) return undefined;
  const key = did.slice(DID_KEY_PREFIX.length);
  return isEd25519Multibase(key) ? key : undefined;
}
