/**
 * Where the company's CA key comes from: pinned (the SPKI PEM Edgevault and Vane hand out as
 * `caPublicKey`, or its JWK), or fetched from the company's JWK Set
 * (`/v1/companies/{companyId}/jwks.json`, through jose's remote JWK Set with its cache). Pinning
 * needs no network at all; the JWK Set also holds the company's SVID keys, so a passport is then
 * checked only against a key whose `kid` has a CA key's shape (16 hex).
 */
import { createRemoteJWKSet, importJWK, importSPKI } from "jose";
import type { CryptoKey, FlattenedJWSInput, JWK, JWSHeaderParameters } from "jose";

export type KeySource =
  /** The CA key as SPKI PEM, pinned (the `caPublicKey` of an issued passport). */
  | { publicKeyPem: string }
  /** The CA key as a JWK, pinned (its entry in the company's JWK Set). */
  | { jwk: JWK }
  /** The company's JWK Set, fetched and cached. */
  | { jwksUrl: string | URL };

type KeyLookup = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

export type PassportKey = {
  /** What jose checks a passport's signature with. */
  forPassport: CryptoKey | KeyLookup;
  /** True when the source may hold keys other than CA keys (a JWK Set). */
  caKidsOnly: boolean;
  /** The key a status (OCSP) signed under `kid` is checked with. */
  forStatus(kid: string): Promise<CryptoKey>;
};

async function pinned(source: Exclude<KeySource, { jwksUrl: string | URL }>): Promise<CryptoKey> {
  const key = "publicKeyPem" in source ? await importSPKI(source.publicKeyPem, "EdDSA") : await importJWK({ ...source.jwk, alg: "EdDSA" }, "EdDSA");
  if (key instanceof Uint8Array) throw new TypeError("A CA key is an Ed25519 public key, not a secret");
  return key;
}

/** The key (or the lookup) a source gives; a pinned key is imported once. */
export async function passportKey(source: KeySource): Promise<PassportKey> {
  if ("jwksUrl" in source) {
    const jwks = createRemoteJWKSet(new URL(source.jwksUrl));
    const forPassport: KeyLookup = (header, token) => jwks(header, token);
    return { forPassport, caKidsOnly: true, forStatus: (kid) => jwks({ alg: "EdDSA", kid }) };
  }
  const key = await pinned(source);
  return { forPassport: key, caKidsOnly: false, forStatus: async () => key };
}
