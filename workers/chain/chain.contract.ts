/**
 * The attestation chain's contract: Vane's `POST /v1/attest`, `GET /v1/chain`, `GET /v1/verify`
 * and `GET /v1/proof/{index}` (its field names), and ours — the signed tree head, consistency
 * proofs and the streamed export. Zod schemas and limits only, imported by the routes and the CLI.
 */
import { z } from "@hono/zod-openapi";
import { MAX_STORED_JSON_DEPTH, STORED_JSON_DEPTH_RULE, withinJsonDepth } from "../lib/json-depth.ts";

export const MAX_CHAIN_PAGE = 1000;
export const DEFAULT_CHAIN_PAGE = 100;
export const MAX_ACTION_TYPE_LENGTH = 128;
export const MAX_AGENT_ID_LENGTH = 128;
/**
 * A payload's canonical JSON (RFC 8785) may take this many bytes: a record says what happened, it
 * does not carry the data (hash it into the payload instead); the sealer reads records 500 at a time.
 */
export const MAX_PAYLOAD_BYTES = 16 * 1024;
/** A delegation token's length, as for every JWT the edge reads. */
export const MAX_DELEGATION_LENGTH = 8 * 1024;
/** The export's media type: one JSON document per line, the signed tree head first. */
export const NDJSON = "application/x-ndjson";

const Hex32 = z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex characters");
const Index = z.number().int().nonnegative();

export const AttestInput = z
  .object({
    agentId: z.string().min(1).max(MAX_AGENT_ID_LENGTH).openapi({ description: "The agent that acted: an agent attests only as itself" }),
    actionType: z.string().min(1).max(MAX_ACTION_TYPE_LENGTH).openapi({ example: "web-search" }),
    payload: z
      .unknown()
      .nonoptional()
      .refine((payload) => withinJsonDepth(payload), { message: STORED_JSON_DEPTH_RULE, abort: true })
      .openapi({ description: `Any JSON describing the action, nested at most ${MAX_STORED_JSON_DEPTH} levels deep: stored and hashed as given (RFC 8785)` }),
    delegation: z.string().min(1).max(MAX_DELEGATION_LENGTH).optional().openapi({
      description: "A token from POST /v1/token/exchange naming this agent: verified, and its subject, chain, act and id bound to the record",
    }),
  })
  .openapi("AttestInput");

/** Vane's `DelegationInfo`: what a verified delegation token said, bound into the record's hash. */
export const DelegationInfo = z
  .object({
    subject: z.string(),
    delegationChain: z.array(z.string()).openapi({ description: "The subject, then each actor from the most proximate to the first" }),
    // RFC 8693's act claim as the token carried it (nested `act`s included); not recursive here, which OpenAPI cannot render.
    act: z.object({ sub: z.string() }).passthrough().nullable(),
    tokenId: z.string(),
  })
  .openapi("DelegationInfo");

/** Vane's `AttestationRecord`. */
export const AttestationRecord = z
  .object({
    index: Index,
    timestamp: z.string().openapi({ example: "2026-01-01T12:00:00.000Z" }),
    payload: z.unknown(),
    payloadText: z
      .string()
      .optional()
      .openapi({
        description: `Only on a record stored before payloads were limited to ${MAX_STORED_JSON_DEPTH} levels whose payload nests too deep to send as a value: its canonical JSON as text (payload is then null), which the hash covers as is`,
      }),
    delegation: DelegationInfo.optional(),
    hash: Hex32.openapi({ description: "SHA-256 hex of `index|timestamp|JCS(payload)[|JCS(delegation)]`" }),
    signature: z.string().openapi({ description: "Ed25519 over JCS(hash) (the hash as a JSON string), base64url, with the company's CA key" }),
  })
  .openapi("AttestationRecord");

/** A signed tree head: RFC 9162's TreeHeadDataV2, signed with the company's CA key. */
export const TreeHead = z
  .object({
    companyId: z.string(),
    treeSize: Index,
    rootHash: Hex32,
    timestamp: z.number().int().openapi({ description: "When it was signed, epoch milliseconds" }),
    signature: z.string().openapi({ description: "Ed25519 over the TLS-encoded TreeHeadDataV2, base64url" }),
    signatureAlgorithm: z.literal("EdDSA"),
    caKid: z.string(),
    caPublicKey: z.string().openapi({ description: "The CA key (SPKI PEM): pin it, or take it from the JWK Set" }),
  })
  .openapi("TreeHead");

