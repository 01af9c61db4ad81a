/**
 * What passports are signed and checked with: the company's CA key (identity/ca-key.ts), and the
 * issuer a passport names. Shared by issuing, rotating, verifying and the signed status.
 */
import type { ActionContext } from "../action-context.ts";
import { companyCaKey } from "../identity/ca-key.ts";
import { trustDomainIn } from "../identity/svid.ts";
import { issuerFor } from "../lib/crypto/jwt-svid.ts";

/** A passport's `iss` and `orgSpiffeId`: the company's SPIFFE ID, as SVIDs name their issuer. */
export const passportIssuer = (ctx: Pick<ActionContext, "config">, companyId: string) => issuerFor(trustDomainIn(ctx.config), companyId);

/** The company's CA key with its public half imported for verifying, as `verifyPassport` takes it. */
export async function caVerifier(ctx: Pick<ActionContext, "db" | "edge">, companyId: string): Promise<{ kid: string; publicKey: CryptoKey }> {
  const ca = await companyCaKey(ctx, companyId);
  const publicKey = await crypto.subtle.importKey("jwk", ca.publicJwk, { name: "Ed25519" }, false, ["verify"]);
  return { kid: ca.kid, publicKey };
}

/** What the edge writes as `verifier` in the receipts it produces. */
export const EDGE_VERIFIER = "edgevault/0.1.0";
