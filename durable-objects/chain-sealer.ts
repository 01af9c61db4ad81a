/**
 * One per company (`chain:<companyId>`): the one writer of its attestation chain's seals. D1 holds
 * the records, numbered in the transactions that wrote them (migrations/0009_chain_records.sql);
 * this object reads them in index order and, for each, computes Vane's hash, signs it with the
 * company's CA key and appends its leaf to an RFC 9162 tree kept in its own storage
 * (chain-store.ts), then signs a tree head. Being one object per company, seals never race, and
 * a record is sealed exactly once, at its index.
 *
 * Every read seals first (a record committed to D1 shows as soon as anyone reads the chain), and
 * a commit that wrote records nudges the object, whose alarm seals them within a second (and is
 * retried by the runtime if it fails). A hole in D1's numbering or an unreadable row stops sealing
 * there: nothing after it is sealed, and `verify` names the index.
 */
import { DurableObject } from "cloudflare:workers";
import type {
  AttestationRecordView,
  ChainPageView,
  ConsistencyProofView,
  InclusionProofView,
  TreeHeadView,
  VerifyResultView,
} from "../workers/chain/chain.contract.ts";
import { createDatabase } from "../workers/db/client.ts";
import { companyDataKey } from "../workers/db/data-keys.ts";
import type { Env } from "../workers/env.ts";
import { type CaKey, companyCaKey, signatureText } from "../workers/identity/ca-key.ts";
import { importCaPublicKey, recordProblem, treeHeadVerifies } from "../workers/lib/crypto/chain-check.ts";
import {
  canonicalJson,
  recordHash,
  recordLeaf,
  recordSigningInput,
  recordTimestamp,
  treeHeadSigningInput,
  type RecordContent,
} from "../workers/lib/crypto/chain-record.ts";
import { jsonDepth } from "../workers/lib/json-depth.ts";
import { consistencyPath, equalHashes, Frontier, inclusionPath, pathSides, rangeRoot, toHex } from "../workers/lib/crypto/merkle-tree.ts";
import type { ChainSealerRpc, OutOfRange } from "./chain-sealer.rpc.ts";
import { type ChainRecordRow, chainRows } from "./chain-sealer.queries.ts";
import { ChainStore, type LedgerEntry, type NewNode } from "./chain-store.ts";

/** D1 rows read per step, sealing or checking. */
const PAGE = 500;
/** What a page of records may take, as JSON, before it ends early. */
const PAGE_BYTES = 4 * 1024 * 1024;
/**
 * How soon after a nudge the alarm seals: a burst of commits (a busy proxy's request log, an
 * approval's many changes) is sealed in one run, one D1 read and one signed head, rather than
 * one run per commit. Reads do not wait for it: they seal first.
 */
const SEAL_DELAY_MS = 1_000;

type Content = RecordContent & { delegation?: AttestationRecordView["delegation"] };

/**
 * How deep a record's payload may nest and still be handed over as a value. RPC's serializer, and
 * JSON.stringify in the Worker, recurse: a payload some thousands deep (one stored before payloads
 * were limited to MAX_STORED_JSON_DEPTH) overflows them, and every page, proof and export holding
 * it would fail. Such a payload travels as its canonical JSON text instead (`payloadText`), which
 * its hash covers as is, so the record stays readable and checkable.
 */
const MAX_SENT_PAYLOAD_DEPTH = 1000;

/** A row's record content; undefined when its JSON does not parse (it cannot be sealed). */
function contentOf(row: ChainRecordRow): Content | undefined {
  let payload: unknown;
  let delegation: Content["delegation"];
  try {
    payload = JSON.parse(row.payload);
    delegation = row.delegation === null ? undefined : (JSON.parse(row.delegation) as Content["delegation"]);
  } catch {
    return undefined;
  }
  const base = { index: row.recordIndex, timestamp: recordTimestamp(row.createdAt), ...(delegation ? { delegation } : {}) };
  // Each level of nesting takes two characters of the text, so a short one needs no walk (a request-log payload is a few hundred).
  if (row.payload.length <= 2 * MAX_SENT_PAYLOAD_DEPTH || jsonDepth(payload, MAX_SENT_PAYLOAD_DEPTH) <= MAX_SENT_PAYLOAD_DEPTH) return { ...base, payload };
  try {
    return { ...base, payload: null, payloadText: canonicalJson(payload) };
  } catch {
    // Too deep even to canonicalize here: it was never sealed, so it is the chain's unreadable row.
    return undefined;
  }
}

const viewOf = (content: Content, entry: LedgerEntry): AttestationRecordView => ({ ...content, hash: entry.hash, signature: entry.signature });

