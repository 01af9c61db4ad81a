/**
 * The action context of a request (action-context.ts): what an entry, having passed the gate,
 * hands to an action. Here and only here does a request's Hono context and the Worker's `Env`
 * become the narrow ports an action sees; actions never import this file.
 */
import type { Context } from "hono";
import type { ActionContext, ProposalWatchPort, PublicActionContext } from "./action-context.ts";
import type { AppEnv } from "./app-env.ts";
import { columnOf, ruleOf } from "./auth/gate.ts";
import { minterFor } from "./auth/token-signer.ts";
import { configOf } from "./config.ts";
import { companyDataKey, masterKeyring } from "./db/data-keys.ts";
import { commitChange } from "./effects.ts";
import type { Env } from "./env.ts";
import { forbidden } from "./lib/app-error.ts";

function proposalWatchOf(env: Env, proposalId: string): ProposalWatchPort {
  const stub = env.PROPOSAL_WATCH.getByName(`proposal:${proposalId}`);
  return {
    open: (record, approvalUrl) => stub.open(record, approvalUrl),
    read: () => stub.read(),
    wait: (timeoutMs) => stub.wait(timeoutMs),
    settle: (view) => stub.settle(view),
  };
}

/**
 * The context of a request the gate (or a page's `holdPageTo`) has admitted: its principal and
 * its cell of the table come from there.
 *
 * @example c.json(await createRealm(actionContextOf(c), c.req.valid("json")), 201)
 */
export function actionContextOf(c: Context<AppEnv>): ActionContext {
  return { ...publicContextOf(c), principal: c.var.principal, cell: c.var.cell };
}

/**
 * The context of a request on a public row (signing in, accepting an invite, token exchange, the
 * published keys) or the platform operator's: its caller only when it presented a token, which the
 * gate then held to its cell.
 *
 * @example c.json(await signIn(publicContextOf(c), c.req.valid("json"), clientAddress), 200)
 */
export function publicContextOf(c: Context<AppEnv>): PublicActionContext {
  const env = c.env;
  const db = c.var.db;
  const principal = c.get("principal") as ActionContext["principal"] | undefined;
  return {
    db,
    config: configOf(env),
    commit: (done) => commitChange(c, done),
    edge: {
      dataKey: (companyId) => companyDataKey(db, env, companyId),
      mint: minterFor(env),
      proposalWatch: (proposalId) => proposalWatchOf(env, proposalId),
      masterKeyring: () => masterKeyring(env),
      now: () => Date.now(),
    },
    ...(principal ? { principal, cell: c.var.cell } : {}),
  };
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
