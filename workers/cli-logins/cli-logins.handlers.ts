/** CLI logins' routes (cli-logins.actions.ts). */
import { createRouter } from "../router.ts";
import { actionContextOf, publicContextOf } from "../request-context.ts";
import { collectCliLogin, decideCliLogin, readCliLogin, startCliLogin } from "./cli-logins.actions.ts";
import * as routes from "./cli-logins.routes.ts";

export const cliLoginsRouter = createRouter();

cliLoginsRouter
  .openapi(routes.startCliLogin, async (c) => c.json(await startCliLogin(publicContextOf(c), c.req.valid("json"), c.req.header("CF-Connecting-IP")), 201))
  .openapi(routes.collectCliLogin, async (c) => c.json(await collectCliLogin(publicContextOf(c), c.req.valid("json").device_code), 200))
  .openapi(routes.readCliLogin, async (c) => c.json(await readCliLogin(actionContextOf(c), c.req.valid("param").userCode), 200))
  .openapi(routes.approveCliLogin, async (c) => c.json(await decideCliLogin(actionContextOf(c), c.req.valid("param").userCode, "approved"), 200))
  .openapi(routes.denyCliLogin, async (c) => c.json(await decideCliLogin(actionContextOf(c), c.req.valid("param").userCode, "denied"), 200));
