/**
 * Telling a company API key from the other tokens `login` may be given, before anything is sent.
 * Tokens the edge minted carry their kind (workers/lib/crypto/token-format.ts, shared with the edge);
 * in local dev the edge also takes any other string as a company key (`npm start`'s
 * `$EDGEVAULT_DEV_OWNER_KEY`), so the CLI counts those as company keys too.
 */
import { parseToken } from "../../workers/lib/crypto/token-format.ts";

/**
 * Whether the edge would take this token as a company API key (owner rights in its company).
 * @example
 * isCompanyKey("evk_…")            // true
 * isCompanyKey("my-dev-owner-key") // true: any string that is not one of ours
 * isCompanyKey("evu_…")            // false: a user session
 */
export function isCompanyKey(token: string): boolean {
  const parsed = parseToken(token);
  return parsed === undefined || parsed.kind === "companyKey";
}
