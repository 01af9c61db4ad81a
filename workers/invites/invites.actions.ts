/**
 * Agent and rotation invites (seed 002), for the API and the console alike: invite an agent (the
 * checks first, so the console can show them before its confirmation step), list, revoke by token
 * suffix, and redeem. An invite's token is shown once (its prompt) and stored as its hash; issuing
 * is guarded by the pending cap in the write itself, and redeeming by the invite still being
 * redeemable, so parallel requests cannot overshoot either. An invite is honoured only while its
 * creator still backs it (auth/invite-backing.ts, and for a rotation, `requireRotationBacked`).
 */
import type { z } from "zod";
import type { ActionContext, PublicActionContext } from "../action-context.ts";
import { requireAboveAgent, requireRotatable } from "../agents/agent-authority.ts";
import { type AgentRow, agentVaults, findAgentByName, isAgentNameTaken } from "../agents/agents.queries.ts";
import { AGENT_ID_PREFIX, agentTokenBody } from "../auth/actor-gate-client.ts";
import { requireGrantable } from "../auth/grants.ts";
import { inviteUnbacked, requireInviteBacked } from "../auth/invite-backing.ts";
import { publicOriginIn } from "../config.ts";
import { isGuardFailure } from "../db/audit.ts";
import type { VaultRole } from "../db/schema.ts";
import { AppError, conflict, forbidden, notFound } from "../lib/app-error.ts";
import { iso } from "../lib/openapi.ts";
import type { Principal } from "../lib/principal.ts";
import { digestsEqual, newId, sha256Hex, tokenSuffix } from "../lib/crypto/tokens.ts";
import { agentInstructions, invitePrompt } from "./agent-instructions.ts";
import {
  type CreateInviteBody,
  type INVITE_STATUSES,
  type InviteRevoked,
  type IssuedInvite,
  type ListedInvite,
  MAX_PENDING_INVITES,
  type RedeemedInvite,
} from "./invites.contract.ts";
import {
  findAgentById,
  findAgentInCompany,
  findInviteByTokenHash,
  type InviteRow,
  type InviteStatus,
  issueInviteChange,
  listAgentInvites as invitesIn,
  pendingAgentInviteExists,
  pendingInvitesEndingWith,
  redeemAgentInviteChange,
  redeemRotationChange,
  revokeInviteChange,
} from "./invites.queries.ts";

export type AgentInviteRequest = z.output<typeof CreateInviteBody>;
export type CheckedGrant = { vaultId: string; vault: string; role: VaultRole };
export type InviteView = z.output<typeof ListedInvite>;
/** A pending invite as the console lists it: whether this person may revoke it too. */
export type PendingInviteView = InviteView & { mayRevoke: boolean };

function inviteStatus(invite: InviteRow, now: number): InviteStatus {
  if (invite.revokedAt) return "revoked";
  if (invite.usedAt) return "used";
  if (invite.expiresAt <= now) return "expired";
  return "pending";
}

const inviteView = (invite: InviteRow, now: number): InviteView => ({
  name: invite.agentName ?? "",
  kind: invite.kind,
  status: inviteStatus(invite, now),
  role: invite.role,
  vaults: (invite.vaultGrants ?? []).map((g) => ({ vault: g.vault, role: g.role })),
  token_suffix: invite.tokenSuffix,
  created_at: iso(invite.createdAt) ?? "",
  expires_at: iso(invite.expiresAt) ?? "",
});

/** Owners revoke any invite; anyone else only the ones they created. */
const mayRevoke = (principal: Principal, invite: InviteRow) => principal.companyRole === "owner" || invite.createdBy === principal.id;

/**
 * What POST /v1/agents/invites checks before an invite is issued: only an owner invites an owner
 * agent, the name is free (no agent, no pending invite), and every vault grant is one the inviter
 * may give (never above its own role). The grants the invite will carry; the API's refusal otherwise.
 */
