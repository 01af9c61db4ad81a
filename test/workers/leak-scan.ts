/**
 * How the leak canaries look for a value: as itself, percent-encoded and in base64 (standard and
 * URL-safe, at every alignment inside a longer encoded text). Shared by leak-canaries.spec.ts and
 * sso-leak-canaries.spec.ts.
 */

const base64Of = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
export const urlSafe = (b64: string) => b64.replace(/\+/g, "-").replace(/\//g, "_");

/**
 * The base64 text any encoding of a string holding `bytes` contains, whatever precedes them: for
 * each of the three alignments, the 4-character groups made of `bytes` alone.
 */
function base64Cores(bytes: Uint8Array): string[] {
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const shifted = new Uint8Array(offset + bytes.length);
    shifted.set(bytes, offset);
    const groupsOfValueOnly = base64Of(shifted).slice(offset === 0 ? 0 : 4, 4 * Math.floor(shifted.length / 3));
    cores.push(groupsOfValueOnly, urlSafe(groupsOfValueOnly));
  }
  return cores;
}

/** How a value may leak: as itself, percent-encoded (either case, `+` for spaces), in base64. */
export function spellingsOf(value: string): string[] {
  const percent = encodeURIComponent(value);
  const lowerPercent = percent.replace(/%[0-9A-F]{2}/g, (encoded) => encoded.toLowerCase());
  return [...new Set([value, percent, lowerPercent, percent.replace(/%20/g, "+"), ...base64Cores(new TextEncoder().encode(value))])];
}

export const randomText = (bytes: number) => [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
