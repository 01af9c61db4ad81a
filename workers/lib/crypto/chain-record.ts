/**
 * What an attestation record's hash and signature are over, byte for byte, and what a signed tree
 * head is. Records are Vane's: the hash is SHA-256 (lowercase hex) of the text
 * `index|timestamp|JCS(payload)`, with `|JCS(delegation)` appended when a delegation is bound
 * (JCS: RFC 8785), and the signature is Ed25519 over JCS(hash) — the hash as a JSON string, quotes
 * included — base64url, under the company's CA key. A tree head is RFC 9162's TreeHeadDataV2
 * (§4.10), signed with the same key. Pure: the chain's Durable Object seals with it, the CLI and
 * any verifier check with it.
 */
import canonicalize from "canonicalize";
import { fromHex, leafHash, toHex, type Hash } from "./merkle-tree.ts";

/**
 * A record's content, before it is sealed. `timestamp` is ISO 8601 with milliseconds and `Z`.
 * `payloadText`, when present, is the payload's canonical JSON itself, handed over as text because
 * the payload nests too deep to travel as a value (`payload` is then null): the hash covers it as is.
 */
export type RecordContent = { index: number; timestamp: string; payload: unknown; payloadText?: string; delegation?: unknown };

const utf8 = new TextEncoder();

/** RFC 8785 canonical JSON; refuses what JSON cannot say (undefined at the top, NaN, lone surrogates). */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError("not a JSON value");
  return text;
}

/** Vane's preimage: `index|timestamp|JCS(payload)`, then `|JCS(delegation)` when a delegation is bound. */
export function recordPreimage(record: RecordContent): string {
  const payload = typeof record.payloadText === "string" ? record.payloadText : canonicalJson(record.payload);
  const base = `${record.index}|${record.timestamp}|${payload}`;
  return record.delegation === undefined || record.delegation === null ? base : `${base}|${canonicalJson(record.delegation)}`;
}

/** The record's `hash`: SHA-256 of its preimage, lowercase hex. */
export async function recordHash(record: RecordContent): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8.encode(recordPreimage(record)))));
}

/** What the record's `signature` signs: JCS of the hash, i.e. `"<hex>"` (as Vane signs it). */
export const recordSigningInput = (hash: string): Uint8Array => utf8.encode(canonicalJson(hash));

/** The RFC 9162 leaf of a record: its 32 hash bytes are the log entry, hashed with the leaf prefix. */
export async function recordLeaf(hash: string): Promise<Hash> {
  const bytes = fromHex(hash);
  if (bytes?.length !== 32) throw new TypeError("a record hash is 64 lowercase hex characters");
  return leafHash(bytes);
}

/** The ISO 8601 form of a record's time (epoch milliseconds), as `Date#toISOString` writes it. */
export const recordTimestamp = (ms: number): string => new Date(ms).toISOString();

/** A tree head's signed content: the tree's size, its root (hex) and when it was signed (epoch ms). */
export type TreeHeadContent = { treeSize: number; rootHash: string; timestamp: number };

/**
 * RFC 9162 §4.10 TreeHeadDataV2, TLS-encoded: uint64 timestamp, uint64 tree_size, the root as an
 * opaque<32..2^8-1> (one length byte, then 32 bytes) and an empty extension list (two zero
 * bytes). It starts with a zero byte, so it can never be mistaken for the JSON or JWS text the
 * same key signs.
 */
export function treeHeadSigningInput(head: TreeHeadContent): Uint8Array {
  const root = fromHex(head.rootHash);
  if (root?.length !== 32) throw new TypeError("a root hash is 64 lowercase hex characters");
  const out = new Uint8Array(8 + 8 + 1 + 32 + 2);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.timestamp));
  view.setBigUint64(8, BigInt(head.treeSize));
  out[16] = 32;
  out.set(root, 17);
  return out;
}
