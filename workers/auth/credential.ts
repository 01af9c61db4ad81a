/**
 * Trust boundary: what a presented token is, before anyone looks it up. A token shaped like ours
 * must carry a genuine public-id tag (auth/token-signer.ts) or it is nothing, so a forged one
 * costs no Durable Object and no D1 read. Its kind then says where it is checked: an agent or a
 * vault session by its root's ActorGate, a person's session or an API key in D1
 * (resolve-principal.ts), and which columns of the permission table it may sit in, so the
 * proxy can refuse a person or a key before either lookup.
 */
import { configOf } from "../config.ts";
import type { Env } from "../env.ts";
import { parseToken, sha256Hex } from "../lib/crypto/tokens.ts";
import type { PresentedActor } from "./actor-gate-client.ts";
import { presentedActorOf } from "./actor-gate-client.ts";
import type { PresentedToken } from "./bearer.ts";
import type { Caller } from "./hold-to-row.ts";
import { readTokenAndHash } from "./token-signer.ts";

/** `hash`: the SHA-256 of the whole token, which is all the edge stores of it. */
export type Credential =
  | { kind: "user_session"; hash: string; viaCookie: boolean }
  /** `anyString`: only in local dev, any string that is not one of our tokens may be an API key (`$EDGEVAULT_DEV_OWNER_KEY`). */
  | { kind: "company_key"; hash: string; anyString: boolean }
  | { kind: "actor"; hash: string; actor: PresentedActor };

/**
 * The credential a token presents; `not_a_credential` for a genuine token that authenticates
 * nothing (an invite, a registration claim, an approval token); undefined for anything else: not
 * ours, a forged tag, or a cookie holding what only a header may carry.
 */
export async function readCredential(env: Env, presented: PresentedToken): Promise<Credential | "not_a_credential" | undefined> {
  const { token, viaCookie } = presented;
  const read = await readTokenAndHash(env, token);
  if (!read) {
    const anyString = configOf(env).environment === "dev" && !viaCookie && parseToken(token) === undefined;
    return anyString ? { kind: "company_key", hash: await sha256Hex(token), anyString } : undefined;
  }
  const { parsed, hash } = read;
  if (parsed.kind === "userSession") return { kind: "user_session", hash, viaCookie };
  if (viaCookie) return undefined; // only user sessions live in cookies
  if (parsed.kind === "companyKey") return { kind: "company_key", hash, anyString: false };
  const actor = presentedActorOf(parsed);
  return actor ? { kind: "actor", hash, actor } : "not_a_credential";
}

/** The table's view of a credential not yet resolved: which kind of caller, company role unknown. */
export function callerOf(credential: Credential): Caller {
  if (credential.kind === "user_session") return { kind: "user" };
  if (credential.kind === "company_key") return { kind: "company_key" };
  return credential.actor.sessionId ? { kind: "vault_session" } : { kind: "agent" };
}
