/** A company's single sign-on settings (sso.actions.ts). Signing in through it: pages/sso-sign-in.handlers.ts. */
import { createRouter } from "../router.ts";
import { actionContextOf } from "../request-context.ts";
import { companySsoSettings, removeCompanySso, setCompanySso } from "./sso.actions.ts";
import * as routes from "./sso.routes.ts";

export const ssoRouter = createRouter();

ssoRouter
  .openapi(routes.getSso, async (c) => c.json(await companySsoSettings(actionContextOf(c)), 200))
  .openapi(routes.setSso, async (c) => c.json(await setCompanySso(actionContextOf(c), c.req.valid("json")), 200))
  .openapi(routes.removeSso, async (c) => c.json(await removeCompanySso(actionContextOf(c)), 200));