export class ChainSealer extends DurableObject<Env> implements ChainSealerRpc {
  readonly #store: ChainStore;
  /** The tree's right edge, kept in memory between seals (rebuilt from storage after eviction). */
  #frontier: Frontier | undefined;
  /** The seal run queued behind the one in progress: callers arriving meanwhile share it. */
  #next: Promise<TreeHeadView> | undefined;
  #last: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new ChainStore(ctx.storage);
  }

  async nudge(companyId: string): Promise<void> {
    this.#claim(companyId);
    const due = Date.now() + SEAL_DELAY_MS;
    const set = await this.ctx.storage.getAlarm();
    if (set === null || set > due) await this.ctx.storage.setAlarm(due);
  }

  override async alarm(): Promise<void> {
    const companyId = this.#store.company();
    if (companyId) await this.#seal(companyId);
  }

  async head(companyId: string): Promise<TreeHeadView> {
    return this.#seal(companyId);
  }

  async page(companyId: string, from: number, limit: number): Promise<ChainPageView> {
    const head = await this.#seal(companyId);
    let to = Math.min(from + limit, head.treeSize);
    const records = await this.#records(companyId, from, to);
    // An answer stays far below RPC's message limit whatever the payloads: a page that would pass
    // PAGE_BYTES ends early, and `next` says where to go on.
    let bytes = 0;
    let kept = records.length;
    for (const [i, record] of records.entries()) {
      bytes += JSON.stringify(record).length;
      if (bytes > PAGE_BYTES && i > 0) {
        kept = i;
        to = record.index;
        break;
      }
    }
    return { records: records.slice(0, kept), treeSize: head.treeSize, next: to < head.treeSize ? to : null };
  }

  async record(companyId: string, index: number): Promise<AttestationRecordView | null> {
    const head = await this.#seal(companyId);
    if (index >= head.treeSize) return null;
    return (await this.#records(companyId, index, index + 1))[0] ?? null;
  }

  async proof(companyId: string, index: number, treeSize?: number): Promise<InclusionProofView | OutOfRange> {
    const head = await this.#seal(companyId);
    const size = treeSize ?? head.treeSize;
    if (size > head.treeSize || index >= size) return { outOfRange: true, treeSize: head.treeSize };
    const record = (await this.#records(companyId, index, index + 1))[0];
    if (!record) return { outOfRange: true, treeSize: head.treeSize };
    const path = await inclusionPath(this.#store.node, index, size);
    const sides = pathSides(index, size, path.length);
    return {
      record,
      proof: path.map((sibling, i) => ({ sibling: toHex(sibling), position: sides[i] ?? "left" })),
      root: size === head.treeSize ? head.rootHash : toHex(await rangeRoot(this.#store.node, 0, size)),
      treeSize: size,
      leafHash: toHex(await this.#store.node(0, index)),
      head,
    };
  }

  async consistency(companyId: string, first: number, second?: number): Promise<ConsistencyProofView | OutOfRange> {
    const head = await this.#seal(companyId);
    const to = second ?? head.treeSize;
    if (to > head.treeSize || first > to) return { outOfRange: true, treeSize: head.treeSize };
    const read = this.#store.node;
    return {
      first,
      second: to,
      firstRoot: toHex(await rangeRoot(read, 0, first)),
      secondRoot: toHex(await rangeRoot(read, 0, to)),
      proof: (await consistencyPath(read, first, to)).map(toHex),
      head,
    };
  }

  /**
   * Checks the signed head against the stored tree, that the tree still has the root it had at
   * the size last checked (so it only ever grew), and each record of D1 from `from` (default:
   * the size last checked, so a routine check costs what was appended since, plus O(log n))
   * against its sealed hash, signature and leaf; then that the next unsealed record can be sealed.
   */
  async verify(companyId: string, from?: number): Promise<VerifyResultView> {
    const head = await this.#seal(companyId);
    const ca = await this.#caKey(companyId);
    const key = await importCaPublicKey(ca.publicKeyPem);
    const verified = this.#store.verified();
    const start = Math.min(from ?? verified?.treeSize ?? 0, head.treeSize);
    const fail = (error: string, failedAtIndex?: number): VerifyResultView => ({
      valid: false,
      error,
      treeSize: head.treeSize,
      checkedFrom: start,
      ...(failedAtIndex === undefined ? {} : { failedAtIndex }),
    });
    const read = this.#store.node;
    if (!(await treeHeadVerifies(head, key))) return fail("the signed tree head does not verify under the CA key");
    if (toHex(await rangeRoot(read, 0, head.treeSize)) !== head.rootHash) return fail("the stored tree does not give the signed head's root");
    if (verified && (verified.treeSize > head.treeSize || toHex(await rangeRoot(read, 0, verified.treeSize)) !== verified.rootHash)) {
      return fail(`the tree no longer extends the one checked at size ${verified.treeSize}`);
    }
    const db = createDatabase(this.env.DB);
    for (let at = start; at < head.treeSize; ) {
      const rows = await chainRows(db, companyId, at, Math.min(PAGE, head.treeSize - at));
      const ledger = this.#store.ledger(at, Math.min(at + PAGE, head.treeSize));
      if (ledger[0]?.index !== at) return fail(`record ${at} is sealed but its seal is missing`, at);
      for (const [k, entry] of ledger.entries()) {
        const row = rows[k];
        if (row?.recordIndex !== entry.index) return fail(`record ${entry.index} is missing from storage`, entry.index);
        const content = contentOf(row);
        if (!content) return fail(`record ${entry.index}: its stored JSON does not parse`, entry.index);
        const problem = await recordProblem(viewOf(content, entry), key);
        if (problem) return fail(`record ${entry.index}: ${problem}`, entry.index);
        if (!equalHashes(await recordLeaf(entry.hash), await read(0, entry.index)))
          return fail(`record ${entry.index}: its leaf in the tree differs`, entry.index);
        at = entry.index + 1;
      }
    }
    const [pending] = await chainRows(db, companyId, head.treeSize, 1);
    if (pending && (pending.recordIndex !== head.treeSize || !contentOf(pending))) {
      return fail(`record ${head.treeSize} is missing or unreadable: nothing after it can be sealed`, head.treeSize);
    }
    if (start <= (verified?.treeSize ?? 0)) this.#store.setVerified({ treeSize: head.treeSize, rootHash: head.rootHash });
    return { valid: true, merkleRoot: head.rootHash, treeSize: head.treeSize, checkedFrom: start, head };
  }

  /** Names this object's company on its first call; a call for another company is a bug. */
  #claim(companyId: string): void {
    const known = this.#store.company();
    if (known === undefined) this.#store.setCompany(companyId);
    else if (known !== companyId) throw new Error(`this chain sealer is ${known}'s, not ${companyId}'s`);
  }

  #caKey(companyId: string): Promise<CaKey> {
    const db = createDatabase(this.env.DB);
    return companyCaKey({ db, edge: { dataKey: (id) => companyDataKey(db, this.env, id), now: () => Date.now() } }, companyId);
  }

  /** The sealed records of [from, to) as D1 holds them now (a row gone from D1 is left out). */
  async #records(companyId: string, from: number, to: number): Promise<AttestationRecordView[]> {
    if (to <= from) return [];
    const rows = new Map((await chainRows(createDatabase(this.env.DB), companyId, from, to - from)).map((row) => [row.recordIndex, row]));
    const records: AttestationRecordView[] = [];
    for (const entry of this.#store.ledger(from, to)) {
      const row = rows.get(entry.index);
      const content = row && contentOf(row);
      if (content) records.push(viewOf(content, entry));
    }
    return records;
  }

  /**
   * Seals everything D1 holds beyond the tree, one run at a time: a call that arrives while a run
   * is under way waits for the next one, which starts after it and so sees every record committed
   * before the call.
   */
  #seal(companyId: string): Promise<TreeHeadView> {
    this.#claim(companyId);
    if (this.#next) return this.#next;
    const run = this.#last.then(() => {
      this.#next = undefined;
      return this.#sealRun(companyId);
    });
    this.#next = run;
    this.#last = run.catch(() => undefined);
    return run;
  }

  async #sealRun(companyId: string): Promise<TreeHeadView> {
    const db = createDatabase(this.env.DB);
    const ca = await this.#caKey(companyId);
    this.#frontier ??= await Frontier.of(this.#store.node, this.#store.size());
    const frontier = this.#frontier;
    let head = this.#store.head();
    try {
      for (let more = true; more; ) {
        const rows = await chainRows(db, companyId, frontier.size, PAGE);
        const entries: LedgerEntry[] = [];
        const nodes: NewNode[] = [];
        for (const row of rows) {
          const content = row.recordIndex === frontier.size ? contentOf(row) : undefined;
          // A row whose content cannot be hashed stops sealing like an unparsable one, rather than failing every read of the chain.
          const hash = content && (await recordHash(content).catch(() => undefined));
          if (!content || !hash) {
            stuck(companyId, frontier.size, row.recordIndex === frontier.size ? "unreadable" : "missing");
            more = false;
            break;
          }
          const signature = signatureText(await ca.sign(recordSigningInput(hash)));
          await frontier.append(await recordLeaf(hash), (level, index, node) => nodes.push({ level, index, hash: node }));
          entries.push({ index: content.index, hash, signature });
        }
        if (entries.length > 0) {
          head = await signedHead(companyId, ca, frontier);
          this.#store.append(entries, nodes, head);
        }
        if (rows.length < PAGE) more = false;
      }
    } catch (error) {
      // The in-memory edge may be ahead of what storage committed: rebuild it next time.
      this.#frontier = undefined;
      throw error;
    }
    if (!head || head.treeSize !== frontier.size) {
      head = await signedHead(companyId, ca, frontier);
      this.#store.setHead(head);
    }
    return head;
  }
}

async function signedHead(companyId: string, ca: CaKey, frontier: Frontier): Promise<TreeHeadView> {
  const content = { treeSize: frontier.size, rootHash: toHex(await frontier.root()), timestamp: Date.now() };
  return {
    companyId,
    ...content,
    signature: signatureText(await ca.sign(treeHeadSigningInput(content))),
    signatureAlgorithm: "EdDSA",
    caKid: ca.kid,
    caPublicKey: ca.publicKeyPem,
  };
}

/** Sealing stops at a hole or an unreadable row: said once per run, loudly, since nothing after it can be sealed. */
function stuck(companyId: string, index: number, what: "missing" | "unreadable"): void {
  console.error(JSON.stringify({ level: "error", code: `chain_record_${what}`, company: companyId, index }));
}
