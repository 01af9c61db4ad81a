/**
 * @edgevault/mcp-verifier: agent passports (CAP+JWT, Vane's format) for MCP servers. See README.md.
 */
export { canonicalJson } from "./canonical-json.js";
export type { KeySource } from "./keys.js";
export { passportOf, passportTool, REFUSAL_META_KEY, refusedCall, type ToolExtra } from "./mcp-tool.js";
export type { OcspOptions } from "./ocsp.js";
export { checkPassport, PASSPORT_AUDIENCE, PASSPORT_TYP, type PassportClaims, type PassportErrorCode } from "./passport.js";
export { type AttestationReceipt, VERIFIER_NAME } from "./receipt.js";
export { matchScope, toolScope } from "./scopes.js";
export { createPassportVerifier, type PassportVerifier, type PassportVerifierOptions, type RefusedPassport, type VerifiedPassport } from "./verifier.js";
