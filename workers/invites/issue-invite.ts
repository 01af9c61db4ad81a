/** Issuing an agent or rotation invite: shared by `POST /v1/agents/invites` and `agent rotate`. */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { minterFor } from "../auth/token-signer.ts";
import { commitChange } from "../effects.ts";
import { publicOriginOf } from "../config.ts";
import { isGuardFailure } from "../db/audit.ts";
import type { Database } from "../db/client.ts";
import { AppError, conflict } from "../lib/app-error.ts";
import { iso } from "../lib/openapi.ts";
import { newId, tokenSuffix } from "../lib/tokens.ts";
import { invitePrompt } from "./agent-instructions.ts";
import { MAX_PENDING_INVITES } from "./invites.contract.ts";
import { issueInviteChange, pendingAgentInviteExists, type InviteRow } from "./invites.queries.ts";

/** Why the invite's guard refused it: another pending invite for the same new agent, else the cap. */
async function refusal(db: Database, companyId: string, input: { kind: "agent" | "rotation"; name: string }, now: number): Promise<AppError> {
  if (input.kind === "agent" && (await pendingAgentInviteExists(db, companyId, input.name, now))) {
    return conflict("invite_pending", `An invite for "${input.name}" is already pending; revoke it first`);
  }
  return new AppError(429, "too_many_invites", `At most ${MAX_PENDING_INVITES} invites may be pending; revoke some first`, {
    headers: { "Retry-After": "60" },
  });
}

/** Creates an agent or rotation invite for the caller and its one-time view. Shared with `agent rotate`. */
export async function issueAgentInvite(
  c: Context<AppEnv>,
  input: { kind: "agent" | "rotation"; name: string; agentId?: string; role: "owner" | "member"; grants: InviteRow["vaultGrants"]; ttlSeconds: number },
) {
  const { db, principal } = c.var;
  const now = Date.now();
  const issued = await minterFor(c.env)("invite");
  const expiresAt = now + input.ttlSeconds * 1000;
  // The cap (and one pending invite per new agent) is checked by the write itself, so parallel invites cannot overshoot it.
  await commitChange(
    c,
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
  ).catch(async (error: unknown) => {
    throw isGuardFailure(error) ? await refusal(db, principal.companyId, input, now) : error;
  });
  const inviteUrl = `${publicOriginOf(c.env)}/invite/${issued.token}`;
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
