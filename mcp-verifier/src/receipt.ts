/**
 * Vane's `CounselAttestationReceipt`: the open record of one verified tool call (not a signature).
 * A server may log it, or hand it on; it names the passport by `jti`, so an auditor can fetch and
 * re-check the original.
 */
import type { PassportClaims } from "./passport.js";

export type AttestationReceipt = {
  v: 1;
  type: "CounselAttestationReceipt";
  passportId: string;
  agentId: string;
  agentSpiffeId: string;
  org: string;
  orgSpiffeId: string;
  tool: string;
  scopeGranted: string;
  delegationChain: string[];
  issuedBy: string;
  passportIssuedAt: string;
  passportExpiresAt: string;
  verifiedAt: string;
  verifier: string;
};

/** What this package writes as `verifier`. */
export const VERIFIER_NAME = "@edgevault/mcp-verifier@0.1.0";

export function receiptOf(claims: PassportClaims, scopeGranted: string, tool: string, verifiedAt: number): AttestationReceipt {
  return {
    v: 1,
    type: "CounselAttestationReceipt",
    passportId: claims.jti,
    agentId: claims.counsel.agentId,
    agentSpiffeId: claims.sub,
    org: claims.counsel.org,
    orgSpiffeId: claims.counsel.orgSpiffeId,
    tool,
    scopeGranted,
    delegationChain: claims.counsel.delegationChain,
    issuedBy: claims.iss,
    passportIssuedAt: new Date(claims.iat * 1000).toISOString(),
    passportExpiresAt: new Date(claims.exp * 1000).toISOString(),
    verifiedAt: new Date(verifiedAt).toISOString(),
    verifier: VERIFIER_NAME,
  };
}