export const ChainQuery = z
  .object({
    from: z.coerce.number().int().nonnegative().default(0).openapi({ description: "The first index to return (a page's `next`)" }),
    limit: z.coerce.number().int().min(1).max(MAX_CHAIN_PAGE).default(DEFAULT_CHAIN_PAGE),
  })
  .strict();

export const ChainPage = z
  .object({
    records: z.array(AttestationRecord),
    treeSize: Index.openapi({ description: "How many records are sealed: the chain's length when this page was read" }),
    next: Index.nullable().openapi({ description: "Pass as `from` for the next page; null at the end" }),
  })
  .openapi("ChainPage");

export const VerifyQuery = z
  .object({
    from: z.coerce
      .number()
      .int()
      .nonnegative()
      .optional()
      .openapi({ description: "Re-check the records from this index (0: all of them). Default: those sealed since the last check" }),
  })
  .strict();

/** Vane's answer (`valid`, `merkleRoot` / `failedAtIndex`, `error`), with what was checked. */
export const VerifyResult = z
  .object({
    valid: z.boolean(),
    merkleRoot: Hex32.optional().openapi({ description: "The RFC 9162 root of the whole chain (when valid)" }),
    failedAtIndex: Index.optional(),
    error: z.string().optional(),
    treeSize: Index,
    checkedFrom: Index.openapi({ description: "Records from this index on were re-read from storage and checked against the sealed tree" }),
    head: TreeHead.optional(),
  })
  .openapi("VerifyResult");

export const ProofParams = z.object({
  index: z.coerce
    .number()
    .int()
    .nonnegative()
    .openapi({ param: { name: "index", in: "path" }, example: 0 }),
});
export const ProofQuery = z
  .object({
    treeSize: z.coerce
      .number()
      .int()
      .min(1)
      .optional()
      .openapi({ description: "Prove inclusion in the tree of this size (a head you pinned); default: the current one" }),
  })
  .strict();

export const ProofNode = z.object({ sibling: Hex32, position: z.enum(["left", "right"]).openapi({ description: "The sibling's side" }) }).openapi("ProofNode");

export const InclusionProof = z
  .object({
    record: AttestationRecord,
    proof: z.array(ProofNode).openapi({ description: "RFC 9162 audit path, leaf side first" }),
    root: Hex32,
    treeSize: Index,
    leafHash: Hex32.openapi({ description: "SHA-256(0x00 || the 32 bytes of record.hash)" }),
    head: TreeHead,
  })
  .openapi("InclusionProof");

export const ConsistencyQuery = z
  .object({
    first: z.coerce.number().int().nonnegative(),
    second: z.coerce.number().int().nonnegative().optional().openapi({ description: "Default: the current size" }),
  })
  .strict()
  .refine((q) => q.second === undefined || q.first <= q.second, { path: ["second"], message: "must not be smaller than first" });

export const ConsistencyProof = z
  .object({
    first: Index,
    second: Index,
    firstRoot: Hex32,
    secondRoot: Hex32,
    proof: z.array(Hex32).openapi({ description: "RFC 9162 §2.1.4 consistency proof" }),
    head: TreeHead,
  })
  .openapi("ConsistencyProof");

/** The export's first line. */
export const ExportHead = z.object({ head: TreeHead });

export type AttestInput = z.infer<typeof AttestInput>;
export type AttestationRecordView = z.infer<typeof AttestationRecord>;
export type DelegationInfoView = z.infer<typeof DelegationInfo>;
export type TreeHeadView = z.infer<typeof TreeHead>;
export type ChainPageView = z.infer<typeof ChainPage>;
export type VerifyResultView = z.infer<typeof VerifyResult>;
export type InclusionProofView = z.infer<typeof InclusionProof>;
export type ConsistencyProofView = z.infer<typeof ConsistencyProof>;
