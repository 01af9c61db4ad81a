/**
 * Trust boundary: the Worker secret that tags every token's public id. A presented token whose tag
 * is wrong is refused here, before it can wake a Durable Object or cost a D1 read.
 *
 * The secret is `TOKEN_MAC_KEY`; a deployment that has not set it derives one from
 * `PLATFORM_TOKEN` (rotating that token then ends every issued token: set TOKEN_MAC_KEY).
 */
import type { Env } from "../env.ts";
import { AppError } from "../lib/app-error.ts";
import {
  hasGenuineTag,
  importTokenSigner,
  issueToken,
  parseToken,
  type IssuedToken,
  type ParsedToken,
  type TokenKind,
  type TokenMinter,
} from "../lib/crypto/tokens.ts";

let cached: { secret: string; key: Promise<CryptoKey> } | undefined;

function signerFor(env: Env): Promise<CryptoKey> {
  const secret = env.TOKEN_MAC_KEY || (env.PLATFORM_TOKEN ? `edgevault:token-ids:${env.PLATFORM_TOKEN}` : "");
  if (!secret) throw new AppError(503, "token_key_missing", "TOKEN_MAC_KEY is not configured on this deployment");
  if (cached?.secret !== secret) cached = { secret, key: importTokenSigner(secret) };
  return cached.key;
}

/** Mints a token whose public id this deployment will recognise. */
export async function mintToken(env: Env, kind: TokenKind, body?: string): Promise<IssuedToken> {
  return issueToken(await signerFor(env), kind, body);
}

export function minterFor(env: Env): TokenMinter {
  return (kind, body) => mintToken(env, kind, body);
}

/** A token of ours with a genuine tag, or undefined (a foreign string, or a forged/stale public id). */
export async function readToken(env: Env, token: string): Promise<ParsedToken | undefined> {
  const parsed = parseToken(token);
  if (!parsed) return undefined;
  return (await hasGenuineTag(await signerFor(env), parsed)) ? parsed : undefined;
}
