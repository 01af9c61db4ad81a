/** Agents granted a role in a vault. Grant writes are shared with people's: vaults/grants.queries.ts. */
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { agents, vaultMembers } from "../db/schema.ts";

export async function listVaultAgents(db: Database, vaultId: string) {
  return db
    .select({ agent: agents.name, role: vaultMembers.role, status: agents.status })
    .from(vaultMembers)
    .innerJoin(agents, eq(agents.id, vaultMembers.principalId))
    .where(and(eq(vaultMembers.vaultId, vaultId), eq(vaultMembers.principalType, "agent")))
    .orderBy(agents.name)
    .all();
}
