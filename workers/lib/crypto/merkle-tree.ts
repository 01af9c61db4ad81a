/**
 * Merkle trees as RFC 9162 (Certificate Transparency 2.0) §2.1 defines them, over a log whose
 * entries only ever append: leaf and node hashes with their domain prefixes (a leaf can never
 * pass for a node, and no leaf is ever repeated to pad a level), a tree's root, and its two
 * proofs — inclusion (§2.1.3) and consistency between two sizes (§2.1.4) — built from stored
 * complete subtrees in O(log n), and checked by anyone holding the roots. Pure and shared: the
 * chain's Durable Object builds with it, the CLI checks with it.
 */

export type Hash = Uint8Array;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

async function sha256(...parts: Uint8Array[]): Promise<Hash> {
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", joined));
}

/** RFC 9162 §2.1.1: a leaf's hash, SHA-256(0x00 || entry). */
export const leafHash = (entry: Uint8Array): Promise<Hash> => sha256(LEAF_PREFIX, entry);
/** RFC 9162 §2.1.1: an interior node's hash, SHA-256(0x01 || left || right). */
export const nodeHash = (left: Hash, right: Hash): Promise<Hash> => sha256(NODE_PREFIX, left, right);
/** RFC 9162 §2.1.1: the empty tree's root, SHA-256 of nothing. */
export const emptyRoot = (): Promise<Hash> => sha256();

/** The k of RFC 9162's split: the largest power of two smaller than n (n > 1). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * A complete subtree's hash: at `level` j, `index` i covers the 2^j leaves from i·2^j. Level 0
 * holds the leaf hashes.
 */
export type SubtreeReader = (level: number, index: number) => Hash | Promise<Hash>;

/**
 * MTH(D[start:end]) for a range starting on a multiple of a power of two at least its length,
 * as every range of RFC 9162's recursion does: the right fold of its complete subtrees, largest
 * first, so at most ⌈log₂ n⌉ reads.
 */
export async function rangeRoot(read: SubtreeReader, start: number, end: number): Promise<Hash> {
  if (end <= start) return emptyRoot();
  const blocks: Hash[] = [];
  for (let at = start; at < end; ) {
    let size = 1;
    let level = 0;
    while (at % (size * 2) === 0 && at + size * 2 <= end) {
      size *= 2;
      level += 1;
    }
    blocks.push(await read(level, at / size));
    at += size;
  }
  let root = blocks.pop() as Hash;
  for (let left = blocks.pop(); left; left = blocks.pop()) root = await nodeHash(left, root);
  return root;
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]): the audit path of leaf `index` in the tree of `size` leaves, leaf-side first. */
export async function inclusionPath(read: SubtreeReader, index: number, size: number): Promise<Hash[]> {
  if (!(Number.isInteger(index) && index >= 0 && index < size)) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  const path = async (start: number, end: number): Promise<Hash[]> => {
    if (end - start === 1) return [];
    const k = splitPoint(end - start);
    return index < start + k
      ? [...(await path(start, start + k)), await rangeRoot(read, start + k, end)]
      : [...(await path(start + k, end)), await rangeRoot(read, start, start + k)];
  };
  return path(0, size);
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]): that the tree of `first` leaves is a prefix of the tree of `second`. */
export async function consistencyPath(read: SubtreeReader, first: number, second: number): Promise<Hash[]> {
  if (!(Number.isInteger(first) && Number.isInteger(second) && first >= 0 && first <= second)) {
    throw new RangeError(`no consistency proof from ${first} to ${second}`);
  }
  if (first === 0 || first === second) return [];
  const subproof = async (m: number, start: number, end: number, known: boolean): Promise<Hash[]> => {
    const n = end - start;
    if (m === n) return known ? [] : [await rangeRoot(read, start, end)];
    const k = splitPoint(n);
    return m <= k
      ? [...(await subproof(m, start, start + k, known)), await rangeRoot(read, start + k, end)]
      : [...(await subproof(m - k, start + k, end, false)), await rangeRoot(read, start, start + k)];
  };
  return subproof(first, 0, second, true);
}

const isOdd = (n: number) => n % 2 === 1;
const half = (n: number) => Math.floor(n / 2);

/**
 * RFC 9162 §2.1.3.2: the root a leaf's audit path leads to in a tree of `size` leaves, or
 * undefined when the path cannot be one (too long, too short, index outside the tree). The
 * leaf is in the tree whose root this equals.
 */
