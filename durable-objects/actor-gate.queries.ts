/**
 * What an ActorGate Durable Object caches about its root principal (an agent, a user or an API
 * key) and the vault sessions that principal minted. Loaded from D1 only when the object is cold
 * or was invalidated by a management change, so the very next request after any change re-reads D1.
 */
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { RootKey } from "../workers/db/change.ts";
import type { CompanyRole } from "../workers/lib/principal.ts";
import type { Database } from "../workers/db/client.ts";
import {
  agents,
  agentTokens,
  apiKeys,
  users,
  userSessions,
  vaultMembers,
  vaultSessions,
  type RateLimitOverride,
  type VaultRole,
} from "../workers/db/schema.ts";

export type RootState = {
  key: RootKey;
  companyId: string;
  companyRole: CompanyRole;
  /** Agent name, user e-mail or API key label. */
  name: string;
  /** Agents only: the one unrevoked token (its id binds the sessions it minted). */
  token: { id: string; hash: string } | null;
  /** Vault id → role, from grants. Company owners (and API keys) are admins of every vault. */
  grants: Record<string, VaultRole>;
  rateLimit: RateLimitOverride | null;
  /** Agents only: when D1 last recorded it as seen (the gate writes it at most once a minute). */
  lastSeenAt: number | null;
};

export type SessionState = { id: string; tokenHash: string; vaultId: string; label: string; expiresAt: number };

/** The root's current state, or undefined when it no longer exists or is not active. */
export async function loadRootState(db: Database, key: RootKey): Promise<RootState | undefined> {
  if (key.type === "agent") return loadAgent(db, key);
  if (key.type === "user") return loadUser(db, key);
  return loadApiKey(db, key);
}

/**
 * The principal's grants, read in the same D1 round trip as its row (`db.batch`): the join to the
 * principal's own row keeps them to its company without waiting for that row first.
 */
function grantsQuery(db: Database, principalType: "agent" | "user", id: string) {
  const principal = principalType === "agent" ? agents : users;
  return db
    .select({ vaultId: vaultMembers.vaultId, role: vaultMembers.role })
    .from(vaultMembers)
    .innerJoin(principal, and(eq(principal.id, vaultMembers.principalId), eq(principal.companyId, vaultMembers.companyId)))
    .where(and(eq(vaultMembers.principalType, principalType), eq(vaultMembers.principalId, id)));
}

const grantsOf = (rows: readonly { vaultId: string; role: VaultRole }[]): Record<string, VaultRole> => Object.fromEntries(rows.map((g) => [g.vaultId, g.role]));

/**
 * A cold gate's one D1 round trip for an agent: its row, its unrevoked token and its grants.
 * Separate statements rather than a join: drizzle maps a batched join's rows by column name, and
 * `agents.id` and `agent_tokens.id` would collide.
 */
async function loadAgent(db: Database, key: RootKey): Promise<RootState | undefined> {
  const [rows, tokens, grants] = await db.batch([
    db.select().from(agents).where(eq(agents.id, key.id)).limit(1),
    db
      .select({ id: agentTokens.id, hash: agentTokens.tokenHash })
      .from(agentTokens)
      .where(and(eq(agentTokens.agentId, key.id), isNull(agentTokens.revokedAt)))
      .limit(1),
    grantsQuery(db, "agent", key.id),
  ]);
  const agent = rows[0];
  if (agent?.status !== "active") return undefined;
  return {
    key,
    companyId: agent.companyId,
    companyRole: agent.role,
    name: agent.name,
    token: tokens[0] ?? null,
    grants: grantsOf(grants),
    rateLimit: agent.rateLimit ?? null,
    lastSeenAt: agent.lastSeenAt ?? null,
  };
}

async function loadUser(db: Database, key: RootKey): Promise<RootState | undefined> {
  const [rows, grants] = await db.batch([db.select().from(users).where(eq(users.id, key.id)).limit(1), grantsQuery(db, "user", key.id)]);
  const user = rows[0];
  if (user?.status !== "active") return undefined;
  return { key, companyId: user.companyId, companyRole: user.role, name: user.email, token: null, grants: grantsOf(grants), rateLimit: null, lastSeenAt: null };
}

async function loadApiKey(db: Database, key: RootKey): Promise<RootState | undefined> {
  const row = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, key.id), isNull(apiKeys.revokedAt)))
    .get();
  if (!row) return undefined;
  return { key, companyId: row.companyId, companyRole: "owner", name: row.label, token: null, grants: {}, rateLimit: null, lastSeenAt: null };
}

/**
 * A session of this root that is still valid: not revoked or expired, and minted with a credential
 * of the root that still works (the agent's current token, an unrevoked sign-in, the key itself).
 */
export async function loadSessionState(db: Database, root: RootState, sessionId: string, now: number): Promise<SessionState | undefined> {
  const session = await db
    .select()
    .from(vaultSessions)
    .where(
      and(
        eq(vaultSessions.id, sessionId),
        eq(vaultSessions.principalType, root.key.type),
        eq(vaultSessions.principalId, root.key.id),
        isNull(vaultSessions.revokedAt),
        gt(vaultSessions.expiresAt, now),
      ),
    )
    .get();
  if (!session?.mintedWith || !(await mintingCredentialAlive(db, root, session.mintedWith, now))) return undefined;
  return { id: session.id, tokenHash: session.tokenHash, vaultId: session.vaultId, label: session.label, expiresAt: session.expiresAt };
}

async function mintingCredentialAlive(db: Database, root: RootState, mintedWith: string, now: number): Promise<boolean> {
  if (root.key.type === "agent") return root.token?.id === mintedWith;
  if (root.key.type === "company_key") return root.key.id === mintedWith;
  const signIn = await db
    .select({ id: userSessions.id })
    .from(userSessions)
    .where(and(eq(userSessions.id, mintedWith), eq(userSessions.userId, root.key.id), isNull(userSessions.revokedAt), gt(userSessions.expiresAt, now)))
    .get();
  return signIn !== undefined;
}

/**
 * Many agents' last-seen moments in one statement (agent id → ms), none moved back (a channel's
 * presence may have written a later one). One bound JSON object, so any number of agents fits
 * D1's limit of 100 bound parameters.
 */
export async function writeLastSeen(db: Database, moments: ReadonlyMap<string, number>): Promise<void> {
  const json = JSON.stringify(Object.fromEntries(moments));
  await db
    .update(agents)
    .set({ lastSeenAt: sql`max(coalesce(${agents.lastSeenAt}, 0), (SELECT value FROM json_each(${json}) WHERE key = ${agents.id}))` })
    .where(sql`${agents.id} IN (SELECT key FROM json_each(${json}))`);
}

/**
 * An agent's presence, from its open channels: `onlineUntil` is a lease end while one is open, null
 * once none is. A connected agent counts as seen, so last-seen moves with every renewal.
 */
export async function writePresence(db: Database, agentId: string, onlineUntil: number | null, at: number): Promise<void> {
  await db.update(agents).set({ onlineUntil, lastSeenAt: at }).where(eq(agents.id, agentId));
}
