/** Reaching an actor's Durable Object from the Worker: by the public id inside the token. */
import type { ActorKey } from "../db/actor-state.queries.ts";
import type { Env } from "../env.ts";
import type { ParsedToken } from "../lib/tokens.ts";

/** Agent ids are `agt_<publicId>`, session ids `ses_<publicId>`: the token names its actor. */
export const AGENT_ID_PREFIX = "agt";
export const SESSION_ID_PREFIX = "ses";

export function actorKeyOf(parsed: ParsedToken): ActorKey | undefined {
  if (parsed.kind === "agent") return { kind: "agent", id: `${AGENT_ID_PREFIX}_${parsed.publicId}` };
  if (parsed.kind === "vaultSession") return { kind: "vault_session", id: `${SESSION_ID_PREFIX}_${parsed.publicId}` };
  return undefined;
}

/** The public id a token for this actor carries. */
export function publicIdOf(actorId: string): string {
  return actorId.slice(actorId.indexOf("_") + 1);
}

export function actorGate(env: Env, key: ActorKey) {
  return env.ACTOR_GATE.getByName(`${key.kind}:${key.id}`);
}

/** Call after any D1 change to an actor's token, status, role or grants. */
export async function invalidateActor(env: Env, key: ActorKey): Promise<void> {
  await actorGate(env, key).invalidate();
}
