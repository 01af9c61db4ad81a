/**
 * A passport verifier for one issuing company: offline against its CA key (pinned, or from its
 * JWK Set), optionally asking the edge for revocation (OCSP, with a cache), producing Vane's
 * receipt for each passport it accepts.
 *
 * @example
 * const verifier = createPassportVerifier({ key: { publicKeyPem: process.env.EDGEVAULT_CA_KEY! }, org: "acme" });
 * const result = await verifier.verify(passport, { tool: "search" });
 * if (!result.valid) console.error(result.code, result.message);
 */
import { decodeProtectedHeader } from "jose";
import { type KeySource, passportKey, type PassportKey } from "./keys.js";
import { ocspStatusCheck, type OcspOptions, type StatusCheck } from "./ocsp.js";
import { checkPassport, type PassportClaims, type PassportErrorCode } from "./passport.js";
import { type AttestationReceipt, receiptOf } from "./receipt.js";

export type PassportVerifierOptions = {
  /** The issuing company's CA key. */
  key: KeySource;
  /** Accept only passports this company issued (`counsel.org`): the company id. */
  org?: string;
  /** Ask the edge whether a passport was revoked; without it, a revoked passport passes until it expires. */
  ocsp?: OcspOptions;
  /** Tolerated clock difference for `exp` and `nbf` (default 30 s, Vane's). */
  clockToleranceSeconds?: number;
  /** The clock, epoch milliseconds (tests move it). */
  now?: () => number;
};

export type VerifiedPassport = { valid: true; claims: PassportClaims; scopeGranted: string; receipt: AttestationReceipt };
export type RefusedPassport = { valid: false; code: PassportErrorCode; message: string };

export type PassportVerifier = {
  /** Checks `passport`, and with `tool` that it covers `tool:<tool>`; never throws on a bad passport. */
  verify(passport: string, options?: { tool?: string }): Promise<VerifiedPassport | RefusedPassport>;
};

export function createPassportVerifier(options: PassportVerifierOptions): PassportVerifier {
  const now = options.now ?? Date.now;
  let key: Promise<PassportKey> | undefined;
  let statusOf: StatusCheck | undefined;
  const keyOf = () => {
    key ??= passportKey(options.key);
    // A key that failed to import is tried again on the next call, not cached broken.
    key.catch(() => {
      key = undefined;
    });
    return key;
  };

  return {
    async verify(passport, { tool } = {}) {
      const at = now();
      let resolved: PassportKey;
      try {
        resolved = await keyOf();
      } catch (error) {
        return {
          valid: false,
          code: "VERIFICATION_ERROR",
          message: `The CA key could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
      const checked = await checkPassport(passport, resolved, {
        now: at,
        clockToleranceSeconds: options.clockToleranceSeconds ?? 30,
        ...(tool === undefined ? {} : { tool }),
        ...(options.org === undefined ? {} : { org: options.org }),
      });
      if (!checked.valid) return checked;
      if (options.ocsp) {
        statusOf ??= ocspStatusCheck(options.ocsp, resolved);
        const kid = String(decodeProtectedHeader(passport).kid ?? "");
        const refusal = await statusOf(checked.claims, kid, at);
        if (refusal && !refusal.valid) return refusal;
      }
      return { ...checked, receipt: receiptOf(checked.claims, checked.scopeGranted, tool ?? "(not checked)", at) };
    },
  };
}
