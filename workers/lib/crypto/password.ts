/**
 * Password hashing: PBKDF2-HMAC-SHA256, 100,000 iterations, 16-byte salt, 32-byte output.
 * Why PBKDF2: it is the only password KDF in WebCrypto, so it runs natively in workerd, and
 * workerd caps PBKDF2 at 100,000 iterations — the highest it allows, about 10–30 ms of CPU,
 * which fits Workers' CPU limits. Throttling of failed sign-ins (auth area) covers online guessing.
 * Stored form: `pbkdf2-sha256$<iterations>$<base64url salt>$<base64url hash>`.
 */
import { fromBase64url } from "./crypto-envelope.ts";
import { base64url, randomBytes } from "./tokens.ts";

export const PBKDF2_ITERATIONS = 100_000;

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, material, 256);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${base64url(salt)}$${base64url(hash)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterations, salt, hash] = stored.split("$");
  if (scheme !== "pbkdf2-sha256" || !iterations || !salt || !hash) return false;
  const derived = await derive(password, fromBase64url(salt), Number(iterations));
  const expected = fromBase64url(hash);
  return derived.byteLength === expected.byteLength && crypto.subtle.timingSafeEqual(derived, expected);
}

/** A hash of a random password: verifying against it costs the same as a real one. */
export const DUMMY_PASSWORD_HASH = "pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
