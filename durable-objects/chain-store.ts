/**
 * A company's sealed chain in its ChainSealer's own SQLite storage: what D1 does not hold. Per
 * sealed record, its hash and signature (the ledger); per complete subtree of the RFC 9162 tree,
 * its hash (level 0 is the leaves), so a root, an inclusion proof or a consistency proof for any
 * size reads O(log n) rows and never re-hashes the log; the latest signed tree head; and how far
 * `GET /v1/verify` has checked D1 against the ledger. A batch of sealed records and the subtrees
 * they complete land in one transaction, so the ledger and the tree never disagree on the size.
 */
import { type Hash, type SubtreeReader, toHex } from "../workers/lib/crypto/merkle-tree.ts";
import type { TreeHeadView as TreeHead } from "../workers/chain/chain.contract.ts";

export type LedgerEntry = { index: number; hash: string; signature: string };
export type NewNode = { level: number; index: number; hash: Hash };
/** The size and root `GET /v1/verify` last found D1 to agree with. */
export type Verified = { treeSize: number; rootHash: string };

const SCHEMA = [
  "CREATE TABLE IF NOT EXISTS ledger (idx INTEGER PRIMARY KEY, hash TEXT NOT NULL, signature TEXT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID",
  "CREATE TABLE IF NOT EXISTS facts (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
];

export class ChainStore {
  readonly #storage: DurableObjectStorage;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    for (const statement of SCHEMA) storage.sql.exec(statement);
  }

  /** How many records are sealed: the tree's size. */
  size(): number {
    const row = this.#storage.sql.exec<{ n: number | null }>("SELECT max(idx) + 1 AS n FROM ledger").one();
    return row.n ?? 0;
  }

  /** A complete subtree's hash (level 0: a leaf); throws if the tree has no such subtree. */
  readonly node: SubtreeReader = (level, index) => {
    const rows = this.#storage.sql.exec<{ hash: ArrayBuffer }>("SELECT hash FROM nodes WHERE level = ? AND idx = ?", level, index).toArray();
    const row = rows[0];
    if (!row) throw new RangeError(`no subtree at level ${level}, index ${index}`);
    return new Uint8Array(row.hash);
  };

  /** The sealed entries of [from, to), in index order. */
  ledger(from: number, to: number): LedgerEntry[] {
    return this.#storage.sql
      .exec<LedgerEntry>('SELECT idx AS "index", hash, signature FROM ledger WHERE idx >= ? AND idx < ? ORDER BY idx', from, to)
      .toArray();
  }

  /** Records `entries` (consecutive, from the current size) and the subtrees they complete, at once. */
  append(entries: readonly LedgerEntry[], nodes: readonly NewNode[], head: TreeHead): void {
    // One statement per table, whatever the batch's size: a row per statement was about three
    // calls into storage for every record sealed (bench/README.md, "Stop 33").
    const ledger = JSON.stringify(entries.map((e) => [e.index, e.hash, e.signature]));
    const subtrees = JSON.stringify(nodes.map((n) => [n.level, n.index, toHex(n.hash)]));
    this.#storage.transactionSync(() => {
      if (entries.length > 0) this.#storage.sql.exec(LEDGER_ROWS, ledger);
      if (nodes.length > 0) this.#storage.sql.exec(NODE_ROWS, subtrees);
      this.#setFact("head", head);
    });
  }

  head(): TreeHead | undefined {
    return this.#fact<TreeHead>("head");
  }

  setHead(head: TreeHead): void {
    this.#setFact("head", head);
  }

  verified(): Verified | undefined {
    return this.#fact<Verified>("verified");
  }

  setVerified(verified: Verified): void {
    this.#setFact("verified", verified);
  }

  /** The company this object seals for: set by its first call, and every later call must name it too. */
  company(): string | undefined {
    return this.#fact<string>("company");
  }

  setCompany(companyId: string): void {
    this.#setFact("company", companyId);
  }

  #fact<T>(name: string): T | undefined {
    const row = this.#storage.sql.exec<{ value: string }>("SELECT value FROM facts WHERE name = ?", name).toArray()[0];
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  #setFact(name: string, value: unknown): void {
    this.#storage.sql.exec("INSERT OR REPLACE INTO facts (name, value) VALUES (?, ?)", name, JSON.stringify(value));
  }
}

/** A batch's ledger rows from one JSON array of `[index, hash, signature]`, in order. */
const LEDGER_ROWS = "INSERT INTO ledger (idx, hash, signature) SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?) ORDER BY key";
/** A batch's subtrees from one JSON array of `[level, index, hex hash]`; the hash is stored as its bytes. */
const NODE_ROWS = "INSERT OR REPLACE INTO nodes (level, idx, hash) SELECT value ->> 0, value ->> 1, unhex(value ->> 2) FROM json_each(?) ORDER BY key";
