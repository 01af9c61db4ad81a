/**
 * Telling a company API key from the other tokens `login` may be given, before anything is sent.
 * The edge reads every string that is not a well-formed user, agent, session… token as a company
 * key (workers/auth/resolve-principal.ts, by the shape in workers/lib/tokens.ts `parseToken`),
 * so the CLI does the same: `evk_…`, and also a dev key of any shape, counts as a company key.
 * (tokens.ts is not imported: it uses the Workers-only `crypto.subtle.timingSafeEqual`.)
 */

/** `ev<kind letter>_<public id>_<43-char secret>`, as workers/lib/tokens.ts mints them. */
const EDGEVAULT_TOKEN = /^ev([a-z])_[A-Za-z0-9]{17,96}_[A-Za-z0-9_-]{43}$/;

/** The kind letters the edge knows (TOKEN_KINDS in workers/lib/tokens.ts), company keys excepted. */
const NOT_COMPANY_KEYS = new Set(["u", "a", "s", "i", "r", "p"]);

/**
 * Whether the edge would take this token as a company API key (owner rights in its company).
 * @example
 * isCompanyKey("evk_abcd1234_…43 chars…") // true
 * isCompanyKey("my-dev-owner-key")        // true: any string that is not one of ours
 * isCompanyKey("evu_abcd1234_…43 chars…") // false: a user session
 */
export function isCompanyKey(token: string): boolean {
  const letter = EDGEVAULT_TOKEN.exec(token)?.[1];
  return letter === undefined || !NOT_COMPANY_KEYS.has(letter);
}
