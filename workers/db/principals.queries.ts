/**
 * Principals as they stand now: by id, what an invite's creator is today (auth/invite-backing.ts);
 * and who a caller is in a reviewer's words (`principalRefOf`), never in words the caller chose.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Principal, RootKey } from "../lib/principal.ts";
import type { PrincipalRef } from "../proposals/proposals.contract.ts";
import type { Database } from "./client.ts";
import { agents, apiKeys, users, vaultSessions } from "./schema.ts";

/** An agent's name, a person's e-mail, an API key's label; the id when it is gone (or the dev key). */
async function nameOf(db: Database, companyId: string, root: RootKey): Promise<string> {
  const found =
    root.type === "agent"
      ? await db
          .select({ name: agents.name })
          .from(agents)
          .where(and(eq(agents.id, root.id), eq(agents.companyId, companyId)))
          .get()
      : root.type === "user"
        ? await db
            .select({ name: users.email })
            .from(users)
            .where(and(eq(users.id, root.id), eq(users.companyId, companyId)))
            .get()
        : await db
            .select({ name: apiKeys.label })
            .from(apiKeys)
            .where(and(eq(apiKeys.id, root.id), eq(apiKeys.companyId, companyId)))
            .get();
  return found?.name ?? root.id;
}

/**
 * Who the caller really is: a vault session is its minter, with the session (and the label the
 * minter gave it) in `via`, so a label such as "Demo Owner (company owner)" never stands in for
 * the principal behind it.
 */
export async function principalRefOf(db: Database, principal: Principal): Promise<PrincipalRef> {
  if (principal.kind === "agent") return { kind: "agent", id: principal.id, name: principal.name };
  if (principal.kind === "user") return { kind: "user", id: principal.id, name: principal.email };
  if (principal.kind === "company_key")
    return { kind: "company_key", id: principal.id, name: await nameOf(db, principal.companyId, { type: "company_key", id: principal.id }) };
  const [session, name] = await Promise.all([
    db
      .select({ label: vaultSessions.label })
      .from(vaultSessions)
      .where(and(eq(vaultSessions.id, principal.id), eq(vaultSessions.companyId, principal.companyId)))
      .get(),
    nameOf(db, principal.companyId, principal.mintedBy),
  ]);
  return { kind: principal.mintedBy.type, id: principal.mintedBy.id, name, via: { kind: "vault_session", id: principal.id, label: session?.label ?? "" } };
}

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