export async function checkAgentInvite(ctx: ActionContext, request: Pick<AgentInviteRequest, "name" | "role" | "vaults">): Promise<CheckedGrant[]> {
  const { db, principal } = ctx;
  if (request.role === "owner" && principal.companyRole !== "owner") throw forbidden("Only company owners can invite owner agents");
  if (await findAgentByName(db, principal.companyId, request.name)) throw conflict("agent_exists", `An agent named "${request.name}" already exists`);
  if (await pendingAgentInviteExists(db, principal.companyId, request.name, ctx.edge.now()))
    throw conflict("invite_pending", `An invite for "${request.name}" is already pending; revoke it first`);
  const grants: CheckedGrant[] = [];
  for (const grant of request.vaults) {
    const vault = await requireGrantable(db, principal, grant.vault, grant.role);
    grants.push({ vaultId: vault.id, vault: vault.name, role: grant.role });
  }
  return grants;
}

/** Why an invite's guard refused it: another pending invite for the same new agent, else the cap. */
async function issueRefusal(ctx: ActionContext, input: { kind: "agent" | "rotation"; name: string }, now: number): Promise<AppError> {
  if (input.kind === "agent" && (await pendingAgentInviteExists(ctx.db, ctx.principal.companyId, input.name, now))) {
    return conflict("invite_pending", `An invite for "${input.name}" is already pending; revoke it first`);
  }
  return new AppError(429, "too_many_invites", `At most ${MAX_PENDING_INVITES} invites may be pending; revoke some first`, {
    headers: { "Retry-After": "60" },
  });
}

export type InviteToIssue = {
  kind: "agent" | "rotation";
  name: string;
  agentId?: string;
  role: "owner" | "member";
  grants: InviteRow["vaultGrants"];
  ttlSeconds: number;
};

/**
 * Creates an agent or rotation invite for the caller, its checks already made (`checkAgentInvite`;
 * a rotation's by agents.actions.ts `rotateAgent`), and its one-time view with the token's prompt.
 */
