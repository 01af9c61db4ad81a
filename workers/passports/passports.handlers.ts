/** Agent passports (passports.actions.ts): each route reads its input and calls one action. */
import { createRouter } from "../router.ts";
import { actionContextOf } from "../request-context.ts";
import { issuePassport, listRevokedPassports, passportStatus, revokePassport, rotatePassport, verifyPassportAtEdge } from "./passports.actions.ts";
import * as routes from "./passports.routes.ts";

export const passportsRouter = createRouter();

/** Vane's bodies are optional: without a JSON one, the defaults apply. */
const sentJson = (contentType: string | undefined) => contentType?.includes("json") ?? false;

passportsRouter
  .openapi(routes.issuePassport, async (c) => {
    const body = sentJson(c.req.header("content-type")) ? c.req.valid("json") : {};
    return c.json(await issuePassport(actionContextOf(c), c.req.valid("param").agentId, body), 201);
  })
  .openapi(routes.rotatePassport, async (c) =>
    c.json(await rotatePassport(actionContextOf(c), c.req.valid("param").agentId, c.req.valid("header")["counsel-passport"]), 200),
  )
  .openapi(routes.revokePassport, async (c) => {
    const body = sentJson(c.req.header("content-type")) ? c.req.valid("json") : {};
    return c.json(await revokePassport(actionContextOf(c), c.req.valid("param").jti, body.reason), 200);
  })
  .openapi(routes.revokedPassports, async (c) => c.json(await listRevokedPassports(actionContextOf(c), c.req.valid("query")), 200))
  .openapi(routes.passportStatus, async (c) => {
    const { status, maxAgeSeconds } = await passportStatus(actionContextOf(c), c.req.valid("param").jti);
    // Private: the answer is per company; a shared cache must not hand it to another caller.
    return c.json(status, 200, { "Cache-Control": `private, max-age=${maxAgeSeconds}` });
  })
  .openapi(routes.verifyPassport, async (c) => c.json(await verifyPassportAtEdge(actionContextOf(c), c.req.valid("json")), 200));
