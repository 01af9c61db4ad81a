/**
 * The token broker's D1 reads and writes (durable-objects/oauth-tokens.ts): the sealed credentials
 * a grant needs, a rotated refresh token stored over the one it replaces, and the audit row of a
 * provider's refusal. These record what a provider did, not what a person decided, so they skip
 * `commit` (docs/architecture.md, "Writes that skip commit"); every one names its company and vault.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "../workers/db/client.ts";
import { auditLog, credentials } from "../workers/db/schema.ts";

/** The edge itself, as the actor of what no person did. */
const EDGE_ACTOR = { actorType: "edge", actorId: "edge" } as const;
/** Who last wrote a refresh token the provider rotated (`credentials.updated_by`). */
export const ROTATION_WRITER = "edge:oauth-rotation";

/** The sealed values of `keys` in the vault, by key (absent: not stored). */
export async function sealedCredentialsOf(db: Database, companyId: string, vaultId: string, keys: readonly string[]): Promise<Map<string, string>> {
  const rows = await db
    .select({ key: credentials.key, ciphertext: credentials.ciphertext })
    .from(credentials)
    .where(and(eq(credentials.companyId, companyId), eq(credentials.vaultId, vaultId), inArray(credentials.key, [...keys])))
    .all();
  return new Map(rows.map((r) => [r.key, r.ciphertext]));
}

/**
 * Stores the refresh token a provider rotated to (`sealed`, bound to its key like any credential)
 * over the one it was obtained with (`replaces`), and only over that one: if a person stored
 * another meanwhile (a reconnect), theirs stands and this answers false.
 */
export async function storeRotatedRefreshToken(
  db: Database,
  where: { companyId: string; vaultId: string; key: string },
  sealed: string,
  replaces: string,
  now: number,
): Promise<boolean> {
  const updated = await db
    .update(credentials)
    .set({ ciphertext: sealed, updatedAt: now, updatedBy: ROTATION_WRITER })
    .where(
      and(
        eq(credentials.companyId, where.companyId),
        eq(credentials.vaultId, where.vaultId),
        eq(credentials.key, where.key),
        eq(credentials.ciphertext, replaces),
      ),
    )
    .returning({ key: credentials.key });
  return updated.length === 1;
}

/**
 * `oauth.refresh_denied`: the provider refused a service's grant or client (its error code, never
 * a token or a secret). Written once when the refusals start, not for every request refused after.
 */
export async function recordRefreshDenied(
  db: Database,
  companyId: string,
  detail: { vault: string; vaultId: string; service: string; error: string; retry_at: string },
  now: number,
): Promise<void> {
  await db
    .insert(auditLog)
    .values({ companyId, ...EDGE_ACTOR, action: "oauth.refresh_denied", targetType: "vault", targetId: detail.vaultId, detail, createdAt: now });
}