export async function issueAgentInvite(ctx: ActionContext, input: InviteToIssue): Promise<z.output<typeof IssuedInvite>> {
  const { db, principal } = ctx;
  const now = ctx.edge.now();
  const issued = await ctx.edge.mint("invite");
  const expiresAt = now + input.ttlSeconds * 1000;
  // The cap (and one pending invite per new agent) is checked by the write itself, so parallel invites cannot overshoot it.
  await ctx
    .commit(
      issueInviteChange(db, principal, {
        id: newId("inv"),
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
    )
    .catch(async (error: unknown) => {
      throw isGuardFailure(error) ? await issueRefusal(ctx, input, now) : error;
    });
  const inviteUrl = `${publicOriginIn(ctx.config)}/invite/${issued.token}`;
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

/** Invites an agent (POST /v1/agents/invites, the console's confirmed form): the checks, then the invite. */
export async function inviteAgent(ctx: ActionContext, request: AgentInviteRequest): Promise<z.output<typeof IssuedInvite>> {
  const grants = await checkAgentInvite(ctx, request);
  return issueAgentInvite(ctx, { kind: "agent", name: request.name, role: request.role, grants, ttlSeconds: request.ttl_seconds });
}

/** The company's agent and rotation invites in one status (or all), newest first. */
export async function listAgentInvites(ctx: ActionContext, status: (typeof INVITE_STATUSES)[number]): Promise<{ invites: InviteView[] }> {
  const now = ctx.edge.now();
  return { invites: (await invitesIn(ctx.db, ctx.principal.companyId, status, now)).map((invite) => inviteView(invite, now)) };
}

/** The pending invites as the console lists them, each saying whether this person may revoke it (as DELETE would). */
export async function pendingAgentInvites(ctx: ActionContext): Promise<{ invites: PendingInviteView[] }> {
  const now = ctx.edge.now();
  const rows = await invitesIn(ctx.db, ctx.principal.companyId, "pending", now);
  return { invites: rows.map((invite) => ({ ...inviteView(invite, now), mayRevoke: mayRevoke(ctx.principal, invite) })) };
}

/** Revokes the one pending invite whose token ends with `suffix`; members revoke only their own. */
export async function revokeAgentInvite(ctx: ActionContext, suffix: string): Promise<z.output<typeof InviteRevoked>> {
  const { db, principal } = ctx;
  const matches = await pendingInvitesEndingWith(db, principal.companyId, suffix, ctx.edge.now());
  const invite = matches[0];
  if (!invite) throw notFound("Pending invite with that suffix");
  if (matches.length > 1) throw conflict("ambiguous_suffix", "More than one pending invite ends with that suffix; give more characters");
  if (!mayRevoke(principal, invite)) throw forbidden("Only owners revoke invites created by others");
  await ctx.commit(revokeInviteChange(db, principal, invite, ctx.edge.now()));
  return { revoked: invite.tokenSuffix, name: invite.agentName ?? "" };
}

/**
 * A rotation invite is its agent's next token: its creator must still be able to rotate that
 * agent as it is now — not a fellow owner agent, not disabled (agents/agent-authority.ts).
 */
function requireRotationBacked(creator: Principal, agent: AgentRow): void {
  try {
    requireAboveAgent(creator, agent, "rotate");
    requireRotatable(agent);
  } catch {
    throw inviteUnbacked();
  }
}

/**
 * Redeems an invite (anyone holding its URL): a rotation gives its agent a new token and ends the
 * old one on the very next request; an agent invite creates the agent with the invite's grants.
 * The token is returned once, with the protocol the agent follows.
 */
export async function redeemInvite(ctx: PublicActionContext, token: string): Promise<z.output<typeof RedeemedInvite>> {
  const db = ctx.db;
  const now = ctx.edge.now();
  const hash = await sha256Hex(token);
  const invite = await findInviteByTokenHash(db, hash);
  if (!invite || !digestsEqual(invite.tokenHash, hash) || invite.kind === "user") throw new AppError(404, "invite_not_found", "No such invite");
  const status = inviteStatus(invite, now);
  if (status !== "pending") throw new AppError(410, `invite_${status}`, `This invite was already ${status === "used" ? "used" : status}`);
  const creator = await requireInviteBacked(db, invite);
  const rotated = invite.kind === "rotation" && invite.agentId ? await findAgentInCompany(db, invite.companyId, invite.agentId) : undefined;
  if (rotated) requireRotationBacked(creator, rotated);
  const addr = publicOriginIn(ctx.config);
  // Each change is guarded on the invite still being redeemable: losing a race creates nothing.
  let issued: { token: string; agentId: string };
  try {
    if (invite.kind === "rotation") {
      if (!rotated) throw new AppError(410, "invite_revoked", "The agent this rotation was for no longer exists");
      const token = await ctx.edge.mint("agent", agentTokenBody(rotated.id));
      // The old token must fail on the very next request: the change drops the gate's cached token.
      await ctx.commit(redeemRotationChange(db, invite, rotated, token, now));
      issued = { token: token.token, agentId: rotated.id };
    } else {
      const agentId = newId(AGENT_ID_PREFIX);
      const token = await ctx.edge.mint("agent", agentTokenBody(agentId));
      await ctx.commit(redeemAgentInviteChange(db, invite, agentId, token, now));
      issued = { token: token.token, agentId };
    }
  } catch (error) {
    if (isGuardFailure(error)) throw new AppError(410, "invite_used", "This invite was already used");
    if (isAgentNameTaken(error)) throw conflict("agent_exists", `An agent named "${invite.agentName ?? ""}" already exists`);
    throw error;
  }
  const agent = await findAgentById(db, issued.agentId);
  const granted = await agentVaults(db, issued.agentId, invite.companyId);
  return {
    token: issued.token,
    agent: { name: agent?.name ?? invite.agentName ?? "", role: agent?.role ?? invite.role },
    addr,
    vaults: granted,
    env: { AGENT_VAULT_ADDR: addr, EDGEVAULT_ADDR: addr },
    instructions: agentInstructions(addr, granted),
  };
}
