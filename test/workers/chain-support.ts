/**
 * What the chain's specs check the edge against, written here from the documents and not from the
 * edge's code: Vane's record hashing and signing (its docs: `index|timestamp|canonicalize(payload)`,
 * Ed25519 over canonicalize(hash)), a small canonical JSON for the specs' plain payloads, RFC 9162's
 * tree by its definitions (MTH, PATH, PROOF, §2.1.1–§2.1.4) and its two verification algorithms
 * (§2.1.3.2, §2.1.4.2), and the TLS encoding of TreeHeadDataV2 (§4.10). Plus helpers that read a
 * whole chain and tamper with D1 as someone who can drop its guards would.
 */
import { env } from "cloudflare:test";
import { call } from "./helpers.ts";

/** RFC 8785 for what the specs attest: objects with sorted keys, arrays, strings, integers, booleans, null. */
export function jcs(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(jcs).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${jcs(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const utf8 = new TextEncoder();
export const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
export const unhex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
const unb64url = (text: string) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

export async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", all));
}

export type WireRecord = { index: number; timestamp: string; payload: unknown; delegation?: unknown; hash: string; signature: string };
export type WireHead = { treeSize: number; rootHash: string; timestamp: number; signature: string; caPublicKey: string; caKid: string };

/** Vane's record hash, from its documentation. */
export async function vaneHash(record: Pick<WireRecord, "index" | "timestamp" | "payload" | "delegation">): Promise<string> {
  const base = `${record.index}|${record.timestamp}|${jcs(record.payload)}`;
  const preimage = record.delegation ? `${base}|${jcs(record.delegation)}` : base;
  return hex(await sha256(utf8.encode(preimage)));
}

export async function caKey(pem: string): Promise<CryptoKey> {
  const der = Uint8Array.from(atob(pem.replace(/-----[A-Z ]+-----|\s/g, "")), (c) => c.charCodeAt(0));
  return crypto.subtle.importKey("spki", der, { name: "Ed25519" }, false, ["verify"]);
}

export const ed25519Verifies = (key: CryptoKey, signature: string, data: Uint8Array) =>
  crypto.subtle.verify({ name: "Ed25519" }, key, unb64url(signature), data);

/** Vane signs canonicalize(hash): the hash as a JSON string, quotes included. */
export const vaneSignatureVerifies = (key: CryptoKey, record: WireRecord) => ed25519Verifies(key, record.signature, utf8.encode(JSON.stringify(record.hash)));

/** RFC 9162 §4.10 TreeHeadDataV2: uint64 timestamp, uint64 tree_size, opaque root<32..255>, empty extensions<0..65535>. */
export function treeHeadData(head: Pick<WireHead, "treeSize" | "rootHash" | "timestamp">): Uint8Array {
  const out = new Uint8Array(51);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.timestamp));
  view.setBigUint64(8, BigInt(head.treeSize));
  out[16] = 32;
  out.set(unhex(head.rootHash), 17);
  return out; // the last two bytes, the extensions' length, stay 0
}

// RFC 9162 §2.1.1–§2.1.4 by their definitions, over every leaf's entry (the record hash's 32 bytes).
const leafOf = (entry: Uint8Array) => sha256(Uint8Array.of(0), entry);
const nodeOf = (l: Uint8Array, r: Uint8Array) => sha256(Uint8Array.of(1), l, r);
const k = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);

export async function mth(entries: Uint8Array[]): Promise<Uint8Array> {
  if (entries.length === 0) return sha256();
  if (entries.length === 1) return leafOf(entries[0] as Uint8Array);
  const split = k(entries.length);
  return nodeOf(await mth(entries.slice(0, split)), await mth(entries.slice(split)));
}

export async function referencePath(m: number, entries: Uint8Array[]): Promise<Uint8Array[]> {
  if (entries.length <= 1) return [];
  const split = k(entries.length);
  return m < split
    ? [...(await referencePath(m, entries.slice(0, split))), await mth(entries.slice(split))]
    : [...(await referencePath(m - split, entries.slice(split))), await mth(entries.slice(0, split))];
}

