/**
 * The action context of a request (action-context.ts): what an entry, having passed the gate,
 * hands to an action. Here and only here does a request's Hono context and the Worker's `Env`
 * become the narrow ports an action sees; actions never import this file.
 */
import type { Context } from "hono";
import type { ActionContext, EdgePorts, ProposalWatchPort, PublicActionContext } from "./action-context.ts";
import { registrationChannel } from "./agent-channel/registration-channel-client.ts";
import { handoffRequest } from "./agent-channel/channel-handoff.ts";
import type { AppEnv } from "./app-env.ts";
import { actorGate } from "./auth/actor-gate-client.ts";
import { columnOf, ruleOf } from "./auth/gate.ts";
import { chainPortOf } from "./chain/chain-sealer-client.ts";
import { agentRoot } from "./auth/revocation.ts";
import { minterFor, readToken } from "./auth/token-signer.ts";
import { configOf } from "./config.ts";
import { commit } from "./db/change.ts";
import type { Database } from "./db/client.ts";
import { companyDataKey, masterKeyring } from "./db/data-keys.ts";
import { effectsOf } from "./effects.ts";
import type { Env } from "./env.ts";
import { issueAgentSvid } from "./identity/svid.ts";
import { forbidden } from "./lib/app-error.ts";
import { requestApprovals } from "./requests/request-approvals-client.ts";

function proposalWatchOf(env: Env, proposalId: string): ProposalWatchPort {
  const stub = env.PROPOSAL_WATCH.getByName(`proposal:${proposalId}`);
  return {
    open: (record, approvalUrl) => stub.open(record, approvalUrl),
    read: () => stub.read(),
    wait: (timeoutMs) => stub.wait(timeoutMs),
    settle: (view) => stub.settle(view),
  };
}

function edgePortsOf(env: Env, db: Database): EdgePorts {
  return {
    dataKey: (companyId) => companyDataKey(db, env, companyId),
    mint: minterFor(env),
    readToken: (token) => readToken(env, token),
    issueSvid: (options) =>
      issueAgentSvid({ db, config: configOf(env), edge: { dataKey: (companyId) => companyDataKey(db, env, companyId), now: () => Date.now() } }, options),
    handOffChannel: (handoff) =>
      (handoff.kind === "agent" ? actorGate(env, agentRoot(handoff.agentId)) : registrationChannel(env, handoff.registrationId)).fetch(handoffRequest(handoff)),
    proposalWatch: (proposalId) => proposalWatchOf(env, proposalId),
    requestApprovals: (companyId, vaultId) => {
      // A fresh stub per call: one whose object was reset stays broken.
      const object = () => requestApprovals(env, companyId, vaultId);
      return {
        settle: (id, decision) => object().settle(id, decision),
        abandon: (id, reason) => object().abandon(id, reason),
        revokeRelease: (id) => object().revokeRelease(id),
      };
    },
    masterKeyring: () => masterKeyring(env),
    now: () => Date.now(),
    chain: (companyId) => chainPortOf(env, companyId),
  };
}

/**
 * The context of work no request carries, with nobody as its caller: the registration channel's
 * object registering an agent and pushing its decision. Requests build theirs on it.
 */
export function edgeContextOf(env: Env, db: Database): PublicActionContext {
  return { db, config: configOf(env), commit: (done) => commit(db, effectsOf(env), done), edge: edgePortsOf(env, db) };
}

/**
 * The context of a request the gate (or a page's `holdPageTo`) has admitted: its principal and
 * its cell of the table come from there.
 *
 * @example c.json(await createRealm(actionContextOf(c), c.req.valid("json")), 201)
 */
export function actionContextOf(c: Context<AppEnv>): ActionContext {
  return { ...edgeContextOf(c.env, c.get("db")), principal: c.get("principal"), cell: c.get("cell") };
}

/**
 * The context of a request on a public row (registering, claiming, redeeming an invite): its
 * caller only when it presented a token, which the gate then held to its cell.
 */
export function publicContextOf(c: Context<AppEnv>): PublicActionContext {
  const principal = c.get("principal") as ActionContext["principal"] | undefined;
  return { ...edgeContextOf(c.env, c.get("db")), ...(principal ? { principal, cell: c.get("cell") } : {}) };
}

/**
 * The same caller held to another operation's row: a page that shows what several API
 * operations read (the vault page's sections) runs each section's action under that
 * operation's cell, so a section is never shown to someone its own operation refuses.
 */
export function asOperation(ctx: ActionContext, operation: string): ActionContext {
  const rule = ruleOf(operation);
  const cell = rule.access === "principal" ? rule.cells[columnOf(ctx.principal)] : "deny";
  if (cell === "deny") throw forbidden("You cannot do this");
  return { ...ctx, cell };
}

/** The vault a vault-scoped request names: `explicit` (its body's or query's `vault`), else its `X-Vault` header. */
export const namedVault = (c: Context<AppEnv>, explicit: string | undefined): string | undefined => explicit ?? c.req.header("X-Vault");
