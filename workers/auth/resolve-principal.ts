/**
 * Trust boundary: turns a presented token into a Principal, or undefined.
 *
 * The token is read first (auth/credential.ts: a forged public id stops there, before any Durable
 * Object or D1 read). Agent and vault-session tokens are then checked by their root principal's
 * ActorGate (no D1 once warm); user sessions and API keys are looked up by the SHA-256 of the
 * whole token and the digest compared again in constant time.
 */
import type { Database } from "../db/client.ts";
import type { Env } from "../env.ts";
import type { Principal } from "../lib/principal.ts";
import { digestsEqual } from "../lib/crypto/tokens.ts";
import { actorGate, type PresentedActor } from "./actor-gate-client.ts";
import { type Credential, readCredential } from "./credential.ts";
import { findLiveApiKey, findLiveUserSession } from "./resolve-principal.queries.ts";

export async function resolvePrincipal(db: Database, env: Env, token: string, viaCookie: boolean, now = Date.now()): Promise<Principal | undefined> {
  const credential = await readCredential(env, { token, viaCookie });
  return credential && credential !== "not_a_credential" ? resolveCredential(db, env, credential, now) : undefined;
}

/** The principal a credential stands for now, or undefined (unknown, revoked, expired, disabled). */
export async function resolveCredential(db: Database, env: Env, credential: Credential, now = Date.now()): Promise<Principal | undefined> {
  switch (credential.kind) {
    case "user_session":
      return resolveUserSession(db, credential.hash, credential.viaCookie, now);
    case "company_key":
      return resolveCompanyKey(db, credential.hash);
    case "actor":
      return resolveActor(env, credential.actor, credential.hash);
  }
}

/** Agents and vault sessions: their root principal's Durable Object is the authority. */
export async function resolveActor(env: Env, actor: PresentedActor, hash: string): Promise<Principal | undefined> {
  const result = await actorGate(env, actor.root).authenticate(actor, hash);
  if (!result.ok) return undefined;
  const identity = result.identity;
  if (identity.kind === "agent") {
    return {
      kind: "agent",
      companyId: identity.companyId,
      id: identity.id,
      tokenId: identity.tokenId,
      companyRole: identity.companyRole,
      name: identity.name,
      grants: identity.grants,
    };
  }
  return {
    kind: "vault_session",
    companyId: identity.companyId,
    id: identity.id,
    vaultId: identity.vaultId,
    companyRole: "member",
    role: identity.role,
    mintedBy: identity.mintedBy,
  };
}

async function resolveCompanyKey(db: Database, hash: string): Promise<Principal | undefined> {
  const row = await findLiveApiKey(db, hash);
  if (!row || !digestsEqual(row.tokenHash, hash)) return undefined;
  return { kind: "company_key", companyId: row.companyId, id: row.id, companyRole: "owner" };
}

async function resolveUserSession(db: Database, hash: string, viaCookie: boolean, now: number): Promise<Principal | undefined> {
  const row = await findLiveUserSession(db, hash);
  if (!row || !digestsEqual(row.tokenHash, hash)) return undefined;
  if (row.expiresAt <= now || row.status !== "active") return undefined;
  // A cookie session token is not accepted as a bearer token and vice versa.
  if ((row.kind === "cookie") !== viaCookie) return undefined;
  return {
    kind: "user",
    companyId: row.companyId,
    id: row.userId,
    sessionId: row.sessionId,
    sessionExpiresAt: row.expiresAt,
    companyRole: row.role,
    email: row.email,
    viaCookie,
  };
}
