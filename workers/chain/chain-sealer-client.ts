/**
 * Reaching a company's ChainSealer (durable-objects/chain-sealer.ts) from the Worker: one object per
 * company, named by it, so every writer of the company's chain meets the same one.
 */
import type { ChainPort } from "../action-context.ts";
import type { Env } from "../env.ts";

export function chainSealer(env: Pick<Env, "CHAIN_SEALER">, companyId: string) {
  return env.CHAIN_SEALER.getByName(`chain:${companyId}`);
}

/** A company's chain as an action sees it (action-context.ts `EdgePorts.chain`). */
export function chainPortOf(env: Pick<Env, "CHAIN_SEALER">, companyId: string): ChainPort {
  const sealer = chainSealer(env, companyId);
  return {
    head: () => sealer.head(companyId),
    page: (from, limit) => sealer.page(companyId, from, limit),
    record: (index) => sealer.record(companyId, index),
    proof: (index, treeSize) => sealer.proof(companyId, index, treeSize),
    consistency: (first, second) => sealer.consistency(companyId, first, second),
    verify: (from) => sealer.verify(companyId, from),
  };
}

/**
 * Asks the sealers of companies whose chains just grew to seal soon. A failure is logged and
 * swallowed: the records are in D1 already, and the next read of the chain seals them.
 */
export async function sealChains(env: Pick<Env, "CHAIN_SEALER">, companyIds: readonly string[]): Promise<void> {
  await Promise.all(
    companyIds.map((companyId) =>
      chainSealer(env, companyId)
        .nudge(companyId)
        .catch((error: unknown) => {
          const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          console.warn(JSON.stringify({ level: "warn", code: "chain_nudge_failed", company: companyId, reason }));
        }),
    ),
  );
}
