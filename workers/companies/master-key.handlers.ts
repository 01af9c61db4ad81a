/**
 * Master-key rotation (platform operator). Procedure: append `v<N+1>:<key>` to MASTER_KEYS and
 * deploy; call this endpoint until `remaining` is 0; then drop the old entry. Only the wrapped
 * data keys change; credentials and signing keys are never re-encrypted.
 */
import { requirePlatformOperator } from "../auth/platform.ts";
import { masterKeyring } from "../db/data-keys.ts";
import { commitChange } from "../effects.ts";
import { rewrapDataKey } from "../lib/crypto-envelope.ts";
import * as routes from "./master-key.routes.ts";
import { createRouter } from "../router.ts";
import { companiesWithStaleDataKey, rewrapDataKeyChange } from "./companies.queries.ts";

/** Companies re-wrapped per call, to stay well inside a Worker invocation's limits. */
const REWRAP_BATCH = 200;

export const masterKeyRouter = createRouter().openapi(routes.rotateMasterKey, async (c) => {
  await requirePlatformOperator(c);
  const db = c.var.db;
  const ring = await masterKeyring(c.env);
  const rows = await companiesWithStaleDataKey(db, ring.current, REWRAP_BATCH + 1);
  let rewrapped = 0;
  for (const company of rows.slice(0, REWRAP_BATCH)) {
    if (!company.dataKeyWrapped || company.dataKeyVersion == null) continue;
    const stored = { wrapped: company.dataKeyWrapped, version: company.dataKeyVersion };
    const next = await rewrapDataKey(ring, company.id, stored);
    await commitChange(c, rewrapDataKeyChange(db, company.id, stored, next));
    rewrapped++;
  }
  return c.json({ current_version: ring.current, rewrapped, remaining: Math.max(0, rows.length - rewrapped) }, 200);
});