export async function referenceConsistency(m: number, entries: Uint8Array[]): Promise<Uint8Array[]> {
  const sub = async (m: number, d: Uint8Array[], b: boolean): Promise<Uint8Array[]> => {
    if (m === d.length) return b ? [] : [await mth(d)];
    const split = k(d.length);
    return m <= split
      ? [...(await sub(m, d.slice(0, split), b)), await mth(d.slice(split))]
      : [...(await sub(m - split, d.slice(split), false)), await mth(d.slice(0, split))];
  };
  return m === 0 || m === entries.length ? [] : sub(m, entries, true);
}

const same = (a: Uint8Array, b: Uint8Array) => hex(a) === hex(b);

/** RFC 9162 §2.1.3.2, step by step. */
export async function inclusionHolds(index: number, size: number, leaf: Uint8Array, path: Uint8Array[], root: Uint8Array): Promise<boolean> {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeOf(p, r);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn >> 1, sn >> 1];
    } else r = await nodeOf(r, p);
    [fn, sn] = [fn >> 1, sn >> 1];
  }
  return sn === 0 && same(r, root);
}

/** RFC 9162 §2.1.4.2, step by step. */
export async function consistencyHolds(first: number, second: number, firstRoot: Uint8Array, secondRoot: Uint8Array, path: Uint8Array[]): Promise<boolean> {
  if (first === second) return path.length === 0 && same(firstRoot, secondRoot);
  if (path.length === 0) return false;
  const c = (first & (first - 1)) === 0 ? [firstRoot, ...path] : [...path];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) [fn, sn] = [fn >> 1, sn >> 1];
  let fr = c[0] as Uint8Array;
  let sr = c[0] as Uint8Array;
  for (const node of c.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = await nodeOf(node, fr);
      sr = await nodeOf(node, sr);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn >> 1, sn >> 1];
    } else sr = await nodeOf(sr, node);
    [fn, sn] = [fn >> 1, sn >> 1];
  }
  return sn === 0 && same(fr, firstRoot) && same(sr, secondRoot);
}

/** Every record of the company's chain, page by page, and the head the first page was read under. */
export async function wholeChain(token: string, pageSize = 1000): Promise<{ head: WireHead; records: WireRecord[] }> {
  const head = (await call("GET", "/v1/chain/head", { token })).body as unknown as WireHead;
  const records: WireRecord[] = [];
  for (let from: number | null = 0; from !== null && from < head.treeSize; ) {
    const page = await call("GET", `/v1/chain?from=${from}&limit=${pageSize}`, { token });
    if (page.status !== 200) throw new Error(`chain page: ${page.status} ${page.text}`);
    records.push(...(page.body.records as WireRecord[]).filter((r) => r.index < head.treeSize));
    from = page.body.next as number | null;
  }
  return { head, records };
}

export async function attest(token: string, body: Record<string, unknown>) {
  return call("POST", "/v1/attest", { token, body: { agentId: "researcher-1", actionType: "web-search", payload: { q: "x" }, ...body } });
}

const GUARDS = ["chain_records_never_updated", "chain_records_never_deleted"];

/** Runs `tamper` as someone who can drop D1's append-only guards (an operator, an attacker with the database), then puts them back. */
export async function withoutAppendOnlyGuards(tamper: () => Promise<unknown>): Promise<void> {
  const definitions = await env.DB.prepare(`SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN (${GUARDS.map(() => "?").join(",")})`)
    .bind(...GUARDS)
    .all<{ sql: string }>();
  if (definitions.results.length !== GUARDS.length) throw new Error("the append-only guards are not installed");
  for (const name of GUARDS) await env.DB.prepare(`DROP TRIGGER ${name}`).run();
  try {
    await tamper();
  } finally {
    for (const { sql } of definitions.results) await env.DB.prepare(sql).run();
  }
}
