/**
 * Bearer token format and hashing. A token is `ev<kind>_<publicId>_<secret>`: the kind says what
 * it is, the public id lets the edge route to the actor's Durable Object without D1, and the
 * secret carries 256 bits from the CSPRNG. Only SHA-256 of the whole token is stored.
 */
export const TOKEN_KINDS = {
  companyKey: "evk",
  userSession: "evu",
  agent: "eva",
  vaultSession: "evs",
  invite: "evi",
  registration: "evr",
  approval: "evp",
} as const;
export type TokenKind = keyof typeof TOKEN_KINDS;

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

/** A random id for rows (not secret). */
export function newId(prefix: string): string {
  const hex = [...randomBytes(PUBLIC_ID_BYTES)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${prefix}_${hex}`;
}

export type IssuedToken = { token: string; publicId: string; hash: string };

/** Mints a token of the given kind; `publicId` defaults to a fresh random id. */
export async function issueToken(kind: TokenKind, publicId?: string): Promise<IssuedToken> {
  const id = publicId ?? base64url(randomBytes(PUBLIC_ID_BYTES)).replace(/[-_]/g, "x");
  const token = `${TOKEN_KINDS[kind]}_${id}_${base64url(randomBytes(SECRET_BYTES))}`;
  return { token, publicId: id, hash: await sha256Hex(token) };
}

export type ParsedToken = { kind: TokenKind; publicId: string };

/** Reads kind and public id from a token string; undefined if it is not one of ours. */
export function parseToken(token: string): ParsedToken | undefined {
  const match = /^(ev[a-z])_([A-Za-z0-9]{4,64})_([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return undefined;
  const kind = (Object.keys(TOKEN_KINDS) as TokenKind[]).find((k) => TOKEN_KINDS[k] === match[1]);
  return kind && match[2] ? { kind, publicId: match[2] } : undefined;
}

export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
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
