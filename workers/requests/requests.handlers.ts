/** Held requests (requests.actions.ts): list, read, approve, reject; the time-boxed approvals, listed and revoked. */
import { actionContextOf } from "../request-context.ts";
import { createRouter } from "../router.ts";
import { approveHeldRequest, getHeldRequest, listHeldRequests, listReleases, rejectHeldRequest, revokeRelease } from "./requests.actions.ts";
import * as routes from "./requests.routes.ts";

export const requestsRouter = createRouter();

/** The decisions' bodies are optional: without one, a plain approval, or a rejection without a reason. */
const hasJson = (contentType: string | undefined) => contentType?.includes("json") === true;

requestsRouter
  .openapi(routes.listHeldRequests, async (c) => c.json(await listHeldRequests(actionContextOf(c), c.req.valid("param").vault, c.req.valid("query")), 200))
  .openapi(routes.getHeldRequest, async (c) => c.json(await getHeldRequest(actionContextOf(c), c.req.valid("param").id), 200))
  .openapi(routes.approveHeldRequest, async (c) => {
    const body = hasJson(c.req.header("content-type")) ? c.req.valid("json") : {};
    return c.json(await approveHeldRequest(actionContextOf(c), c.req.valid("param").id, body), 200);
  })
  .openapi(routes.rejectHeldRequest, async (c) => {
    const body = hasJson(c.req.header("content-type")) ? c.req.valid("json") : {};
    return c.json(await rejectHeldRequest(actionContextOf(c), c.req.valid("param").id, body), 200);
  })
  .openapi(routes.listRequestReleases, async (c) => c.json(await listReleases(actionContextOf(c), c.req.valid("param").vault), 200))
  .openapi(routes.revokeRequestRelease, async (c) => {
    const { vault, id } = c.req.valid("param");
    return c.json(await revokeRelease(actionContextOf(c), vault, id), 200);
  });
