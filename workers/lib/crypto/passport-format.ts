/**
 * The constants of Vane's passport format (CAP+JWT), apart from the code that signs and checks
 * passports (passport.ts), so the contract and the CLI can name them without its crypto.
 */
export const PASSPORT_TYP = "CAP+JWT";
/** What every passport's `aud` contains, and what tells it from any other token (Vane's constant). */
export const PASSPORT_AUDIENCE = "counsel:passport:v1";
export const PASSPORT_DEFAULT_TTL_SECONDS = 3600;
/** The longest passport Vane issues, and so do we. */
export const PASSPORT_MAX_TTL_SECONDS = 86_400;
