/**
 * Checking an attestation chain with nothing but the company's CA public key: one record (its
 * content hashes to its `hash`, and its `signature` verifies), a signed tree head, and a whole
 * chain read in order (no index missing or out of place, every record sound, the records giving
 * the head's RFC 9162 root, and a pinned older head's root at its size). The Durable Object
 * checks D1 with it, the CLI checks an export with it; the first bad index is reported.
 */
import { recordHash, recordLeaf, recordSigningInput, treeHeadSigningInput, type RecordContent, type TreeHeadContent } from "./chain-record.ts";
import { Frontier, toHex } from "./merkle-tree.ts";

export type SealedRecordLike = RecordContent & { hash: string; signature: string };
export type SignedHeadLike = TreeHeadContent & { signature: string };

const ED25519 = { name: "Ed25519" } as const;
/** WebCrypto's key, named so in Workers and in Node alike (Node's types have no global `CryptoKey`). */
export type VerifyKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

function fromBase64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

/** The CA key from its SPKI PEM (what `caPublicKey` carries), for verifying only. */
export async function importCaPublicKey(pem: string): Promise<VerifyKey> {
  const body = pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, "").replace(/\s+/g, "");
  const der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  return crypto.subtle.importKey("spki", der, ED25519, false, ["verify"]);
}

async function signatureVerifies(key: VerifyKey, signature: string, data: Uint8Array): Promise<boolean> {
  const bytes = fromBase64url(signature);
  if (bytes?.length !== 64) return false;
  try {
    return await crypto.subtle.verify(ED25519, key, bytes, data);
  } catch {
    return false;
  }
}

/** What is wrong with a sealed record, or undefined when its hash and signature hold. */
export async function recordProblem(record: SealedRecordLike, key: VerifyKey): Promise<string | undefined> {
  let hash: string;
  try {
    hash = await recordHash(record);
  } catch {
    return "its payload is not JSON";
  }
  if (hash !== record.hash) return "its content does not give its hash: the record was altered";
  if (!(await signatureVerifies(key, record.signature, recordSigningInput(record.hash)))) return "its signature does not verify under the CA key";
  return undefined;
}

/** Whether a tree head's signature verifies under the CA key. */
export async function treeHeadVerifies(head: SignedHeadLike, key: VerifyKey): Promise<boolean> {
  try {
    return await signatureVerifies(key, head.signature, treeHeadSigningInput(head));
  } catch {
    return false;
  }
}

export type ChainVerdict = { valid: true; treeSize: number; rootHash: string } | { valid: false; failedAtIndex?: number; error: string; treeSize: number };

/**
 * Checks a whole chain as exported: `records` in index order from 0, against the signed `head`
 * they were exported under and, when given, a `pinned` head saved earlier (its size must not
 * exceed the new one, and the first `pinned.treeSize` records must give its root).
 */
export async function verifyChain(options: {
  head: SignedHeadLike;
  records: AsyncIterable<SealedRecordLike> | Iterable<SealedRecordLike>;
  key: VerifyKey;
  pinned?: SignedHeadLike;
}): Promise<ChainVerdict> {
  const { head, records, key, pinned } = options;
  const fail = (error: string, failedAtIndex?: number): ChainVerdict => ({
    valid: false,
    error,
    treeSize: head.treeSize,
    ...(failedAtIndex === undefined ? {} : { failedAtIndex }),
  });
  if (!(await treeHeadVerifies(head, key))) return fail("the tree head's signature does not verify under the CA key");
  if (pinned) {
    if (!(await treeHeadVerifies(pinned, key))) return fail("the pinned tree head's signature does not verify under the CA key");
    if (pinned.treeSize > head.treeSize) return fail(`the chain shrank: the pinned head has ${pinned.treeSize} records, this one ${head.treeSize}`);
  }
  const frontier = Frontier.empty();
  const checkPinned = async (): Promise<ChainVerdict | undefined> => {
    if (!pinned || frontier.size !== pinned.treeSize) return undefined;
    if (toHex(await frontier.root()) === pinned.rootHash) return undefined;
    return fail(`the first ${pinned.treeSize} records no longer give the pinned root ${pinned.rootHash}`, pinned.treeSize - 1);
  };
  const early = await checkPinned();
  if (early) return early;
  for await (const record of records) {
    const expected = frontier.size;
    if (expected >= head.treeSize) break;
    if (record.index !== expected) {
      return fail(record.index > expected ? `record ${expected} is missing` : `record ${record.index} is out of place (expected ${expected})`, expected);
    }
    const problem = await recordProblem(record, key);
    if (problem) return fail(`record ${expected}: ${problem}`, expected);
    await frontier.append(await recordLeaf(record.hash));
    const pinnedBroken = await checkPinned();
    if (pinnedBroken) return pinnedBroken;
  }
  if (frontier.size < head.treeSize) return fail(`record ${frontier.size} is missing (the head counts ${head.treeSize})`, frontier.size);
  const root = toHex(await frontier.root());
  if (root !== head.rootHash) return fail(`the records give the root ${root}, the head says ${head.rootHash}`);
  return { valid: true, treeSize: head.treeSize, rootHash: root };
}
