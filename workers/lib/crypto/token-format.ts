/**
 * The shape of an Edgevault token, `ev<kind>_<body><tag>_<secret>` (minting and checking it are in
 * tokens.ts and auth/token-signer.ts). Pure string rules with no Workers-only API, so the CLI
 * tells token kinds apart with the very same pattern.
 */
export const TOKEN_KINDS = {
  companyKey: "evk",
  userSession: "evu",
  agent: "eva",
  vaultSession: "evs",
  invite: "evi",
  registration: "evr",
  approval: "evp",
} as const;
export type TokenKind = keyof typeof TOKEN_KINDS;

/** 64 bits of HMAC-SHA256, hex: forging one costs 2^63 requests on average. */
export const TAG_LENGTH = 16;
const TOKEN_PATTERN = /^(ev[a-z])_([A-Za-z0-9]{1,80})([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export type ParsedToken = { kind: TokenKind; body: string; tag: string };

/** Reads kind, body and tag from a token string (syntax only); undefined if it is not shaped like ours. */
export function parseToken(token: string): ParsedToken | undefined {
  const match = TOKEN_PATTERN.exec(token);
  if (!match?.[2] || !match[3]) return undefined;
  const kind = (Object.keys(TOKEN_KINDS) as TokenKind[]).find((k) => TOKEN_KINDS[k] === match[1]);
  return kind ? { kind, body: match[2], tag: match[3] } : undefined;
}
