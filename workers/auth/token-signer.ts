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
  sha256Hex,
  type IssuedToken,
  type ParsedToken,
  type TokenKind,
  type TokenMinter,
} from "../lib/crypto/tokens.ts";

let cached: { secret: string; key: Promise<CryptoKey> } | undefined;

/** A token of ours, read: what it is, and the SHA-256 of the whole token (all the edge stores of it). */
export type ReadToken = { readonly parsed: ParsedToken; readonly hash: string };

/** How long a token's read is remembered after it was made, and how many are (the oldest go first). */
export const TOKEN_READ_MEMORY_MS = 60_000;
export const TOKEN_READS_REMEMBERED = 1_024;

/**
 * Tokens read in this isolate lately, by the token itself. Reading one is two `crypto.subtle`
 * calls (its tag's HMAC, its SHA-256), 8 % of a warm `/proxy` request's time in the isolate
 * (bench/README.md, issue 24), and both are pure functions of the token and the MAC key: what is
 * remembered says nothing about whether the token is still good — the gate or D1 decides that from
 * the hash on every request, so a revocation, expiry or rotation acts on the very next request as
 * before. Forgotten with the key (a new MAC key starts an empty memory), 60 s after the read, and
 * oldest first past 1,024; a token whose tag is not genuine is never remembered. docs/security.md,
 * Tokens, says what this keeps in memory.
 */
let tokenReads = new Map<string, ReadToken & { readAt: number }>();

function signerFor(env: Env): Promise<CryptoKey> {
  const secret = env.TOKEN_MAC_KEY || (env.PLATFORM_TOKEN ? `edgevault:token-ids:${env.PLATFORM_TOKEN}` : "");
  if (!secret) throw new AppError(503, "token_key_missing", "TOKEN_MAC_KEY is not configured on this deployment");
  if (cached?.secret !== secret) {
    cached = { secret, key: importTokenSigner(secret) };
    tokenReads = new Map();
  }
  return cached.key;
}

/** Mints a token whose public id this deployment will recognise. */
export async function mintToken(env: Env, kind: TokenKind, body?: string): Promise<IssuedToken> {
  return issueToken(await signerFor(env), kind, body);
}

export function minterFor(env: Env): TokenMinter {
  return (kind, body) => mintToken(env, kind, body);
}

/**
 * A token of ours with a genuine tag and its hash, or undefined (a foreign string, or a
 * forged/stale public id); remembered for a while (see `tokenReads`).
 */
export async function readTokenAndHash(env: Env, token: string, now = Date.now()): Promise<ReadToken | undefined> {
  const signer = signerFor(env);
  const memory = tokenReads;
  const remembered = memory.get(token);
  if (remembered && now - remembered.readAt < TOKEN_READ_MEMORY_MS) return remembered;
  const parsed = parseToken(token);
  if (!parsed || !(await hasGenuineTag(await signer, parsed))) return undefined;
  const read = Object.freeze({ parsed: Object.freeze(parsed), hash: await sha256Hex(token), readAt: now });
  // A key changed while this read was made has started a new memory: the read is not put in it.
  if (memory !== tokenReads) return read;
  memory.delete(token);
  if (memory.size >= TOKEN_READS_REMEMBERED) memory.delete(memory.keys().next().value as string);
  memory.set(token, read);
  return read;
}

/** A token of ours with a genuine tag, or undefined (a foreign string, or a forged/stale public id). */
export async function readToken(env: Env, token: string): Promise<ParsedToken | undefined> {
  const parsed = parseToken(token);
  if (!parsed) return undefined;
  return (await hasGenuineTag(await signerFor(env), parsed)) ? parsed : undefined;
}
