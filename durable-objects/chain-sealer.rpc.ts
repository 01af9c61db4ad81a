/**
 * What the Worker may ask a company's ChainSealer (durable-objects/chain-sealer.ts implements it):
 * `Env` types its namespace with this interface, not the class, so the Worker's modules and the
 * Durable Objects' never import each other in a circle. Every read seals first, so nothing it
 * answers leaves out a record already committed to D1.
 */
import type {
  AttestationRecordView,
  ChainPageView,
  ConsistencyProofView,
  InclusionProofView,
  TreeHeadView,
  VerifyResultView,
} from "../workers/chain/chain.contract.ts";

/** An index or size the chain does not have: the action answers 404 or 400 with the size it has. */
export type OutOfRange = { outOfRange: true; treeSize: number };

/** One per company (`chain:<companyId>`): the only writer of its chain's hashes, signatures and tree. */
export interface ChainSealerRpc extends Rpc.DurableObjectBranded {
  /** Seals what D1 holds and this object has not sealed, soon (an alarm), without waiting for it. */
  nudge(companyId: string): Promise<void>;
  /** Seals, then answers the latest signed tree head. */
  head(companyId: string): Promise<TreeHeadView>;
  /** Seals, then answers up to `limit` records from `from`. */
  page(companyId: string, from: number, limit: number): Promise<ChainPageView>;
  /** Seals, then answers the record at `index`, or null if the chain is shorter. */
  record(companyId: string, index: number): Promise<AttestationRecordView | null>;
  /** Seals, then proves the record at `index` is in the tree of `treeSize` (default: all) records. */
  proof(companyId: string, index: number, treeSize?: number): Promise<InclusionProofView | OutOfRange>;
  /** Seals, then proves the tree of `first` records is a prefix of the tree of `second` (default: all). */
  consistency(companyId: string, first: number, second?: number): Promise<ConsistencyProofView | OutOfRange>;
  /** Seals, then re-reads D1 from `from` (default: where the last check ended) and checks it against the sealed tree. */
  verify(companyId: string, from?: number): Promise<VerifyResultView>;
}
