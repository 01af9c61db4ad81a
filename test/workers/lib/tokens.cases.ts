import { describe, expect, it } from "vitest";
import { digestsEqual, issueToken, parseToken, sha256Hex } from "../../../workers/lib/tokens.ts";
import { hashPassword, verifyPassword } from "../../../workers/lib/password.ts";

describe("tokens", () => {
  it("carry a kind, a public id and 256 random bits, and are stored as SHA-256", async () => {
    const a = await issueToken("agent");
    const b = await issueToken("agent");
    expect(a.token).not.toBe(b.token);
    expect(parseToken(a.token)).toEqual({ kind: "agent", publicId: a.publicId });
    const secret = a.token.split("_").slice(2).join("_");
    expect(secret.length).toBeGreaterThanOrEqual(43); // 32 bytes base64url
    expect(a.hash).toBe(await sha256Hex(a.token));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("parseToken rejects foreign strings", () => {
    expect(parseToken("hello")).toBeUndefined();
    expect(parseToken("evz_abcd_" + "a".repeat(43))).toBeUndefined();
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
