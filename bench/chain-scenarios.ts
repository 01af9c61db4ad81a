/**
 * The attestation chain's scenarios: appends per second to one company's chain (each answered
 * only once sealed: numbered in D1, hashed, signed, in the tree), and an inclusion proof in a
 * chain of 1 record and of 100,000 (RFC 9162's O(log n) path, from stored subtrees).
 */
import type { OwnEdge, TestCompany } from "../test/cli/support/edge.ts";
import { BIG_CHAIN, type ChainBench } from "./chain-setup.ts";
import { prime } from "./checks.ts";
import { httpLoad } from "./http-load.ts";
import type { RunWindow } from "./measurement.ts";
import type { Case } from "./scenarios.ts";
import { CONNECTIONS } from "./settings.ts";

const auth = (company: TestCompany) => ({ authorization: `Bearer ${company.ownerKey}` });

export function chainScenarios(edge: OwnEdge, chains: ChainBench): Omit<Case, "uses">[] {
  const proof = (company: TestCompany, index: number) => {
    const url = `${edge.addr}/v1/proof/${index}`;
    return {
      prime: () => prime([{ url, headers: auth(company) }]),
      run: (connections: number, window: RunWindow) => httpLoad({ url, connections, ...window, headers: auth(company) }),
    };
  };
  const body = JSON.stringify({ agentId: "bench-agent", actionType: "bench", payload: { query: "EU AI Act", results: 10 } });
  return [
    {
      id: "chain-append",
      title: "POST /v1/attest: appends to one company's chain, each answered sealed (edge + its ChainSealer)",
      connections: CONNECTIONS,
      run: (connections, window) =>
        httpLoad({
          url: `${edge.addr}/v1/attest`,
          method: "POST",
          headers: { ...auth(chains.append), "content-type": "application/json" },
          body,
          connections,
          ...window,
        }),
    },
    { id: "chain-proof-1", title: "GET /v1/proof/0, a chain of 1 record", connections: CONNECTIONS, ...proof(chains.single, 0) },
    // An odd index past the middle: its path is as long as any (17 nodes) and ends in a partial subtree.
    {
      id: `chain-proof-${BIG_CHAIN}`,
      title: `GET /v1/proof/${BIG_CHAIN / 2 + 1}, a chain of ${BIG_CHAIN.toLocaleString("en")} records`,
      connections: CONNECTIONS,
      ...proof(chains.big, BIG_CHAIN / 2 + 1),
    },
  ];
}
