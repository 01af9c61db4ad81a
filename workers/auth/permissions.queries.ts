/** The one D1 read behind a vault role: a person's (or an agent's, when its gate did not say) grant row. */
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { vaultMembers, type VaultRole } from "../db/schema.ts";

/** The role a grant gives this user or agent in the vault, or undefined without one. */
export async function grantedVaultRole(db: Database, vaultId: string, principalType: "user" | "agent", principalId: string): Promise<VaultRole | undefined> {
  const row = await db
    .select({ role: vaultMembers.role })
    .from(vaultMembers)
    .where(and(eq(vaultMembers.vaultId, vaultId), eq(vaultMembers.principalType, principalType), eq(vaultMembers.principalId, principalId)))
    .get();
  return row?.role;
}
