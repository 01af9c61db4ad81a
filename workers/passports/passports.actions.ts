/**
 * Passports' actions (one file each under actions/): issuing and rotating them, and what follows
 * (revoking, the revoked list, the signed status, verification). The API (passports.handlers.ts)
 * calls these and nothing else of the feature.
 */
export { issuePassport, rotatePassport } from "./actions/issue.actions.ts";
export { listRevokedPassports, passportStatus, revokePassport, verifyPassportAtEdge } from "./actions/status.actions.ts";
