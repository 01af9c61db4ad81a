/** What token exchange reads of an agent: whether it is active, since when, and what it may do. */
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { agents } from "../db/schema.ts";

/** The company's active agent of that name, if any (SVIDs name agents by name). */
export async function findActiveAgentByName(db: Database, companyId: string, name: string) {
  return db
    .select({ id: agents.id, status: agents.status, capabilities: agents.capabilities, registeredAt: agents.registeredAt })
    .from(agents)
    .where(and(eq(agents.companyId, companyId), eq(agents.name, name), eq(agents.status, "active")))
    .get();
}
