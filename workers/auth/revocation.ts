/**
 * After D1 holds a change to who may do what, the root principals it touches must re-read their
 * state: their ActorGate drops its cache, and the very next request of the root, or of any
 * session it minted, sees the change on every isolate (one gate per root, wherever it runs).
 * The sessions the change ended are already revoked in D1 by then (written in its own batch:
 * db/ended-sessions.ts), so what the gate re-reads is final: restoring the root revives none.
 */
import type { Env } from "../env.ts";
import { actorGate, type RootKey } from "./actor-gate-client.ts";

export const agentRoot = (id: string): RootKey => ({ type: "agent", id });
export const userRoot = (id: string): RootKey => ({ type: "user", id });
export const apiKeyRoot = (id: string): RootKey => ({ type: "company_key", id });

export async function invalidateRoots(env: Env, roots: readonly RootKey[]): Promise<void> {
  const unique = new Map(roots.map((root) => [`${root.type}:${root.id}`, root]));
  await Promise.all([...unique.values()].map((root) => actorGate(env, root).invalidate()));
}
