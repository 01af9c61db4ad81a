/**
 * Master-key rotation (platform operator). Procedure: append `v<N+1>:<key>` to MASTER_KEYS and
 * deploy; call this endpoint until `remaining` is 0; then drop the old entry. Only the wrapped
 * data keys change (companies.actions.ts `rotateMasterKey`).
 */
import { requirePlatformOperator } from "../auth/platform.ts";
import { createRouter } from "../router.ts";
import { publicContextOf } from "../request-context.ts";
import { rotateMasterKey } from "./companies.actions.ts";
import * as routes from "./master-key.routes.ts";

export const masterKeyRouter = createRouter().openapi(routes.rotateMasterKey, async (c) => {
  await requirePlatformOperator(c);
  return c.json(await rotateMasterKey(publicContextOf(c)), 200);
});
