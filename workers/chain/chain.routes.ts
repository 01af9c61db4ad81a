/**
 * The attestation chain's routes: Vane's paths (`/v1/attest`, `/v1/chain`, `/v1/verify`,
 * `/v1/proof/{index}`) and ours (`/v1/chain/head`, `/v1/chain/consistency`, `/v1/chain/export`).
 * Shapes: chain.contract.ts.
 */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse } from "../lib/openapi.ts";
import {
  AttestationRecord,
  AttestInput,
  ChainPage,
  ChainQuery,
  ConsistencyProof,
  ConsistencyQuery,
  InclusionProof,
  NDJSON,
  ProofParams,
  ProofQuery,
  TreeHead,
  VerifyQuery,
  VerifyResult,
} from "./chain.contract.ts";

const tags = ["attestation"];

export const attest = createRoute({
  method: "post",
  path: "/v1/attest",
  tags,
  summary: "Append a signed, indexed record of what an agent did to the company's attestation chain (Vane's)",
  description:
    "The record's `hash` is SHA-256 over `index|timestamp|JCS(payload)[|JCS(delegation)]`, its `signature` Ed25519 over JCS(hash) with the company's CA key; the payload stored is `{source: \"agent\", agentId, companyId, actionType, payload, attestedBy}`. An agent attests only as itself.",
  request: jsonBody(AttestInput),
  responses: { 201: jsonResponse(AttestationRecord, "The sealed record"), ...errors(400, 401, 403, 413) },
});

export const chainPage = createRoute({
  method: "get",
  path: "/v1/chain",
  tags,
  summary: "Page through the attestation chain by index (Vane's `records`, paged: pass `next` as `from`)",
  request: { query: ChainQuery },
  responses: { 200: jsonResponse(ChainPage, "Records"), ...errors(400, 401, 403) },
});

export const chainExport = createRoute({
  method: "get",
  path: "/v1/chain/export",
  tags,
  summary: 'The whole chain, streamed as NDJSON: `{"head": <signed tree head>}` first, then every record it covers, in index order',
  // No `content` here: the OpenAPI typing knows no JSON-lines media type, so it is named in words.
  responses: { 200: { description: `${NDJSON}: one JSON document per line, the signed tree head first` }, ...errors(401, 403) },
});

export const chainHead = createRoute({
  method: "get",
  path: "/v1/chain/head",
  tags,
  summary: "The latest signed tree head (RFC 9162 TreeHeadDataV2 signed with the company's CA key): pin it, check later heads against it",
  responses: { 200: jsonResponse(TreeHead, "Signed tree head"), ...errors(401, 403) },
});

export const chainConsistency = createRoute({
  method: "get",
  path: "/v1/chain/consistency",
  tags,
  summary: "RFC 9162 consistency proof: the tree of `first` records is a prefix of the tree of `second` (default: now)",
  request: { query: ConsistencyQuery },
  responses: { 200: jsonResponse(ConsistencyProof, "Proof"), ...errors(400, 401, 403) },
});

export const verify = createRoute({
  method: "get",
  path: "/v1/verify",
  tags,
  summary: "Check the chain (Vane's `valid`, `merkleRoot` or `failedAtIndex`): storage against the sealed tree",
  description:
    "By default re-reads the records sealed since the last check, and checks the signed head and that the tree only grew since (O(new records + log n)); `from=0` re-reads every record.",
  request: { query: VerifyQuery },
  responses: { 200: jsonResponse(VerifyResult, "The check"), ...errors(400, 401, 403) },
});

export const proof = createRoute({
  method: "get",
  path: "/v1/proof/{index}",
  tags,
  summary: "A record and its RFC 9162 inclusion proof (Vane's `record`, `proof`, `root`)",
  request: { params: ProofParams, query: ProofQuery },
  responses: { 200: jsonResponse(InclusionProof, "Proof"), ...errors(400, 401, 403, 404) },
});
