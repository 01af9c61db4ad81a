/** `GET /discover` (seeds 000/001): the hosts a vault can reach and its credential names (discover.actions.ts). */
import { createRouter } from "../router.ts";
import { actionContextOf, namedVault } from "../request-context.ts";
import { discover } from "./discover.actions.ts";
import * as routes from "./discover.routes.ts";

export const discoverRouter = createRouter();

discoverRouter.openapi(routes.discover, async (c) => c.json(await discover(actionContextOf(c), namedVault(c, undefined)), 200));
