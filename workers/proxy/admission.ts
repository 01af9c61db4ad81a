/**
 * Admission to the proxy: which methods it forwards, and the one Durable Object round trip that
 * decides whether a request goes on — token, role in the vault, budget (durable-objects/
 * actor-gate.ts `admit`). Every refusal becomes the seeds' error.
 */
import type { Context } from "hono";
import type { GateAdmission, RequestLine } from "../../durable-objects/actor-gate.ts";
import type { AppEnv } from "../app-env.ts";
import { actorGate, gateName, presentedActorOf } from "../auth/actor-gate-client.ts";
import { presentedToken } from "../auth/bearer.ts";
import { readToken } from "../auth/token-signer.ts";
import { AppError, badRequest, forbidden, notFound, unauthorized } from "../lib/app-error.ts";
import { sha256Hex } from "../lib/tokens.ts";
import { takeReleases } from "./lease-releases.ts";
import * as errors from "./proxy-errors.ts";

export type Admitted = Extract<GateAdmission, { ok: true }>;

/**
 * The methods the proxy forwards. Others are refused before a credential is injected: TRACE
 * would have an upstream echo the injected header back to the agent, and WebDAV-style methods
 * reach handlers the service's owner never meant to expose.
 */
export const PROXIED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/**
 * The one Durable Object round trip, carrying the slots of this caller's requests that finished
 * since (lease-releases.ts); every refusal becomes the seed's error. A token the edge
 * cannot read (or whose public id is forged) is 401 before any Durable Object or D1 is touched;
 * a genuine token of a kind that cannot proxy (a person's, an API key) is 403.
 */
export async function admitRequest(c: Context<AppEnv>, request: RequestLine): Promise<Admitted> {
  const presented = presentedToken(c);
  if (!presented || presented.viaCookie) throw unauthorized();
  const parsed = await readToken(c.env, presented.token);
  if (!parsed) throw unauthorized("Invalid, expired or revoked token");
  const actor = presentedActorOf(parsed);
  // Invite, registration and approval tokens are not credentials at all.
  if (!actor && parsed.kind !== "userSession" && parsed.kind !== "companyKey") throw unauthorized("This token does not authenticate requests");
  if (!actor) {
    throw forbidden("The proxy takes an agent token or a vault session token (POST /v1/sessions, or `edgevault vault run`)", "agent_token_required");
  }
  const vaultName = c.req.header("X-Vault") ?? null;
  const tokenHash = await sha256Hex(presented.token);
  const gate = actorGate(c.env, actor.root);
  const released = takeReleases(gateName(actor.root));
  const admission = await gate.admit(actor, tokenHash, vaultName, request, released).catch((error: unknown) => {
    // The slots it carried may not have been freed: hand them back on their own (idempotent).
    if (released.length > 0) c.executionCtx.waitUntil(gate.release(released).catch(() => undefined));
    throw error;
  });
  if (admission.ok) return admission;
  switch (admission.code) {
    case "unauthorized":
      throw unauthorized("Invalid, expired or revoked token");
    case "vault_required":
      throw badRequest("vault_required", "Agent tokens must name the vault: send the X-Vault header");
    case "vault_not_found":
      throw notFound(`Vault "${vaultName ?? ""}"`);
    case "no_grant":
      throw forbidden(`No access to vault "${vaultName ?? ""}"`);
    case "rate_limited":
    case "too_many_in_flight":
      // Counted by the gate and logged as one row per actor and reason (Agent Vault #381), not one per refusal.
      throw errors.tooManyRequests(admission.retryAfterSeconds, admission.limit, admission.remaining, admission.code);
  }
}

/** Refuses methods the proxy does not forward, before any credential is near. */
export function requireProxiedMethod(method: string): void {
  if (!(PROXIED_METHODS as readonly string[]).includes(method)) {
    throw new AppError(405, "method_not_allowed", `The proxy forwards ${PROXIED_METHODS.join(", ")}`, { headers: { Allow: PROXIED_METHODS.join(", ") } });
  }
}
