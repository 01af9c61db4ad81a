/** Proposals (proposals.actions.ts): raise, read (with long-poll), list, approve, reject. */
import { createRouter } from "../router.ts";
import { actionContextOf, namedVault } from "../request-context.ts";
import { approveProposal, getProposal, listProposals, raiseProposal, rejectProposal } from "./proposals.actions.ts";
import * as routes from "./proposals.routes.ts";

export const proposalsRouter = createRouter();

proposalsRouter
  .openapi(routes.raiseProposal, async (c) => {
    const body = c.req.valid("json");
    return c.json(await raiseProposal(actionContextOf(c), namedVault(c, body.vault), body), 201);
  })
  .openapi(routes.getProposal, async (c) => c.json(await getProposal(actionContextOf(c), c.req.valid("param").id, c.req.valid("query").wait), 200))
  .openapi(routes.listProposals, async (c) => {
    const query = c.req.valid("query");
    return c.json(await listProposals(actionContextOf(c), namedVault(c, query.vault), query), 200);
  })
  .openapi(routes.approveProposal, async (c) => c.json(await approveProposal(actionContextOf(c), c.req.valid("param").id, c.req.valid("json")), 200))
  .openapi(routes.rejectProposal, async (c) => c.json(await rejectProposal(actionContextOf(c), c.req.valid("param").id, c.req.valid("json")), 200));
