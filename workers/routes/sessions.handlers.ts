/** Vault sessions: mint, list, revoke. Revocation invalidates the session's gate at once. */
import { and, desc, eq, gt, isNull } from "drizzle-orm";
import { invalidateActor, SESSION_ID_PREFIX, publicIdOf } from "../auth/actor-gate-client.ts";
import { requireVaultRole, vaultRoleOf } from "../auth/permissions.ts";
import { auditStatement } from "../db/audit.queries.ts";
import { vaults, vaultSessions, type SESSION_MINTERS } from "../db/schema.ts";
import { forbidden, notFound } from "../lib/app-error.ts";
import { iso } from "../lib/openapi.ts";
import { roleAtLeast, type Principal } from "../lib/principal.ts";
import { createRouter } from "../lib/router.ts";
import { issueToken, newId } from "../lib/tokens.ts";
import { authenticate } from "../middleware/authenticate.ts";
import * as routes from "./sessions.routes.ts";

function minterOf(principal: Principal): { type: (typeof SESSION_MINTERS)[number]; id: string } {
  if (principal.kind === "vault_session") throw forbidden("A session cannot mint sessions");
  return { type: principal.kind, id: principal.id };
}

export const sessionsRouter = createRouter();
sessionsRouter.use("/v1/sessions", authenticate);
sessionsRouter.use("/v1/sessions/*", authenticate);

sessionsRouter
  .openapi(routes.createSession, async (c) => {
    const principal = c.var.principal;
    const minter = minterOf(principal);
    const body = c.req.valid("json");
    const db = c.var.db;
    const { vault } = await requireVaultRole(db, principal, body.vault, "member");
    const now = Date.now();
    const id = newId(SESSION_ID_PREFIX);
    const issued = await issueToken("vaultSession", publicIdOf(id));
    const expiresAt = now + body.ttl_seconds * 1000;
    await db.batch([
      db.insert(vaultSessions).values({
        id,
        companyId: principal.companyId,
        vaultId: vault.id,
        principalType: minter.type,
        principalId: minter.id,
        label: body.label,
        tokenHash: issued.hash,
        createdAt: now,
        expiresAt,
      }),
      auditStatement(db, principal, { action: "session.create", targetType: "vault", targetId: vault.id, detail: { session: id, vault: vault.name, ttl_seconds: body.ttl_seconds } }),
    ]);
    return c.json({ id, token: issued.token, expires_at: iso(expiresAt) ?? "", addr: new URL(c.req.url).origin, vault: vault.name }, 201);
  })
  .openapi(routes.listSessions, async (c) => {
    const principal = c.var.principal;
    const db = c.var.db;
    const { vault, role } = await requireVaultRole(db, principal, c.req.valid("query").vault, "proxy");
    const mine = principal.kind === "vault_session" ? eq(vaultSessions.id, principal.id) : eq(vaultSessions.principalId, principal.id);
    const rows = await db
      .select()
      .from(vaultSessions)
      .where(and(eq(vaultSessions.vaultId, vault.id), isNull(vaultSessions.revokedAt), gt(vaultSessions.expiresAt, Date.now()), roleAtLeast(role, "admin") ? undefined : mine))
      .orderBy(desc(vaultSessions.createdAt))
      .all();
    const sessions = rows.map((s) => ({
      id: s.id,
      vault: vault.name,
      label: s.label,
      minted_by: { type: s.principalType, id: s.principalId },
      created_at: iso(s.createdAt) ?? "",
      expires_at: iso(s.expiresAt) ?? "",
    }));
    return c.json({ sessions }, 200);
  })
  .openapi(routes.revokeSession, async (c) => {
    const principal = c.var.principal;
    const db = c.var.db;
    const { id } = c.req.valid("param");
    const session = await db
      .select({ session: vaultSessions, vault: vaults })
      .from(vaultSessions)
      .innerJoin(vaults, eq(vaults.id, vaultSessions.vaultId))
      .where(and(eq(vaultSessions.id, id), eq(vaultSessions.companyId, principal.companyId), isNull(vaultSessions.revokedAt)))
      .get();
    if (!session) throw notFound("Session");
    const own = session.session.principalId === principal.id || (principal.kind === "vault_session" && principal.id === id);
    if (!own && !roleAtLeast(await vaultRoleOf(db, principal, session.vault), "admin")) throw notFound("Session");
    await db.batch([
      db.update(vaultSessions).set({ revokedAt: Date.now() }).where(eq(vaultSessions.id, id)),
      auditStatement(db, principal, { action: "session.revoke", targetType: "vault", targetId: session.vault.id, detail: { session: id } }),
    ]);
    await invalidateActor(c.env, { kind: "vault_session", id });
    return c.json({ revoked: id }, 200);
  });
