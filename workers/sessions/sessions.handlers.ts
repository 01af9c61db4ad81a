/**
 * Vault sessions: mint, list, revoke. A session is bound to its minter and to the credential the
 * minter used (auth/actor-gate-client.ts): its minter's gate admits it, so revocation acts at once.
 */
import { authorizeVault } from "../auth/gate.ts";
import { SESSION_ID_PREFIX, sessionTokenBody } from "../auth/actor-gate-client.ts";
import { minterFor } from "../auth/token-signer.ts";
import { vaultRoleOf } from "../auth/permissions.ts";
import { isGuardFailure } from "../db/audit.ts";
import { commitChange } from "../effects.ts";
import { publicOriginOf } from "../config.ts";
import { forbidden, notFound } from "../lib/app-error.ts";
import { iso } from "../lib/openapi.ts";
import { mintingCredentialOf, roleAtLeast, rootOf } from "../lib/principal.ts";
import { createRouter } from "../router.ts";
import { newId } from "../lib/tokens.ts";
import { createSessionChange, findUnrevokedSession, listLiveSessions, revokeSessionChange, sessionRefusal } from "./sessions.queries.ts";
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
    const session = {
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
    };
    await commitChange(c, createSessionChange(db, principal, session, vault.name, body.ttl_seconds)).catch(async (error: unknown) => {
      throw isGuardFailure(error) ? await sessionRefusal(db, session, vault.name) : error;
    });
    return c.json({ id, token: issued.token, expires_at: iso(expiresAt) ?? "", addr: publicOriginOf(c.env), vault: vault.name }, 201);
  })
  .openapi(routes.listSessions, async (c) => {
    const principal = c.var.principal;
    const db = c.var.db;
    const { vault, role } = await authorizeVault(c, c.req.valid("query").vault);
    const mine = principal.kind === "vault_session" ? { sessionId: principal.id } : { mintedBy: principal.id };
    const rows = await listLiveSessions(db, vault.id, roleAtLeast(role, "admin") ? undefined : mine, Date.now());
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
    const session = await findUnrevokedSession(db, principal.companyId, id);
    if (!session) throw notFound("Session");
    const own = session.session.principalId === principal.id || (principal.kind === "vault_session" && principal.id === id);
    if (!own && !roleAtLeast(await vaultRoleOf(db, principal, session.vault), "admin")) throw notFound("Session");
    // The minter's gate admits the session, so it re-reads: the session is refused at once.
    await commitChange(c, revokeSessionChange(db, principal, session.session, Date.now()));
    return c.json({ revoked: id }, 200);
  });
