/**
 * Reaching an actor's Durable Object from the Worker, by the public id inside its token.
 *
 * One ActorGate per *root principal* (an agent, a user or an API key): a vault session is
 * admitted by the gate of the principal that minted it, so it shares that principal's budget, and
 * one invalidation of the root ends every session it minted on the very next request. A session
 * token therefore names both: its body is `<session hex><root letter><root id body>`.
 */
import type { Env } from "../env.ts";
import type { ParsedToken } from "../lib/crypto/tokens.ts";

export const AGENT_ID_PREFIX = "agt";
export const SESSION_ID_PREFIX = "ses";
export const USER_ID_PREFIX = "usr";
export const API_KEY_ID_PREFIX = "key";

export type { RootKey, RootType } from "../lib/principal.ts";
import type { RootKey, RootType } from "../lib/principal.ts";
import type { PresentedActor } from "../../durable-objects/actor-gate.rpc.ts";

export type { PresentedActor } from "../../durable-objects/actor-gate.rpc.ts";

const ROOT_LETTERS: Record<RootType, { letter: string; prefix: string }> = {
  agent: { letter: "a", prefix: AGENT_ID_PREFIX },
  user: { letter: "u", prefix: USER_ID_PREFIX },
  company_key: { letter: "k", prefix: API_KEY_ID_PREFIX },
};
/** Session ids are `ses_<18 hex>` (lib/crypto/tokens.ts newId). */
const SESSION_BODY_LENGTH = 18;

const bodyOf = (id: string, prefix: string) => (id.startsWith(`${prefix}_`) ? id.slice(prefix.length + 1) : undefined);

/** The token body of an agent token: the agent id without its prefix. */
export function agentTokenBody(agentId: string): string {
  const body = bodyOf(agentId, AGENT_ID_PREFIX);
  if (!body || !/^[A-Za-z0-9]+$/.test(body)) throw new Error(`not an agent id: ${agentId}`);
  return body;
}

/** The token body of a session token: the session and the root that minted it. */
export function sessionTokenBody(sessionId: string, root: RootKey): string {
  const session = bodyOf(sessionId, SESSION_ID_PREFIX);
  const { letter, prefix } = ROOT_LETTERS[root.type];
  const rootBody = bodyOf(root.id, prefix);
  if (session?.length !== SESSION_BODY_LENGTH || !rootBody || !/^[A-Za-z0-9]+$/.test(rootBody + session)) {
    throw new Error(`cannot route a session of ${root.type} ${root.id}`);
  }
  return `${session}${letter}${rootBody}`;
}

/** The actor a (genuinely tagged) agent or session token presents; undefined for other kinds. */
export function presentedActorOf(parsed: ParsedToken): PresentedActor | undefined {
  if (parsed.kind === "agent") return { root: { type: "agent", id: `${AGENT_ID_PREFIX}_${parsed.body}` } };
  if (parsed.kind !== "vaultSession") return undefined;
  const letter = parsed.body.charAt(SESSION_BODY_LENGTH);
  const rootType = (Object.keys(ROOT_LETTERS) as RootType[]).find((t) => ROOT_LETTERS[t].letter === letter);
  const rootBody = parsed.body.slice(SESSION_BODY_LENGTH + 1);
  if (!rootType || !rootBody) return undefined;
  return {
    root: { type: rootType, id: `${ROOT_LETTERS[rootType].prefix}_${rootBody}` },
    sessionId: `${SESSION_ID_PREFIX}_${parsed.body.slice(0, SESSION_BODY_LENGTH)}`,
  };
}

let lookups = 0;

/** How many times the Worker has addressed a gate: a test hook, as db/query-counter.ts is for D1. */
export function gateLookupCount(): number {
  return lookups;
}

/** The gate's name: one Durable Object per root principal. */
export function gateName(root: RootKey): string {
  return `${root.type}:${root.id}`;
}

export function actorGate(env: Env, root: RootKey) {
  lookups += 1;
  return env.ACTOR_GATE.getByName(gateName(root));
}
