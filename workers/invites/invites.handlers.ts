/** Agent invites: create, list, revoke by token suffix, and redeem (invites.actions.ts). */
import { createRouter } from "../router.ts";
import { actionContextOf, publicContextOf } from "../request-context.ts";
import { inviteAgent, listAgentInvites, redeemInvite, revokeAgentInvite } from "./invites.actions.ts";
import * as routes from "./invites.routes.ts";

export const invitesRouter = createRouter();

invitesRouter
  .openapi(routes.createInvite, async (c) => c.json(await inviteAgent(actionContextOf(c), c.req.valid("json")), 201))
  .openapi(routes.listInvites, async (c) => c.json(await listAgentInvites(actionContextOf(c), c.req.valid("query").status), 200))
  .openapi(routes.revokeInvite, async (c) => c.json(await revokeAgentInvite(actionContextOf(c), c.req.valid("param").suffix), 200))
  .openapi(routes.redeemInvite, async (c) => c.json(await redeemInvite(publicContextOf(c), c.req.valid("param").token), 200));
