/** Agent invites: create, list, revoke by suffix, redeem (new agent or rotation). */
import { and, count, desc, eq, gt, isNull, lte, isNotNull, or, sql } from "drizzle-orm";
import { requireInviteBacked } from "../auth/invite-backing.ts";
import { agentRoot, invalidateRoots } from "../auth/revocation.ts";
import { minterFor } from "../auth/token-signer.ts";
import { requireGrantable } from "../auth/grants.ts";

import { auditStatement, isGuardFailure } from "../db/audit.ts";
import { newAgentStatements, newAgentTokenStatements } from "../agents/agent-writes.queries.ts";
import { agentVaults, findAgentByName, isAgentNameTaken } from "../agents/agents.queries.ts";
import type { Database } from "../db/client.ts";
import { agents, invites } from "../db/schema.ts";
import { agentInstructions, invitePrompt } from "./agent-instructions.ts";
import { AppError, conflict, forbidden, notFound } from "../lib/app-error.ts";
import { iso } from "../lib/openapi.ts";
import type { Principal } from "../lib/principal.ts";
import { createRouter } from "../lib/router.ts";
import { digestsEqual, newId, sha256Hex, tokenSuffix, type TokenMinter } from "../lib/tokens.ts";
import * as routes from "./invites.routes.ts";

type InviteRow = typeof invites.$inferSelect;

const isPending = (now: number) => and(isNull(invites.usedAt), isNull(invites.revokedAt), gt(invites.expiresAt, now));

function inviteStatus(invite: InviteRow, now: number) {
  if (invite.revokedAt) return "revoked";
  if (invite.usedAt) return "used";
  if (invite.expiresAt <= now) return "expired";
  return "pending";
}

/** Creates an agent or rotation invite row and its one-time view. Shared with `agent rotate`. */
export async function issueAgentInvite(
  db: Database,
  mint: TokenMinter,
  principal: Principal,
  origin: string,
  input: { kind: "agent" | "rotation"; name: string; agentId?: string; role: "owner" | "member"; grants: InviteRow["vaultGrants"]; ttlSeconds: number },
) {
  const now = Date.now();
  const pending = await db.select({ n: count() }).from(invites).where(and(eq(invites.companyId, principal.companyId), isPending(now))).get();
  if ((pending?.n ?? 0) >= routes.MAX_PENDING_INVITES) {
    throw new AppError(429, "too_many_invites", `At most ${routes.MAX_PENDING_INVITES} invites may be pending; revoke some first`, { headers: { "Retry-After": "60" } });
  }
  const issued = await mint("invite");
  const expiresAt = now + input.ttlSeconds * 1000;
  const id = newId("inv");
  await db.batch([
    db.insert(invites).values({
      id,
      companyId: principal.companyId,
      kind: input.kind,
      tokenHash: issued.hash,
      tokenSuffix: tokenSuffix(issued.token),
      agentName: input.name,
      agentId: input.agentId ?? null,
      role: input.role,
      vaultGrants: input.grants,
      createdBy: principal.id,
      createdAt: now,
      expiresAt,
    }),
    auditStatement(db, principal, { action: `invite.${input.kind}.create`, targetType: "agent", targetId: input.name, detail: { role: input.role, vaults: input.grants?.map((g) => `${g.vault}:${g.role}`) ?? [] } }),
  ]);
  const inviteUrl = `${origin}/invite/${issued.token}`;
  const expires = iso(expiresAt) ?? "";
  return {
    name: input.name,
    kind: input.kind,
    invite_url: inviteUrl,
    token_suffix: tokenSuffix(issued.token),
    expires_at: expires,
    prompt: invitePrompt(inviteUrl, input.name, expires, input.kind === "rotation"),
  };
}

export const invitesRouter = createRouter();

