/**
 * Identity (identity.actions.ts): the published keys (no auth: verifiers anywhere must reach them,
 * so they are cacheable and open to any origin) and the owners' signing settings.
 */
import { JWKS_MAX_AGE_SECONDS } from "../lib/crypto/jwt-svid.ts";
import { createRouter } from "../router.ts";
import { actionContextOf, publicContextOf } from "../request-context.ts";
import { getIdentity, publishedJwks, rotateSigningKeys, spiffeBundle, updateIdentity } from "./identity.actions.ts";
import * as routes from "./identity.routes.ts";

/** Verifiers may cache the key documents this long; rotation waits at least as long (see docs/identity.md). */
const PUBLIC_CACHE_HEADERS = {
  "Cache-Control": `public, max-age=${JWKS_MAX_AGE_SECONDS}`,
  "Access-Control-Allow-Origin": "*",
};

export const identityRouter = createRouter();

identityRouter
  .openapi(routes.jwks, async (c) => c.json(await publishedJwks(publicContextOf(c), c.req.valid("param").companyId), 200, PUBLIC_CACHE_HEADERS))
  .openapi(routes.spiffeBundle, async (c) => c.json(await spiffeBundle(publicContextOf(c), c.req.valid("param").companyId), 200, PUBLIC_CACHE_HEADERS))
  .openapi(routes.getIdentity, async (c) => c.json(await getIdentity(actionContextOf(c)), 200))
  .openapi(routes.updateIdentity, async (c) => c.json(await updateIdentity(actionContextOf(c), c.req.valid("json")), 200))
  .openapi(routes.rotateSigningKeys, async (c) => c.json(await rotateSigningKeys(actionContextOf(c), { force: c.req.valid("query").force === "true" }), 200));
