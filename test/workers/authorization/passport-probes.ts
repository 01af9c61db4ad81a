/**
 * The permission matrix's probes for agent passports (passports/): issuing, rotating and revoking
 * one, the revoked list, its status and verification. Each passport is fresh, issued by the
 * world's key; an agent asking for its own is first granted `tool:*` by the key, as a person would.
 */
import { call } from "../helpers.ts";
import type { Probe, ProbeRequest } from "./probes.ts";
import type { Instance, World } from "./world.ts";

const K = (w: World) => w.company.ownerKey;
/** Whether the caller belongs to the world (the tenant matrix sends another company's principals). */
const own = (w: World, who: Instance) => w.instances.includes(who);
/** The agent a self-or-other probe aims at: the caller itself when it is one of the world's agents. */
const selfOr = (w: World, who: Instance) => (who.kind === "agent" && own(w, who) ? who.name : w.raiser.name);

async function must<T extends { status: number; text: string }>(what: string, res: Promise<T>, status = 200): Promise<T> {
  const done = await res;
  if (done.status !== status) throw new Error(`${what}: ${done.status} ${done.text}`);
  return done;
}

/** A world's agent asking for its own passport needs scopes a person granted it: the key grants `tool:*`. */
async function grantPassportScopes(w: World, who: Instance): Promise<void> {
  if (who.kind === "agent" && own(w, who))
    await must("grant passport scopes", call("PATCH", `/v1/agents/${who.name}`, { token: K(w), body: { passportScopes: ["tool:*"] } }));
}

/** A fresh passport for `agent`, issued by the world's key. */
async function passportFor(w: World, agent: string): Promise<{ jti: string; passport: string }> {
  const res = await must("passport", call("POST", `/v1/agents/${agent}/passport`, { token: K(w), body: { scopes: ["tool:probe"] } }), 201);
  return { jti: res.body.jti as string, passport: res.body.passport as string };
}

const rotateProbe = async (w: World, agent: string): Promise<ProbeRequest> => ({
  method: "POST",
  path: `/v1/agents/${agent}/passport/rotate`,
  headers: { "Counsel-Passport": (await passportFor(w, agent)).passport },
});

export const PASSPORT_PROBES: Record<string, Probe> = {
  "POST /v1/agents/{agentId}/passport": {
    request: async (w, who) => {
      await grantPassportScopes(w, who);
      return { method: "POST", path: `/v1/agents/${selfOr(w, who)}/passport`, body: { scopes: ["tool:probe"] } };
    },
    other: async (w) => ({ method: "POST", path: `/v1/agents/${w.raiser.name}/passport`, body: { scopes: ["tool:probe"] } }),
  },
  "POST /v1/agents/{agentId}/passport/rotate": {
    request: async (w, who) => {
      await grantPassportScopes(w, who);
      return rotateProbe(w, selfOr(w, who));
    },
    other: async (w) => rotateProbe(w, w.raiser.name),
  },
  "POST /v1/passports/{jti}/revoke": {
    request: async (w, who) => ({ method: "POST", path: `/v1/passports/${(await passportFor(w, selfOr(w, who))).jti}/revoke`, body: { reason: "probe" } }),
    other: async (w) => ({ method: "POST", path: `/v1/passports/${(await passportFor(w, w.raiser.name)).jti}/revoke` }),
  },
  "GET /v1/passports/revoked": { request: async () => ({ method: "GET", path: "/v1/passports/revoked" }) },
  "GET /v1/ocsp/{jti}": { request: async (w) => ({ method: "GET", path: `/v1/ocsp/${(await passportFor(w, w.raiser.name)).jti}` }) },
  "POST /v1/passport/verify": {
    request: async (w) => ({ method: "POST", path: "/v1/passport/verify", body: { passport: (await passportFor(w, w.raiser.name)).passport } }),
  },
};