export async function rootFromInclusionPath(leaf: Hash, index: number, size: number, path: readonly Hash[]): Promise<Hash | undefined> {
  if (!(Number.isInteger(index) && index >= 0 && index < size)) return undefined;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return undefined;
    if (isOdd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : undefined;
}

/**
 * Which side each node of an audit path sits on, in the order RFC 9162 §2.1.3.2 combines them:
 * "left" means SHA-256(0x01 || sibling || current). Lets a verifier that only folds
 * left/right siblings (Vane's proof shape) check an RFC 9162 path.
 */
export function pathSides(index: number, size: number, length: number): ("left" | "right")[] {
  const sides: ("left" | "right")[] = [];
  let fn = index;
  let sn = size - 1;
  for (let i = 0; i < length; i += 1) {
    if (isOdd(fn) || fn === sn) {
      sides.push("left");
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sides.push("right");
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sides;
}

/**
 * RFC 9162 §2.1.4.2: whether `path` proves the tree of `first` leaves (root `firstRoot`) is a
 * prefix of the tree of `second` leaves (root `secondRoot`). Equal sizes need equal roots and an
 * empty path; an empty tree is a prefix of anything.
 */
export async function verifyConsistency(first: number, second: number, firstRoot: Hash, secondRoot: Hash, path: readonly Hash[]): Promise<boolean> {
  if (!(Number.isInteger(first) && Number.isInteger(second) && first >= 0 && first <= second)) return false;
  if (first === 0) return path.length === 0;
  if (first === second) return path.length === 0 && equalHashes(firstRoot, secondRoot);
  const nodes = (first & (first - 1)) === 0 ? [firstRoot, ...path] : [...path];
  const [seed, ...rest] = nodes;
  if (!seed) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = seed;
  let sr = seed;
  for (const c of rest) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalHashes(fr, firstRoot) && equalHashes(sr, secondRoot);
}

/**
 * The right edge of a growing tree: one complete subtree per set bit of its size, largest first.
 * Appending merges equal neighbours (amortised one node per leaf, at most log₂ n), and reports
 * every complete subtree it makes, so a store can keep what proofs will need.
 */
export class Frontier {
  #peaks: { level: number; hash: Hash }[];
  #size: number;

  private constructor(size: number, peaks: { level: number; hash: Hash }[]) {
    this.#size = size;
    this.#peaks = peaks;
  }

  static empty(): Frontier {
    return new Frontier(0, []);
  }

  /** The frontier of a stored tree of `size` leaves: its complete subtrees, read once. */
  static async of(read: SubtreeReader, size: number): Promise<Frontier> {
    const peaks: { level: number; hash: Hash }[] = [];
    for (let at = 0, level = Math.floor(Math.log2(Math.max(size, 1))) + 1; level >= 0; level -= 1) {
      const width = 2 ** level;
      if (at + width <= size) {
        peaks.push({ level, hash: await read(level, at / width) });
        at += width;
      }
    }
    return new Frontier(size, peaks);
  }

  get size(): number {
    return this.#size;
  }

  /** Appends a leaf hash; `made(level, index, hash)` hears of the leaf and of every subtree it completes. */
  async append(leaf: Hash, made?: (level: number, index: number, hash: Hash) => void): Promise<void> {
    let index = this.#size;
    let level = 0;
    let hash = leaf;
    made?.(level, index, hash);
    for (let top = this.#peaks.at(-1); top && top.level === level; top = this.#peaks.at(-1)) {
      this.#peaks.pop();
      hash = await nodeHash(top.hash, hash);
      level += 1;
      index = half(index);
      made?.(level, index, hash);
    }
    this.#peaks.push({ level, hash });
    this.#size += 1;
  }

  /** The tree's root (RFC 9162's MTH of every leaf so far). */
  async root(): Promise<Hash> {
    const peaks = [...this.#peaks];
    let root = peaks.pop()?.hash;
    if (!root) return emptyRoot();
    for (let left = peaks.pop(); left; left = peaks.pop()) root = await nodeHash(left.hash, root);
    return root;
  }
}

export function equalHashes(a: Hash, b: Hash): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i += 1) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

export function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += HEX_OF_BYTE[byte];
  return hex;
}

/** Lowercase hex of even length to bytes; undefined for anything else. */
export function fromHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0) return undefined;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i += 1) {
    const high = lowercaseNibble(hex.charCodeAt(2 * i));
    const low = lowercaseNibble(hex.charCodeAt(2 * i + 1));
    if (high < 0 || low < 0) return undefined;
    bytes[i] = high * 16 + low;
  }
  return bytes;
}

// By table and char code: the sealer converts each record's hash both ways, and a regular
// expression, a match array and a parseInt per byte cost more than the record's SHA-256 (bench/README.md).
const HEX_OF_BYTE = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));
const lowercaseNibble = (code: number): number => (code >= 48 && code <= 57 ? code - 48 : code >= 97 && code <= 102 ? code - 87 : -1);
