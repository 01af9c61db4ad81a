/**
 * Admission to the proxy: which methods it forwards, and the one door every entry goes through
 * (auth/gate.ts): the token read as the gate reads it (auth/credential.ts), held to the method's
 * `/proxy` row of this request's permission table — a person or an API key is refused here, from
 * the token alone — then the one Durable Object round trip that holds the caller to its cell in
 * the vault and takes a unit of its budget (durable-objects/actor-gate.ts `admit`, which enforces
 * the cells it is handed). Every refusal becomes the seeds' error.
 */
import type { Context } from "hono";
import type { GateAdmission, RequestLine } from "../../durable-objects/actor-gate.rpc.ts";
import type { AppEnv } from "../app-env.ts";
import { actorGate, gateName } from "../auth/actor-gate-client.ts";
import { presentedToken } from "../auth/bearer.ts";
import { callerOf, readCredential } from "../auth/credential.ts";
import { ruleAt } from "../auth/gate.ts";
import { holdToRow, refusalOf, vaultRefusal } from "../auth/hold-to-row.ts";
import { resolveCredential } from "../auth/resolve-principal.ts";
import { AppError, badRequest, notFound, unauthorized, wrongTokenType } from "../lib/app-error.ts";
import { notAnEdgeToken } from "../lib/crypto/passport.ts";
import { isProxiedMethod, PROXIED_METHODS } from "../lib/http/proxied-methods.ts";
import { takeReleases } from "./lease-releases.ts";
import * as errors from "./proxy-errors.ts";

export type Admitted = Extract<GateAdmission, { ok: true }>;

/** The methods the proxy forwards (lib/http/proxied-methods.ts says why only these). */
export { PROXIED_METHODS };

/** The proxy's row of the permission table for a method (`"GET /proxy/{host}/{path}"`). */
export const proxyOperation = (method: string) => `${method} /proxy/{host}/{path}`;

/**
 * The one Durable Object round trip, carrying the slots of this caller's requests that finished
 * since (lease-releases.ts); every refusal becomes the seed's error. A token the edge cannot read
 * (or whose public id is forged) is 401 before any Durable Object or D1 is touched; a genuine
 * token whose column the row denies (a person's, an API key) is the row's refusal, 403, as early.
 */
export async function admitRequest(c: Context<AppEnv>, request: RequestLine): Promise<Admitted> {
  const rule = ruleAt(c, proxyOperation(c.req.method));
  const presented = presentedToken(c);
  if (!presented || presented.viaCookie) throw unauthorized();
  // A passport (or an SVID) is refused from its header alone, before any Durable Object: it is for MCP servers.
  const foreign = notAnEdgeToken(presented.token);
  if (foreign) throw wrongTokenType(foreign);
  const credential = await readCredential(c.env, presented);
  // Invite, registration and approval tokens are not credentials at all.
  if (credential === "not_a_credential") throw unauthorized("This token does not authenticate requests");
  if (!credential) throw unauthorized("Invalid, expired or revoked token");
  // In dev any string may be an API key (`$EDGEVAULT_DEV_OWNER_KEY`): one the company holds gets
  // the answer every API key gets (403 agent_token_required, below); any other string is nobody's.
  // Only this refusal path reads D1, and only in dev: the request could never be forwarded anyway.
  if (credential.kind === "company_key" && credential.anyString && !(await resolveCredential(c.get("db"), c.env, credential))) {
    throw unauthorized("Invalid, expired or revoked token");
  }
  const caller = callerOf(credential);
  const cells = holdToRow(rule, caller);
  // Only agents and vault sessions have a gate to admit them: a row that let anyone else through
  // still could not proxy for them (no vault role to hold there, no budget to take).
  if (credential.kind !== "actor") throw refusalOf(rule, caller);
  const vaultName = c.req.header("X-Vault") ?? null;
  const { actor, hash } = credential;
  const gate = actorGate(c.env, actor.root);
  const released = takeReleases(gateName(actor.root));
  const admission = await gate.admit(actor, hash, vaultName, cells, request, released).catch((error: unknown) => {
    // The slots it carried may not have been freed: hand them back on their own (idempotent).
    if (released.length > 0) c.executionCtx.waitUntil(gate.release(released).catch(() => undefined));
    throw error;
  });
  if (admission.ok) return admission;
  switch (admission.code) {
    case "unauthorized":
      throw unauthorized("Invalid, expired or revoked token");
    case "forbidden":
      throw refusalOf(rule, admission.column);
    case "vault_required":
      throw badRequest("vault_required", "Agent tokens must name the vault: send the X-Vault header");
    case "vault_not_found":
      throw notFound(`Vault "${vaultName ?? ""}"`);
    case "no_grant":
      throw vaultRefusal(vaultName ?? "", { ok: false, why: "no_role" });
    case "role_too_low":
      throw vaultRefusal(vaultName ?? "", { ok: false, why: "too_low", needed: admission.needed, role: admission.role });
    case "rate_limited":
    case "too_many_in_flight":
      // Counted by the gate and logged as one row per actor and reason (Agent Vault #381), not one per refusal.
      throw errors.tooManyRequests(admission.retryAfterSeconds, admission.limit, admission.remaining, admission.code);
  }
}

/** Refuses methods the proxy does not forward, before any credential is near. */
export function requireProxiedMethod(method: string): void {
  if (!isProxiedMethod(method)) {
    throw new AppError(405, "method_not_allowed", `The proxy forwards ${PROXIED_METHODS.join(", ")}`, { headers: { Allow: PROXIED_METHODS.join(", ") } });
  }
}
