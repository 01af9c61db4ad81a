/**
 * Each company's certificate-authority key: one Ed25519 key, made on first use and never rotated
 * (a verifier pins it), that signs what is checked offline — agent passports (CAP+JWT), passport
 * statuses, attestation records and signed tree heads. Its `kid` is Vane's: the first 16 hex
 * characters of SHA-256 over the public key's SPKI DER, so a verifier written for Vane derives the
 * same id from the PEM it pinned. The private half is sealed with the company's data key, bound to
 * company and kid; imported keys are kept per isolate.
 */
import { findCompany } from "../companies/companies.queries.ts";
import { AppError, notFound } from "../lib/app-error.ts";
import { associatedData, openText, sealText } from "../lib/crypto/crypto-envelope.ts";
import { base64url } from "../lib/crypto/tokens.ts";
import { findCaKey, insertCaKeyIfNone } from "./ca-key.queries.ts";
import type { SigningKeyAccess } from "./signing-keys.ts";

export type CaKey = {
  kid: string;
  /** The public half as a JWK (`kty: OKP`, `crv: Ed25519`, `x`). */
  publicJwk: { kty: "OKP"; crv: "Ed25519"; x: string };
  /** The public half as SPKI PEM, what Vane hands out as `caPublicKey` for pinning. */
  publicKeyPem: string;
  /** An Ed25519 signature over `data`. */
  sign(data: Uint8Array): Promise<Uint8Array>;
};

const ED25519 = { name: "Ed25519" } as const;
/** The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the 32-byte key follows. */
const ED25519_SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

/** Imported private keys per isolate, by company; a company's CA key never changes. */
const MAX_CACHED = 512;
const loaded = new Map<string, Promise<CaKey>>();

function fromBase64url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

/** The SPKI DER of an Ed25519 public key given as its JWK `x`. */
export function ed25519Spki(x: string): Uint8Array {
  const raw = fromBase64url(x);
  if (raw.length !== 32) throw new TypeError("an Ed25519 public key is 32 bytes");
  const der = new Uint8Array(ED25519_SPKI_PREFIX.length + raw.length);
  der.set(ED25519_SPKI_PREFIX);
  der.set(raw, ED25519_SPKI_PREFIX.length);
  return der;
}

/** Vane's `kid`: the first 16 hex characters of SHA-256 over the SPKI DER. */
export async function caKidOf(spki: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", spki));
  return [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** PEM `PUBLIC KEY` armour around SPKI DER, 64 characters a line. */
export function spkiPem(spki: Uint8Array): string {
  const b64 = btoa(String.fromCharCode(...spki));
  return `-----BEGIN PUBLIC KEY-----\n${b64.match(/.{1,64}/g)?.join("\n") ?? ""}\n-----END PUBLIC KEY-----\n`;
}

async function generate(access: SigningKeyAccess, companyId: string): Promise<void> {
  const pair = (await crypto.subtle.generateKey(ED25519, true, ["sign", "verify"])) as CryptoKeyPair;
  const publicJwk = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
  const privateJwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
  if (!publicJwk.x) throw new AppError(500, "internal_error", "An Ed25519 key without x");
  const kid = await caKidOf(ed25519Spki(publicJwk.x));
  const dataKey = await access.edge.dataKey(companyId);
  const sealed = await sealText(dataKey, JSON.stringify({ kty: "OKP", crv: "Ed25519", x: publicJwk.x, d: privateJwk.d }), associatedData.caKey(companyId, kid));
  await insertCaKeyIfNone(access.db, {
    companyId,
    kid,
    publicJwk: { kty: "OKP", crv: "Ed25519", x: publicJwk.x },
    sealedPrivateJwk: sealed,
    createdAt: access.edge.now(),
  });
}

async function load(access: SigningKeyAccess, companyId: string): Promise<CaKey> {
  let row = await findCaKey(access.db, companyId);
  if (!row) {
    if (!(await findCompany(access.db, companyId))) throw notFound("Company");
    await generate(access, companyId);
    row = await findCaKey(access.db, companyId);
  }
  if (!row) throw notFound("Company");
  const x = typeof row.publicJwk.x === "string" ? row.publicJwk.x : "";
  const dataKey = await access.edge.dataKey(companyId);
  const privateJwk = JSON.parse(await openText(dataKey, row.sealedPrivateJwk, associatedData.caKey(companyId, row.kid))) as JsonWebKey;
  const privateKey = await crypto.subtle.importKey("jwk", privateJwk, ED25519, false, ["sign"]);
  const spki = ed25519Spki(x);
  return {
    kid: row.kid,
    publicJwk: { kty: "OKP", crv: "Ed25519", x },
    publicKeyPem: spkiPem(spki),
    sign: async (data) => new Uint8Array(await crypto.subtle.sign(ED25519, privateKey, data)),
  };
}

/**
 * The company's CA key, made on first use (parallel first uses agree on one). A company that does
 * not exist is 404.
 *
 * @example const ca = await companyCaKey(ctx, companyId); const sig = await ca.sign(bytes);
 */
export function companyCaKey(access: SigningKeyAccess, companyId: string): Promise<CaKey> {
  const hit = loaded.get(companyId);
  if (hit) return hit;
  const key = load(access, companyId);
  loaded.set(companyId, key);
  key.catch(() => loaded.delete(companyId));
  if (loaded.size > MAX_CACHED) {
    const oldest = loaded.keys().next().value;
    if (oldest !== undefined) loaded.delete(oldest);
  }
  return key;
}

/** A signature as base64url, as JWS and Vane's records carry it. */
export const signatureText = (signature: Uint8Array): string => base64url(signature);
