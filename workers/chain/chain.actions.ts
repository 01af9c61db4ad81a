/**
 * The attestation chain, for the API and the CLI alike: an agent attests what it did (Vane's
 * `POST /v1/attest`), and owners read the chain, its signed tree head, proofs and its check. Every
 * read goes through the company's ChainSealer, which seals whatever D1 holds first.
 */
import type { ActionContext, ChainPort } from "../action-context.ts";
import { findAgentByRef } from "../agents/agents.queries.ts";
import { publicOriginIn } from "../config.ts";
import { verifyCompanyToken } from "../identity/svid.ts";
import { authorizeSubject } from "../auth/vault-access.ts";
import { AppError, badRequest } from "../lib/app-error.ts";
import { canonicalJson } from "../lib/crypto/chain-record.ts";
import { DEFAULT_SVID_AUDIENCE } from "../lib/crypto/jwt-svid.ts";
import { parseAgentSpiffeId } from "../lib/crypto/spiffe.ts";
import { actorOf } from "../lib/principal.ts";
import {
  type AttestationRecordView,
  type AttestInput,
  type ChainPageView,
  type ConsistencyProofView,
  type DelegationInfoView,
  type InclusionProofView,
  MAX_PAYLOAD_BYTES,
  NDJSON,
  type TreeHeadView,
  type VerifyResultView,
} from "./chain.contract.ts";
import { attestationChange } from "./chain.queries.ts";

const chainOf = (ctx: ActionContext): ChainPort => ctx.edge.chain(ctx.principal.companyId);

/**
 * Vane's `DelegationInfo` from a delegation token: one this company's token exchange issued
 * (verified as it verifies them), that names the attesting agent as its subject or an actor.
 */
async function delegationOf(ctx: ActionContext, token: string, agentName: string): Promise<DelegationInfoView> {
  let verified: Awaited<ReturnType<typeof verifyCompanyToken>>;
  try {
    verified = await verifyCompanyToken(ctx, token, {
      audience: [publicOriginIn(ctx.config), DEFAULT_SVID_AUDIENCE],
      acceptAccessTokens: true,
      now: ctx.edge.now(),
    });
  } catch (error) {
    if (error instanceof AppError && error.status < 500) throw badRequest("invalid_delegation", `Invalid delegation: ${error.message}`);
    throw error;
  }
  if (verified.companyId !== ctx.principal.companyId) throw badRequest("invalid_delegation", "Invalid delegation: it was issued for another company");
  const tokenId = verified.claims.jti;
  if (typeof tokenId !== "string")
    throw badRequest("invalid_delegation", "Invalid delegation: send a token from POST /v1/token/exchange, which carries an id (jti)");
  const delegationChain = [verified.spiffeId];
  for (let act = verified.act; act; act = act.act) delegationChain.push(act.sub);
  const names = delegationChain.map((id) => parseAgentSpiffeId(id)).filter((id) => id?.companyId === ctx.principal.companyId);
  if (!names.some((id) => id?.agentName === agentName)) {
    throw badRequest("invalid_delegation", `Invalid delegation: it names neither ${agentName} as its subject nor as an actor`);
  }
  return { subject: verified.spiffeId, delegationChain, act: verified.act ?? null, tokenId };
}

/**
 * `POST /v1/attest`: appends the record `{agentId, companyId, actionType, payload}` (Vane's
 * payload, plus who submitted it) and answers it sealed. An agent attests only as itself (its
 * `self` cell); a person owner or an API key may name any agent, as Vane's API key does.
 */
export async function attest(ctx: ActionContext, input: AttestInput): Promise<AttestationRecordView> {
  const { db, principal } = ctx;
  const named = await findAgentByRef(db, principal.companyId, input.agentId);
  // An agent naming another agent learns nothing of it: 404, as for every `self` cell.
  authorizeSubject(ctx, named?.agent.id ?? "", "Agent");
  let canonical: string;
  try {
    canonical = canonicalJson(input.payload);
  } catch {
    throw badRequest("invalid_request", "payload must be JSON (no lone surrogates)");
  }
  if (new TextEncoder().encode(canonical).length > MAX_PAYLOAD_BYTES) {
    throw new AppError(413, "payload_too_large", `payload takes more than ${MAX_PAYLOAD_BYTES} bytes as canonical JSON`);
  }
  const delegation = input.delegation === undefined ? undefined : await delegationOf(ctx, input.delegation, named?.agent.name ?? input.agentId);
  const { actorType, actorId } = actorOf(principal);
  const payload = {
    source: "agent",
    agentId: input.agentId,
    companyId: principal.companyId,
    actionType: input.actionType,
    payload: input.payload,
    attestedBy: { type: actorType, id: actorId },
  };
  const [[written]] = await ctx.commit(
    attestationChange(db, {
      companyId: principal.companyId,
      createdAt: ctx.edge.now(),
      payload: JSON.stringify(payload),
      delegation: delegation === undefined ? null : JSON.stringify(delegation),
    }),
  );
  if (!written) throw new AppError(500, "internal_error", "The attestation was not written");
  const record = await chainOf(ctx).record(written.index);
  if (!record) throw new AppError(500, "internal_error", "The attestation was written but could not be sealed");
  return record;
}

