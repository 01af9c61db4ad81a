/**
 * The attestation chain's probes for the matrices (probes.ts spreads them into PROBES): one
 * well-formed request per chain operation, as a given principal would send it.
 */
import type { Probe } from "./probes.ts";
import type { Instance, World } from "./world.ts";

/** An agent of the world attests as itself; anyone else names the world's raiser. */
const selfOr = (w: World, who: Instance) => (who.kind === "agent" && w.instances.includes(who) ? who.name : w.raiser.name);

export const CHAIN_PROBES: Record<string, Probe> = {
  "POST /v1/attest": {
    request: async (w, who) => ({ method: "POST", path: "/v1/attest", body: { agentId: selfOr(w, who), actionType: "probe", payload: { probe: true } } }),
    other: async (w) => ({ method: "POST", path: "/v1/attest", body: { agentId: w.raiser.name, actionType: "probe", payload: { probe: true } } }),
  },
  "GET /v1/chain": { request: async () => ({ method: "GET", path: "/v1/chain?limit=5" }) },
  "GET /v1/chain/export": { request: async () => ({ method: "GET", path: "/v1/chain/export" }) },
  "GET /v1/chain/head": { request: async () => ({ method: "GET", path: "/v1/chain/head" }) },
  "GET /v1/chain/consistency": { request: async () => ({ method: "GET", path: "/v1/chain/consistency?first=1" }) },
  "GET /v1/verify": { request: async () => ({ method: "GET", path: "/v1/verify" }) },
  // Every company's chain starts at 0: the index is a place in the caller's own chain, never another company's object.
  "GET /v1/proof/{index}": { request: async () => ({ method: "GET", path: "/v1/proof/0" }), inCallersOwnCompany: true },
};
