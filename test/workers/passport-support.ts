/**
 * What the passport suites share: issuing one through the API, reading one apart, signing one the
 * edge never would (expired, another audience) with the company's real CA key, and a verifier
 * written from Vane's published code and docs alone, which must accept ours.
 */
import { createPublicKey, verify } from "node:crypto";
import { expect } from "vitest";
import { companyCaKey } from "../../workers/identity/ca-key.ts";
import { type PassportClaims, signPassport } from "../../workers/lib/crypto/passport.ts";
import { call, svidContext, type Json } from "./helpers.ts";

export type Issued = {
  agentId: string;
  spiffeId: string;
  org: string;
  orgSpiffeId: string;
  scopes: string[];
  delegationChain: string[];
  passport: string;
  expiresIn: number;
  caPublicKey: string;
  jti: string;
};

/** POSTs Vane's issuance and insists it worked. */
export async function issue(token: string, agent: string, body?: Record<string, unknown>): Promise<Issued> {
  const res = await call("POST", `/v1/agents/${agent}/passport`, { token, ...(body ? { body } : {}) });
  expect(res.status, res.text).toBe(201);
  return res.body as unknown as Issued;
}

const decode = (segment: string) => new TextDecoder().decode(Uint8Array.from(atob(segment.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)));

/** A passport's header and claims exactly as signed: the JSON text, not a re-serialisation. */
export function segmentsOf(passport: string): { headerText: string; claimsText: string; claims: PassportClaims } {
  const [header = "", claims = ""] = passport.split(".");
  const claimsText = decode(claims);
  return { headerText: decode(header), claimsText, claims: JSON.parse(claimsText) as PassportClaims };
}

/** Signs `claims` with the company's real CA key, as the edge never would (expired, another audience, …). */
export async function signedByCompany(companyId: string, claims: PassportClaims, typ?: string): Promise<string> {
  const ca = await companyCaKey(svidContext(), companyId);
  if (!typ) return signPassport(ca.sign, ca.kid, claims);
  const enc = (value: unknown) => btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const input = `${enc({ alg: "EdDSA", typ, kid: ca.kid })}.${enc(claims)}`;
  const signature = await ca.sign(new TextEncoder().encode(input));
  return `${input}.${btoa(String.fromCharCode(...signature))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "")}`;
}

/**
 * Vane's offline check, written from its sidecar's `verifyPassportLocal` and its passport-format
 * page alone, with node:crypto as Vane uses it: the PEM it hands out as `caPublicKey`, header
 * `alg: EdDSA` and `typ: CAP+JWT`, an Ed25519 signature over `header.payload`, `exp` not past,
 * `aud` containing `counsel:passport:v1`, and the format page's claim rules (SPIFFE `iss` and
 * `sub`, `counsel.v` 1, non-empty scopes, a chain ending at `sub`). Nothing of ours is imported.
 */
export function vaneVerifiesLocally(token: string, caPublicKeyPem: string, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const parts = token.split(".");
  if (parts.length !== 3) return false;
  const [headerB64 = "", payloadB64 = "", sigB64 = ""] = parts;
  try {
    const header = JSON.parse(Buffer.from(headerB64, "base64url").toString("utf8")) as Record<string, unknown>;
    if (header.alg !== "EdDSA" || header.typ !== "CAP+JWT") return false;
    const valid = verify(null, Buffer.from(`${headerB64}.${payloadB64}`), createPublicKey(caPublicKeyPem), Buffer.from(sigB64, "base64url"));
    if (!valid) return false;
    const claims = JSON.parse(Buffer.from(payloadB64, "base64url").toString("utf8")) as Record<string, unknown>;
    if (typeof claims.exp !== "number" || claims.exp < nowSeconds) return false;
    if (!Array.isArray(claims.aud) || !claims.aud.includes("counsel:passport:v1")) return false;
    const spiffe = /^spiffe:\/\/[^/]+\/.+$/;
    if (typeof claims.iss !== "string" || !spiffe.test(claims.iss) || typeof claims.sub !== "string" || !spiffe.test(claims.sub)) return false;
    const counsel = claims.counsel as Record<string, unknown> | undefined;
    if (counsel?.v !== 1 || !Array.isArray(counsel.scopes) || counsel.scopes.length === 0) return false;
    const chain = counsel.delegationChain;
    return Array.isArray(chain) && chain.length > 0 && chain[chain.length - 1] === claims.sub;
  } catch {
    return false;
  }
}

/** The status answer of GET /v1/ocsp/{jti}. */
export async function ocsp(token: string, jti: string): Promise<Json & { status?: string; reason?: string }> {
  const res = await call("GET", `/v1/ocsp/${jti}`, { token });
  expect(res.status, res.text).toBe(200);
  return res.body;
}