/** `GET /v1/chain`: a page of records by index. */
export function chainPage(ctx: ActionContext, query: { from: number; limit: number }): Promise<ChainPageView> {
  return chainOf(ctx).page(query.from, query.limit);
}

/** `GET /v1/chain/head`: the latest signed tree head. */
export function chainHead(ctx: ActionContext): Promise<TreeHeadView> {
  return chainOf(ctx).head();
}

/** `GET /v1/verify`: re-checks storage against the sealed tree (from `from`, or what is new since the last check). */
export function verifyChain(ctx: ActionContext, query: { from?: number }): Promise<VerifyResultView> {
  return chainOf(ctx).verify(query.from);
}

/** `GET /v1/proof/{index}`: that record's RFC 9162 inclusion proof. */
export async function chainProof(ctx: ActionContext, index: number, query: { treeSize?: number }): Promise<InclusionProofView> {
  const proof = await chainOf(ctx).proof(index, query.treeSize);
  if ("outOfRange" in proof) {
    if (query.treeSize !== undefined && query.treeSize > proof.treeSize) {
      throw badRequest("invalid_request", `treeSize ${query.treeSize} exceeds the chain's ${proof.treeSize} records`);
    }
    throw new AppError(404, "not_found", `No record ${index} in a chain of ${query.treeSize ?? proof.treeSize}`);
  }
  return proof;
}

/** `GET /v1/chain/consistency`: that the tree of `first` records is a prefix of the tree of `second`. */
export async function chainConsistency(ctx: ActionContext, query: { first: number; second?: number }): Promise<ConsistencyProofView> {
  const proof = await chainOf(ctx).consistency(query.first, query.second);
  if ("outOfRange" in proof) throw badRequest("invalid_request", `The chain has ${proof.treeSize} records; sizes must not exceed that`);
  return proof;
}

/** How many records each step of an export reads. */
const EXPORT_PAGE = 500;

/**
 * `GET /v1/chain/export`: the whole chain as NDJSON, the signed head first (`{"head": …}`), then
 * every record it covers in index order, read page by page as the client reads. The status went
 * out with the head, so a read that fails later cannot become an error status: the export then
 * ends with an error line (`{"error": "export_incomplete", …}`, never a record), which no reader
 * can take for the chain's end, and the cause is logged.
 */
export async function exportChain(ctx: ActionContext): Promise<{ body: ReadableStream<Uint8Array>; contentType: string }> {
  const chain = chainOf(ctx);
  const head = await chain.head();
  const encoder = new TextEncoder();
  let from = 0;
  let headSent = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headSent) {
        headSent = true;
        controller.enqueue(encoder.encode(`${JSON.stringify({ head })}\n`));
        return;
      }
      if (from >= head.treeSize) {
        controller.close();
        return;
      }
      try {
        const page = await chain.page(from, Math.min(EXPORT_PAGE, head.treeSize - from));
        const lines = page.records.filter((r) => r.index < head.treeSize).map((r) => `${JSON.stringify(r)}\n`);
        // A page may end early (large payloads): go on from where it says.
        from = Math.min(page.next ?? head.treeSize, head.treeSize);
        controller.enqueue(encoder.encode(lines.join("")));
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : "unknown";
        console.error(JSON.stringify({ level: "error", code: "export_incomplete", company: ctx.principal.companyId, at: from, reason }));
        const message = `The export stopped at record ${from} of ${head.treeSize}: it is incomplete. Export again; if it stops at the same record, GET /v1/verify names what is wrong`;
        controller.enqueue(encoder.encode(`${JSON.stringify({ error: "export_incomplete", message, at: from })}\n`));
        controller.close();
      }
    },
  });
  return { body, contentType: `${NDJSON}; charset=utf-8` };
}
