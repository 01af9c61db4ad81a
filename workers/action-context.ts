/**
 * What an action runs with: the one small context every entry (an API handler, a console page,
 * proposal approval) hands to `<feature>.actions.ts`. It never carries a Hono `Context` or the
 * Worker's `Env`: an action reaches D1 through queries over `db`, writes through `commit`, and the
 * few bindings it needs through `edge`, so the same function serves every door alike. Entries make
 * one with `actionContextOf(c)` (request-context.ts), which actions never import.
 */
import type { AgentHandoff, RegistrationHandoff } from "./agent-channel/channel-handoff.ts";
import type { Cell } from "./auth/permission-table.ts";
import type { Config } from "./config.ts";
import type { Change } from "./db/change.ts";
import type { Database } from "./db/client.ts";
import type { IssuedSvid, IssueSvidOptions } from "./identity/svid.ts";
import type { Principal } from "./lib/principal.ts";
import type { ParsedToken, TokenMinter } from "./lib/crypto/tokens.ts";
import type { ProposalRecord, ProposalView } from "./proposals/proposal-view.ts";
import type { MasterKeyring } from "./lib/crypto/crypto-envelope.ts";
import type { ExpiryReason } from "./requests/requests.contract.ts";
import type { HeldDecision } from "../durable-objects/request-approvals.rpc.ts";
import type { OutOfRange } from "../durable-objects/chain-sealer.rpc.ts";
import type { AttestationRecordView, ChainPageView, ConsistencyProofView, InclusionProofView, TreeHeadView, VerifyResultView } from "./chain/chain.contract.ts";

/** Runs a change: its statements in one D1 batch, then what it invalidates (db/change.ts `commit`). */
export type Commit = <T extends Change["statements"]>(done: Change<T>) => Promise<{ [K in keyof T]: Awaited<T[K]> }>;

/** A proposal's Durable Object (durable-objects/proposal-watch.ts), as actions use it. */
export type ProposalWatchPort = {
  open(record: ProposalRecord, approvalUrl: string): Promise<void>;
  read(): Promise<ProposalRecord | null>;
  wait(timeoutMs: number): Promise<ProposalView | null>;
  settle(view: ProposalView): Promise<void>;
};

/** A vault's RequestApprovals object (durable-objects/request-approvals.ts), as the deciding actions use it. */
export type RequestApprovalsPort = {
  settle(id: string, decision: HeldDecision): Promise<void>;
  abandon(id: string, reason: ExpiryReason): Promise<void>;
  revokeRelease(id: string): Promise<void>;
};

/** A company's attestation chain: its ChainSealer (durable-objects/chain-sealer.ts), whose every read seals first. */
export type ChainPort = {
  head(): Promise<TreeHeadView>;
  page(from: number, limit: number): Promise<ChainPageView>;
  record(index: number): Promise<AttestationRecordView | null>;
  proof(index: number, treeSize?: number): Promise<InclusionProofView | OutOfRange>;
  consistency(first: number, second?: number): Promise<ConsistencyProofView | OutOfRange>;
  verify(from?: number): Promise<VerifyResultView>;
};

/** The bindings actions need, each as one narrow function (never `Env`). */
export type EdgePorts = {
  /** The company's data key (made on first use): seals and opens credential values and secrets. */
  dataKey(companyId: string): Promise<CryptoKey>;
  /** Mints a token this deployment recognises (its secret is shown once; only its hash is kept). */
  mint: TokenMinter;
  /** A token of this deployment with a genuine tag, parsed; undefined for anything else (auth/token-signer.ts). */
  readToken(token: string): Promise<ParsedToken | undefined>;
  /** Signs a JWT-SVID for an agent with its company's active key (identity/svid.ts; the keys are made on first use). */
  issueSvid(options: IssueSvidOptions): Promise<IssuedSvid>;
  /**
   * Hands a WebSocket upgrade to the Durable Object that will hold the socket (the agent's
   * ActorGate, or a fresh RegistrationChannel): its 101 with the socket, or its refusal.
   */
  handOffChannel(handoff: AgentHandoff | RegistrationHandoff): Promise<Response>;
  proposalWatch(proposalId: string): ProposalWatchPort;
  /** The vault's held requests' object: a decision already in D1 is stored there, then announced. */
  requestApprovals(companyId: string, vaultId: string): RequestApprovalsPort;
  /** The master keys (Worker secret MASTER_KEYS) that wrap the data keys: only their rotation reads them. */
  masterKeyring(): Promise<MasterKeyring>;
  /** The time a write records; one clock for a whole action. */
  now(): number;
  /** The company's attestation chain (its one sealer). */
  chain(companyId: string): ChainPort;
};

export type ActionContext = {
  db: Database;
  config: Config;
  /** The caller, already held to its row of the permission table by the gate. */
  principal: Principal;
  /**
   * The caller's cell of that row: the role the vault checks (auth/vault-access.ts) hold it to, so
   * an action is held to the same minimum whichever door it came through.
   */
  cell: Cell;
  commit: Commit;
  edge: EdgePorts;
};

/**
 * What an action on a public row of the table runs with (signing in, accepting or redeeming an
 * invite, registering, claiming, token exchange, the published keys), on the platform operator's
 * rows, and in the registration channel's object: no caller, or the one a public row with a token
 * admitted (a registration names its company by it).
 */
export type PublicActionContext = Omit<ActionContext, "principal" | "cell"> & { principal?: Principal; cell?: Cell };
