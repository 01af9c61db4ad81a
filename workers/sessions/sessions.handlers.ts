/**
 * Vault sessions: mint, list, revoke. A session is bound to its minter and to the credential the
 * minter used (auth/actor-gate-client.ts): its minter's gate admits it, so revocation acts at once.
 */
import { authorizeVault } from "../auth/gate.ts";
import { and, desc, eq, gt, isNull } from "drizzle-orm";
import { SESSION_ID_PREFIX, sessionTokenBody, type RootKey } from "../auth/actor-gate-client.ts";
import { invalidateRoots } from "../auth/revocation.ts";
import { minterFor } from "../auth/token-signer.ts";
import { vaultRoleOf } from "../auth/permissions.ts";
import { auditStatement } from "../db/audit.ts";
import { vaults, vaultSessions } from "../db/schema.ts";
import { forbidden, notFound } from "../lib/app-error.ts";
import { iso } from "../lib/openapi.ts";
import { mintingCredentialOf, roleAtLeast, rootOf } from "../lib/principal.ts";
import { createRouter } from "../lib/router.ts";
import { newId } from "../lib/tokens.ts";
import * as routes from "./sessions.routes.ts";


export const sessionsRouter = createRouter();

sessionsRouter
  .openapi(routes.createSession, async (c) => {
    const principal = c.var.principal;
    const mintedWith = mintingCredentialOf(principal);
    if (principal.kind === "vault_session" || !mintedWith) throw forbidden("A session cannot mint sessions"); // the table refuses it first
    const minter = rootOf(principal);
    const body = c.req.valid("json");
    const db = c.var.db;
    const { vault } = await authorizeVault(c, body.vault);
    const now = Date.now();
    const id = newId(SESSION_ID_PREFIX);
    const issued = await minterFor(c.env)("vaultSession", sessionTokenBody(id, minter));
    // A session never outlives the sign-in that minted it (a cookie sign-in lasts 12 h).
    const expiresAt = Math.min(now + body.ttl_seconds * 1000, principal.kind === "user" ? principal.sessionExpiresAt : Number.POSITIVE_INFINITY);
    await db.batch([
      db.insert(vaultSessions).values({
        id,
        companyId: principal.companyId,
        vaultId: vault.id,
        principalType: minter.type,
        principalId: minter.id,
        mintedWith,
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
    const { vault, role } = await authorizeVault(c, c.req.valid("query").vault);
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
    const mintedBy: RootKey = { type: session.session.principalType, id: session.session.principalId };
    await invalidateRoots(c.env, [mintedBy]);
    return c.json({ revoked: id }, 200);
  });
