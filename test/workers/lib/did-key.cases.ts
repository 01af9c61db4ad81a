/** did:key from Ed25519 multibase keys, and per-company hosts. */
import { describe, expect, it } from "vitest";
import { companyOfHost } from "../../../workers/lib/http/company-host.ts";
import { decodeBase58, didKeyFor, isEd25519Multibase, publicKeyOfDid } from "../../../workers/lib/crypto/did-key.ts";

// The did:key specification's own Ed25519 example.
const SPEC_KEY = "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

describe("did:key", () => {
  it("decodes base58btc, keeping leading zero bytes", () => {
    expect(decodeBase58("11")).toEqual(Uint8Array.from([0, 0]));
    expect(decodeBase58("5S")).toEqual(Uint8Array.from([0x01, 0x01]));
    expect(decodeBase58("5Q")).toEqual(Uint8Array.from([0xff]));
    expect(decodeBase58("0OIl")).toBeUndefined();
  });

  it("accepts an Ed25519 multibase key and gives its DID both ways", () => {
    expect(isEd25519Multibase(SPEC_KEY)).toBe(true);
    expect(didKeyFor(SPEC_KEY)).toBe(`did:key:${SPEC_KEY}`);
    expect(publicKeyOfDid(`did:key:${SPEC_KEY}`)).toBe(SPEC_KEY);
  });

  it("gives no DID for other keys: wrong base, wrong codec, wrong length, garbage", () => {
    for (const key of [
      null,
      undefined,
      "",
      "z6Mkf9x3TQ",
      SPEC_KEY.slice(1),
      `${SPEC_KEY}a`,
      "zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",
      "z".repeat(200),
    ]) {
      expect(didKeyFor(key)).toBeNull();
    }
    expect(publicKeyOfDid("did:web:example.com")).toBeUndefined();
    expect(publicKeyOfDid(`did:key:${SPEC_KEY.slice(0, -1)}`)).toBeUndefined();
  });
});

describe("per-company hosts", () => {
  it("names the company one label below the base domain, and nothing else", () => {
    expect(companyOfHost("acme.edgevault.example", "edgevault.example")).toBe("acme");
    expect(companyOfHost("ACME.edgevault.example.", "edgevault.example")).toBe("acme");
    expect(companyOfHost("edgevault.example", "edgevault.example")).toBeUndefined();
    expect(companyOfHost("a.b.edgevault.example", "edgevault.example")).toBeUndefined();
    expect(companyOfHost("acme.evil-edgevault.example", "edgevault.example")).toBeUndefined();
    expect(companyOfHost("acme.edgevault.example", undefined)).toBeUndefined();
  });
});
