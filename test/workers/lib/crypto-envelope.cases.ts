import { describe, expect, it } from "vitest";
import {
  associatedData,
  DecryptError,
  loadMasterKeyring,
  newWrappedDataKey,
  openText,
  rewrapDataKey,
  sealText,
  unwrapDataKey,
} from "../../../workers/lib/crypto/crypto-envelope.ts";
import { base64url, randomBytes } from "../../../workers/lib/crypto/tokens.ts";

const key = () => base64url(randomBytes(32));

describe("credential envelope (AES-256-GCM, per-company data key, versioned master key)", () => {
  it("round-trips a value bound to company, vault and key", async () => {
    const ring = await loadMasterKeyring(`v1:${key()}`);
    const dataKey = await unwrapDataKey(ring, "acme", await newWrappedDataKey(ring, "acme"));
    const ad = associatedData.credential("acme", "vlt_1", "STRIPE_KEY");
    const sealed = await sealText(dataKey, "sk_live_secret", ad);
    expect(sealed).not.toContain("sk_live_secret");
    expect(await openText(dataKey, sealed, ad)).toBe("sk_live_secret");
  });

  it("refuses a tampered ciphertext", async () => {
    const ring = await loadMasterKeyring(`v1:${key()}`);
    const dataKey = await unwrapDataKey(ring, "acme", await newWrappedDataKey(ring, "acme"));
    const ad = associatedData.credential("acme", "vlt_1", "K");
    const sealed = await sealText(dataKey, "value", ad);
    const [iv, ct] = sealed.split(".") as [string, string];
    // Change the second-to-last character (always a whole 6 bits of ciphertext) to another one.
    const flipped = `${iv}.${ct.slice(0, -2)}${ct.at(-2) === "A" ? "B" : "A"}${ct.slice(-1)}`;
    await expect(openText(dataKey, flipped, ad)).rejects.toBeInstanceOf(DecryptError);
  });

  it("refuses a ciphertext moved to another key, vault or company", async () => {
    const ring = await loadMasterKeyring(`v1:${key()}`);
    const dataKey = await unwrapDataKey(ring, "acme", await newWrappedDataKey(ring, "acme"));
    const sealed = await sealText(dataKey, "value", associatedData.credential("acme", "vlt_1", "A"));
    await expect(openText(dataKey, sealed, associatedData.credential("acme", "vlt_1", "B"))).rejects.toBeInstanceOf(DecryptError);
    await expect(openText(dataKey, sealed, associatedData.credential("acme", "vlt_2", "A"))).rejects.toBeInstanceOf(DecryptError);
    await expect(openText(dataKey, sealed, associatedData.credential("other", "vlt_1", "A"))).rejects.toBeInstanceOf(DecryptError);
  });

  it("a data key wrapped for one company does not unwrap for another", async () => {
    const ring = await loadMasterKeyring(`v1:${key()}`);
    const wrapped = await newWrappedDataKey(ring, "acme");
    await expect(unwrapDataKey(ring, "globex", wrapped)).rejects.toBeInstanceOf(DecryptError);
  });

  it("master-key rotation re-wraps the data key; old ciphertexts still open, the old master key is no longer needed", async () => {
    const v1 = key();
    const oldRing = await loadMasterKeyring(`v1:${v1}`);
    const wrapped = await newWrappedDataKey(oldRing, "acme");
    const ad = associatedData.credential("acme", "vlt_1", "K");
    const sealed = await sealText(await unwrapDataKey(oldRing, "acme", wrapped), "value", ad);

    const bothRing = await loadMasterKeyring(`v1:${v1},v2:${key()}`);
    expect(bothRing.current).toBe(2);
    const rewrapped = await rewrapDataKey(bothRing, "acme", wrapped);
    expect(rewrapped.version).toBe(2);
    expect(rewrapped.wrapped).not.toBe(wrapped.wrapped);

    const newOnlyRing = { current: 2, keys: new Map([[2, bothRing.keys.get(2)!]]) };
    expect(await openText(await unwrapDataKey(newOnlyRing, "acme", rewrapped), sealed, ad)).toBe("value");
    await expect(unwrapDataKey(newOnlyRing, "acme", wrapped)).rejects.toThrow(/no longer configured|encryption keys/);
  });

  it("rejects malformed master key configuration", async () => {
    await expect(loadMasterKeyring("")).rejects.toThrow();
    await expect(loadMasterKeyring("v1:short")).rejects.toThrow();
    await expect(loadMasterKeyring("nonsense")).rejects.toThrow();
  });
});