invitesRouter
  .openapi(routes.createInvite, async (c) => {
    const principal = c.var.principal;
    const body = c.req.valid("json");
    const db = c.var.db;
    if (body.role === "owner" && principal.companyRole !== "owner") throw forbidden("Only company owners can invite owner agents");
    if (await findAgentByName(db, principal.companyId, body.name)) throw conflict("agent_exists", `An agent named "${body.name}" already exists`);
    const now = Date.now();
    const dup = await db
      .select({ id: invites.id })
      .from(invites)
      .where(and(eq(invites.companyId, principal.companyId), eq(invites.kind, "agent"), eq(invites.agentName, body.name), isPending(now)))
      .get();
    if (dup) throw conflict("invite_pending", `An invite for "${body.name}" is already pending; revoke it first`);
    const grants = [];
    for (const grant of body.vaults) {
      const vault = await requireGrantable(db, principal, grant.vault, grant.role);
      grants.push({ vaultId: vault.id, vault: vault.name, role: grant.role });
    }
    const view = await issueAgentInvite(db, minterFor(c.env), principal, new URL(c.req.url).origin, { kind: "agent", name: body.name, role: body.role, grants, ttlSeconds: body.ttl_seconds });
    return c.json(view, 201);
  })
  .openapi(routes.listInvites, async (c) => {
    const principal = c.var.principal;
    const { status } = c.req.valid("query");
    const now = Date.now();
    const byStatus = {
      pending: isPending(now),
      used: isNotNull(invites.usedAt),
      revoked: isNotNull(invites.revokedAt),
      expired: and(isNull(invites.usedAt), isNull(invites.revokedAt), lte(invites.expiresAt, now)),
      all: undefined,
    }[status];
    const rows = await c.var.db
      .select()
      .from(invites)
      .where(and(eq(invites.companyId, principal.companyId), or(eq(invites.kind, "agent"), eq(invites.kind, "rotation")), byStatus))
      .orderBy(desc(invites.createdAt))
      .all();
    const list = rows.map((r) => ({
      name: r.agentName ?? "",
      kind: r.kind,
      status: inviteStatus(r, now),
      role: r.role,
      vaults: (r.vaultGrants ?? []).map((g) => ({ vault: g.vault, role: g.role })),
      token_suffix: r.tokenSuffix,
      created_at: iso(r.createdAt) ?? "",
      expires_at: iso(r.expiresAt) ?? "",
    }));
    return c.json({ invites: list }, 200);
  })
  .openapi(routes.revokeInvite, async (c) => {
    const principal = c.var.principal;
    const { suffix } = c.req.valid("param");
    const db = c.var.db;
    // Compare the tail with substr, not LIKE: `_` is a LIKE wildcard and a base64url character.
    const matches = await db
      .select()
      .from(invites)
      .where(
        and(
          eq(invites.companyId, principal.companyId),
          or(eq(invites.kind, "agent"), eq(invites.kind, "rotation")),
          isPending(Date.now()),
          sql`substr(${invites.tokenSuffix}, -${suffix.length}) = ${suffix}`,
        ),
      )
      .all();
    const invite = matches[0];
    if (!invite) throw notFound("Pending invite with that suffix");
    if (matches.length > 1) throw conflict("ambiguous_suffix", "More than one pending invite ends with that suffix; give more characters");
    if (principal.companyRole !== "owner" && invite.createdBy !== principal.id) throw forbidden("Only owners revoke invites created by others");
    await db.batch([
      db.update(invites).set({ revokedAt: Date.now() }).where(eq(invites.id, invite.id)),
      auditStatement(db, principal, { action: "invite.revoke", targetType: "agent", targetId: invite.agentName ?? "", detail: { token_suffix: invite.tokenSuffix } }),
    ]);
    return c.json({ revoked: invite.tokenSuffix, name: invite.agentName ?? "" }, 200);
  })
  .openapi(routes.redeemInvite, async (c) => {
    const { token } = c.req.valid("param");
    const db = c.var.db;
    const now = Date.now();
    const hash = await sha256Hex(token);
    const invite = await db.select().from(invites).where(eq(invites.tokenHash, hash)).get();
    if (!invite || !digestsEqual(invite.tokenHash, hash) || invite.kind === "user") throw new AppError(404, "invite_not_found", "No such invite");
    const status = inviteStatus(invite, now);
    if (status !== "pending") throw new AppError(410, `invite_${status}`, `This invite was already ${status === "used" ? "used" : status}`);
    await requireInviteBacked(db, invite);
    const addr = new URL(c.req.url).origin;
    const redeemer: Principal = { kind: "company_key", companyId: invite.companyId, id: `invite:${invite.tokenSuffix}`, companyRole: "owner" };
    // The audit row is the guard: if another request used, revoked or outlived the invite first,
    // the whole batch rolls back and nothing is created.
    const guard = sql`EXISTS (SELECT 1 FROM ${invites} WHERE ${invites.id} = ${invite.id} AND ${invites.usedAt} IS NULL AND ${invites.revokedAt} IS NULL AND ${invites.expiresAt} > ${now})`;
    const claim = db.update(invites).set({ usedAt: now }).where(eq(invites.id, invite.id));
    let issued: { token: string; agentId: string };
    try {
      if (invite.kind === "rotation") {
        const agent = invite.agentId ? await db.select().from(agents).where(and(eq(agents.id, invite.agentId), eq(agents.companyId, invite.companyId))).get() : undefined;
        if (!agent) throw new AppError(410, "invite_revoked", "The agent this rotation was for no longer exists");
        const next = await newAgentTokenStatements(db, minterFor(c.env), invite.companyId, agent.id, now);
        // Older rotation invites for this agent die with this one: redeeming them later would rotate again.
        const others = db
          .update(invites)
          .set({ revokedAt: now })
          .where(and(eq(invites.agentId, agent.id), eq(invites.kind, "rotation"), isNull(invites.usedAt), isNull(invites.revokedAt)));
        await db.batch([auditStatement(db, redeemer, { action: "agent.rotate.redeem", targetType: "agent", targetId: agent.name }, guard), claim, others, ...next.statements]);
        issued = { token: next.token, agentId: agent.id };
        // The old token must fail on the very next request: drop the gate's cached token now.
        await invalidateRoots(c.env, [agentRoot(agent.id)]);
      } else {
        const created = await newAgentStatements(db, minterFor(c.env), {
          companyId: invite.companyId,
          name: invite.agentName ?? "",
          role: invite.role,
          createdBy: invite.createdBy,
          grants: (invite.vaultGrants ?? []).map((g) => ({ vaultId: g.vaultId, role: g.role })),
        }, now);
        await db.batch([auditStatement(db, redeemer, { action: "agent.invite.redeem", targetType: "agent", targetId: invite.agentName ?? "" }, guard), claim, ...created.statements]);
        issued = { token: created.token, agentId: created.agentId };
      }
    } catch (error) {
      if (isGuardFailure(error)) throw new AppError(410, "invite_used", "This invite was already used");
      if (isAgentNameTaken(error)) throw conflict("agent_exists", `An agent named "${invite.agentName ?? ""}" already exists`);
      throw error;
    }
    const agent = await db.select().from(agents).where(eq(agents.id, issued.agentId)).get();
    const granted = await agentVaults(db, issued.agentId, invite.companyId);
    return c.json(
      {
        token: issued.token,
        agent: { name: agent?.name ?? invite.agentName ?? "", role: agent?.role ?? invite.role },
        addr,
        vaults: granted,
        env: { AGENT_VAULT_ADDR: addr, EDGEVAULT_ADDR: addr },
        instructions: agentInstructions(addr, granted),
      },
      200,
    );
  });
