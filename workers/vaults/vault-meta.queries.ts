/** The little a gate needs to know about a vault: its id and rate-limit override. */
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { vaults, type RateLimitOverride } from "../db/schema.ts";

export type VaultMeta = { id: string; name: string; rateLimit: RateLimitOverride | null };

export async function loadVaultMeta(db: Database, companyId: string, by: { name: string } | { id: string }): Promise<VaultMeta | null> {
  const match = "name" in by ? eq(vaults.name, by.name) : eq(vaults.id, by.id);
  const row = await db
    .select({ id: vaults.id, name: vaults.name, rateLimit: vaults.rateLimit })
    .from(vaults)
    .where(and(eq(vaults.companyId, companyId), match))
    .get();
  return row ?? null;
}
