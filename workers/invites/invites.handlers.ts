import { AGENT_ID_PREFIX, agentTokenBody } from "../auth/actor-gate-client.ts";
import { requireInviteBacked } from "../auth/invite-backing.ts";
import { minterFor } from "../auth/token-signer.ts";
import { isGuardFailure } from "../db/audit.ts";
import { commitChange } from "../effects.ts";
import { agentVaults, isAgentNameTaken } from "../agents/agents.queries.ts";
import { agentInstructions } from "./agent-instructions.ts";
import {
  findAgentById,
  findAgentInCompany,
  findInviteByTokenHash,
  listAgentInvites,
  pendingInvitesEndingWith,
  redeemAgentInviteChange,
  redeemRotationChange,
  revokeInviteChange,
  type InviteRow,
  type InviteStatus,
} from "./invites.queries.ts";
import { publicOriginOf } from "../config.ts";
import { AppError, conflict, forbidden, notFound } from "../lib/app-error.ts";
import { iso } from "../lib/openapi.ts";
import { createRouter } from "../router.ts";
import { digestsEqual, newId, sha256Hex } from "../lib/tokens.ts";
import { issueAgentInvite } from "./issue-invite.ts";
import { checkAgentInvite } from "./agent-invite-checks.ts";
import * as routes from "./invites.routes.ts";

function inviteStatus(invite: InviteRow, now: number): InviteStatus {
  if (invite.revokedAt) return "revoked";
  if (invite.usedAt) return "used";
  if (invite.expiresAt <= now) return "expired";
  return "pending";
}

export const invitesRouter = createRouter();

invitesRouter
  .openapi(routes.createInvite, async (c) => {
    const principal = c.var.principal;
    const body = c.req.valid("json");
    const db = c.var.db;
    const grants = await checkAgentInvite(db, principal, body);
    const view = await issueAgentInvite(c, { kind: "agent", name: body.name, role: body.role, grants, ttlSeconds: body.ttl_seconds });
    return c.json(view, 201);
  })
  .openapi(routes.listInvites, async (c) => {
    const principal = c.var.principal;
    const { status } = c.req.valid("query");
    const now = Date.now();
    const rows = await listAgentInvites(c.var.db, principal.companyId, status, now);
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
    const matches = await pendingInvitesEndingWith(db, principal.companyId, suffix, Date.now());
    const invite = matches[0];
    if (!invite) throw notFound("Pending invite with that suffix");
    if (matches.length > 1) throw conflict("ambiguous_suffix", "More than one pending invite ends with that suffix; give more characters");
    if (principal.companyRole !== "owner" && invite.createdBy !== principal.id) throw forbidden("Only owners revoke invites created by others");
    await commitChange(c, revokeInviteChange(db, principal, invite, Date.now()));
    return c.json({ revoked: invite.tokenSuffix, name: invite.agentName ?? "" }, 200);
  })
  .openapi(routes.redeemInvite, async (c) => {
    const { token } = c.req.valid("param");
    const db = c.var.db;
    const now = Date.now();
    const hash = await sha256Hex(token);
    const invite = await findInviteByTokenHash(db, hash);
    if (!invite || !digestsEqual(invite.tokenHash, hash) || invite.kind === "user") throw new AppError(404, "invite_not_found", "No such invite");
    const status = inviteStatus(invite, now);
    if (status !== "pending") throw new AppError(410, `invite_${status}`, `This invite was already ${status === "used" ? "used" : status}`);
    await requireInviteBacked(db, invite);
    const addr = publicOriginOf(c.env);
    // Each change is guarded on the invite still being redeemable: losing a race creates nothing.
    let issued: { token: string; agentId: string };
    try {
      if (invite.kind === "rotation") {
        const agent = invite.agentId ? await findAgentInCompany(db, invite.companyId, invite.agentId) : undefined;
        if (!agent) throw new AppError(410, "invite_revoked", "The agent this rotation was for no longer exists");
        const token = await minterFor(c.env)("agent", agentTokenBody(agent.id));
        // The old token must fail on the very next request: the change drops the gate's cached token.
        await commitChange(c, redeemRotationChange(db, invite, agent, token, now));
        issued = { token: token.token, agentId: agent.id };
      } else {
        const agentId = newId(AGENT_ID_PREFIX);
        const token = await minterFor(c.env)("agent", agentTokenBody(agentId));
        await commitChange(c, redeemAgentInviteChange(db, invite, agentId, token, now));
        issued = { token: token.token, agentId };
      }
    } catch (error) {
      if (isGuardFailure(error)) throw new AppError(410, "invite_used", "This invite was already used");
      if (isAgentNameTaken(error)) throw conflict("agent_exists", `An agent named "${invite.agentName ?? ""}" already exists`);
      throw error;
    }
    const agent = await findAgentById(db, issued.agentId);
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
