import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { caKidOf, companyCaKey, ed25519Spki, spkiPem } from "../../workers/identity/ca-key.ts";
import { call, createCompany, svidContext } from "./helpers.ts";

describe("each company has one CA key, published, whose kid a Vane verifier derives from its PEM", () => {
  it("parallel first uses agree on one key; the JWKS publishes it as EdDSA with Vane's kid", async () => {
    const company = await createCompany();
    const keys = await Promise.all(Array.from({ length: 8 }, () => companyCaKey(svidContext(), company.id)));
    expect(new Set(keys.map((k) => k.kid)).size).toBe(1);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM ca_keys WHERE company_id = ?").bind(company.id).first<{ n: number }>();
    expect(rows?.n).toBe(1);
    const [key] = keys;
    // Vane: the first 16 hex characters of SHA-256 over the SPKI DER of the PEM it hands out.
    const der = Uint8Array.from(atob(key!.publicKeyPem.replace(/-----[A-Z ]+-----|\n/g, "")), (c) => c.charCodeAt(0));
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", der));
    expect(key!.kid).toBe(
      [...digest]
        .map((b) => b.toString(16).padStart(2, "0"))
        .join("")
        .slice(0, 16),
    );
    expect(await caKidOf(ed25519Spki(key!.publicJwk.x))).toBe(key!.kid);
    expect(spkiPem(der)).toBe(key!.publicKeyPem);

    const jwks = await call("GET", `/v1/companies/${company.id}/jwks.json`);
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys).toContainEqual({ kty: "OKP", crv: "Ed25519", x: key!.publicJwk.x, kid: key!.kid, alg: "EdDSA", use: "sig" });
  });

  it("what it signs verifies against the published key, and the private half is sealed at rest", async () => {
    const company = await createCompany();
    const key = await companyCaKey(svidContext(), company.id);
    const data = new TextEncoder().encode("edgevault");
    const signature = await key.sign(data);
    const publicKey = await crypto.subtle.importKey("jwk", key.publicJwk, { name: "Ed25519" }, false, ["verify"]);
    expect(await crypto.subtle.verify({ name: "Ed25519" }, publicKey, signature, data)).toBe(true);
    const row = await env.DB.prepare("SELECT sealed_private_jwk AS sealed FROM ca_keys WHERE company_id = ?").bind(company.id).first<{ sealed: string }>();
    expect(row?.sealed).not.toContain('"d"');
  });

  it("another company's id is 404, and no key is made for it", async () => {
    await expect(companyCaKey(svidContext(), "no-such-company")).rejects.toMatchObject({ status: 404 });
    expect((await call("GET", "/v1/companies/no-such-company/jwks.json")).status).toBe(404);
  });
});
