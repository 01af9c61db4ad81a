/**
 * A principal by its id, as it stands now: what an invite's creator is today, to decide whether
 * the invite may still be used (auth/invite-backing.ts). Undefined when it is gone or inactive.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Principal } from "../lib/principal.ts";
import type { Database } from "./client.ts";
import { agents, apiKeys, users } from "./schema.ts";

export async function currentPrincipal(db: Database, companyId: string, id: string): Promise<Principal | undefined> {
  if (id.startsWith("usr_")) {
    const user = await db
      .select()
      .from(users)
      .where(and(eq(users.id, id), eq(users.companyId, companyId), eq(users.status, "active")))
      .get();
    return user ? { kind: "user", companyId, id, sessionId: "", sessionExpiresAt: 0, companyRole: user.role, email: user.email, viaCookie: false } : undefined;
  }
  if (id.startsWith("agt_")) {
    const agent = await db
      .select()
      .from(agents)
      .where(and(eq(agents.id, id), eq(agents.companyId, companyId), eq(agents.status, "active")))
      .get();
    return agent ? { kind: "agent", companyId, id, tokenId: "", companyRole: agent.role, name: agent.name } : undefined;
  }
  if (id.startsWith("key_")) {
    const key = await db
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(and(eq(apiKeys.id, id), eq(apiKeys.companyId, companyId), isNull(apiKeys.revokedAt)))
      .get();
    return key ? { kind: "company_key", companyId, id, companyRole: "owner" } : undefined;
  }
  return undefined;
}
