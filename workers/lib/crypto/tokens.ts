/**
 * Bearer token format and hashing. A token is `ev<kind>_<publicId>_<secret>`: the kind says what
 * it is, the public id routes the edge to the actor's Durable Object without D1, and the secret
 * carries 256 bits from the CSPRNG. Only SHA-256 of the whole token is stored.
 *
 * The public id is `<body><tag>`: `tag` is an HMAC of kind and body under a Worker secret, so a
 * token-shaped string with an invented id is refused in the Worker before it can create a Durable
 * Object or cost a D1 read (see auth/token-signer.ts).
 */
import { TAG_LENGTH, TOKEN_KINDS, type ParsedToken, type TokenKind } from "./token-format.ts";

export { parseToken, TAG_LENGTH, TOKEN_KINDS, type ParsedToken, type TokenKind } from "./token-format.ts";

const PUBLIC_ID_BYTES = 9; // 72 bits: unique enough to address rows, not a secret
const SECRET_BYTES = 32; // 256 bits

export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

/** A random id for rows (not secret): `<prefix>_<18 hex>`. */
export function newId(prefix: string): string {
  return `${prefix}_${hex(randomBytes(PUBLIC_ID_BYTES))}`;
}

/** The HMAC key that tags public ids; see auth/token-signer.ts for where its secret comes from. */
export async function importTokenSigner(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

async function tagOf(signer: CryptoKey, kind: TokenKind, body: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", signer, new TextEncoder().encode(`${TOKEN_KINDS[kind]}:${body}`));
  return hex(new Uint8Array(mac)).slice(0, TAG_LENGTH);
}

export type IssuedToken = { token: string; publicId: string; hash: string };

/** Mints a token of the given kind; `body` (the routable part of the public id) defaults to a fresh random id. */
export async function issueToken(signer: CryptoKey, kind: TokenKind, body?: string): Promise<IssuedToken> {
  const id = body ?? hex(randomBytes(PUBLIC_ID_BYTES));
  if (!/^[A-Za-z0-9]{1,80}$/.test(id)) throw new Error("token bodies are 1-80 letters and digits");
  const token = `${TOKEN_KINDS[kind]}_${id}${await tagOf(signer, kind, id)}_${base64url(randomBytes(SECRET_BYTES))}`;
  return { token, publicId: id, hash: await sha256Hex(token) };
}

/** Mints tokens this deployment recognises (auth/token-signer.ts `minterFor`); passed to code that must not see the secret. */
export type TokenMinter = (kind: TokenKind, body?: string) => Promise<IssuedToken>;

/** True when the tag is the one this deployment would have minted (compared in constant time). */
export async function hasGenuineTag(signer: CryptoKey, parsed: ParsedToken): Promise<boolean> {
  return digestsEqual(await tagOf(signer, parsed.kind, parsed.body), parsed.tag);
}

export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return hex(new Uint8Array(digest));
}

/** Constant-time comparison of two equal-length hex digests. */
export function digestsEqual(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  if (left.byteLength !== right.byteLength) return false;
  return crypto.subtle.timingSafeEqual(left, right);
}

/** The last characters of a token, shown in listings so a human can tell tokens apart. */
export function tokenSuffix(token: string): string {
  return token.slice(-8);
}

/** A short non-secret prefix shown in listings of keys. */
export function tokenPrefix(token: string): string {
  return token.slice(0, 12);
}
