/** The attestation chain's handlers: input from `c.req.valid()`, then one action (chain.actions.ts). */
import { createRouter } from "../router.ts";
import { actionContextOf } from "../request-context.ts";
import { attest, chainConsistency, chainHead, chainPage, chainProof, exportChain, verifyChain } from "./chain.actions.ts";
import * as routes from "./chain.routes.ts";

export const chainRouter = createRouter()
  .openapi(routes.attest, async (c) => c.json(await attest(actionContextOf(c), c.req.valid("json")), 201))
  .openapi(routes.chainPage, async (c) => c.json(await chainPage(actionContextOf(c), c.req.valid("query")), 200))
  .openapi(routes.chainExport, async (c) => {
    const { body, contentType } = await exportChain(actionContextOf(c));
    return c.body(body, 200, { "Content-Type": contentType, "Cache-Control": "no-store" });
  })
  .openapi(routes.chainHead, async (c) => c.json(await chainHead(actionContextOf(c)), 200, { "Cache-Control": "no-store" }))
  .openapi(routes.chainConsistency, async (c) => c.json(await chainConsistency(actionContextOf(c), c.req.valid("query")), 200))
  .openapi(routes.verify, async (c) => c.json(await verifyChain(actionContextOf(c), c.req.valid("query")), 200))
  .openapi(routes.proof, async (c) => c.json(await chainProof(actionContextOf(c), c.req.valid("param").index, c.req.valid("query")), 200));
