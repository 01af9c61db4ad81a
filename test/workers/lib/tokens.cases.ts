import { describe, expect, it } from "vitest";
import { digestsEqual, hasGenuineTag, importTokenSigner, issueToken, parseToken, sha256Hex } from "../../../workers/lib/crypto/tokens.ts";
import { hashPassword, verifyPassword } from "../../../workers/lib/crypto/password.ts";

describe("tokens", () => {
  it("carry a kind, a public id and 256 random bits, and are stored as SHA-256", async () => {
    const signer = await importTokenSigner("test-secret");
    const a = await issueToken(signer, "agent");
    const b = await issueToken(signer, "agent");
    expect(a.token).not.toBe(b.token);
    expect(parseToken(a.token)).toMatchObject({ kind: "agent", body: a.publicId });
    const secret = a.token.split("_").slice(2).join("_");
    expect(secret.length).toBeGreaterThanOrEqual(43); // 32 bytes base64url
    expect(a.hash).toBe(await sha256Hex(a.token));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("carry a tag over kind and body: another secret, another kind or another body does not verify", async () => {
    const signer = await importTokenSigner("test-secret");
    const other = await importTokenSigner("other-secret");
    const { token } = await issueToken(signer, "vaultSession", "abc123");
    const parsed = parseToken(token)!;
    expect(await hasGenuineTag(signer, parsed)).toBe(true);
    expect(await hasGenuineTag(other, parsed)).toBe(false);
    expect(await hasGenuineTag(signer, { ...parsed, kind: "agent" })).toBe(false);
    expect(await hasGenuineTag(signer, { ...parsed, body: "abc124" })).toBe(false);
  });

  it("parseToken rejects foreign strings", () => {
    expect(parseToken("hello")).toBeUndefined();
    expect(parseToken(`evz_abcd_${"a".repeat(43)}`)).toBeUndefined();
  });

  it("digestsEqual compares whole digests", async () => {
    const h = await sha256Hex("x");
    expect(digestsEqual(h, h)).toBe(true);
    expect(digestsEqual(h, await sha256Hex("y"))).toBe(false);
    expect(digestsEqual(h, h.slice(1))).toBe(false);
  });
});

describe("passwords (PBKDF2-SHA256, 100k iterations)", () => {
  it("verify the right password and refuse a wrong one", async () => {
    const stored = await hashPassword("correct horse battery staple");
    expect(stored.startsWith("pbkdf2-sha256$100000$")).toBe(true);
    expect(await verifyPassword("correct horse battery staple", stored)).toBe(true);
    expect(await verifyPassword("wrong", stored)).toBe(false);
    expect(await verifyPassword("x", "garbage")).toBe(false);
  });
});
