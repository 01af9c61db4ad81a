/**
 * Master-key rotation (platform operator). Procedure: append `v<N+1>:<key>` to MASTER_KEYS and
 * deploy; call this endpoint until `remaining` is 0; then drop the old entry. Only the wrapped
 * data keys change; credentials and signing keys are never re-encrypted.
 */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { and, eq, isNotNull, ne } from "drizzle-orm";
import { requirePlatformOperator } from "../auth/platform.ts";
import { auditStatement } from "../db/audit.ts";
import { masterKeyring } from "../db/data-keys.ts";
import { companies } from "../db/schema.ts";
import { rewrapDataKey } from "../lib/crypto-envelope.ts";
import { errors, jsonResponse } from "../lib/openapi.ts";
import { createRouter } from "../lib/router.ts";

/** Companies re-wrapped per call, to stay well inside a Worker invocation's limits. */
const REWRAP_BATCH = 200;

export const rotateMasterKey = createRoute({
  method: "post",
  path: "/v1/platform/master-key/rotate",
  tags: ["platform"],
  summary: "Re-wrap company data keys under the newest master key (platform operator)",
  responses: {
    200: jsonResponse(z.object({ current_version: z.number(), rewrapped: z.number(), remaining: z.number() }), "Progress"),
    ...errors(401),
  },
});

export const masterKeyRouter = createRouter().openapi(rotateMasterKey, async (c) => {
  await requirePlatformOperator(c);
  const db = c.var.db;
  const ring = await masterKeyring(c.env);
  const stale = and(isNotNull(companies.dataKeyWrapped), ne(companies.dataKeyVersion, ring.current));
  const rows = await db.select().from(companies).where(stale).limit(REWRAP_BATCH + 1).all();
  let rewrapped = 0;
  for (const company of rows.slice(0, REWRAP_BATCH)) {
    if (!company.dataKeyWrapped || company.dataKeyVersion == null) continue;
    const next = await rewrapDataKey(ring, company.id, { wrapped: company.dataKeyWrapped, version: company.dataKeyVersion });
    await db.batch([
      // Compare-and-set on the old wrapped value: a concurrent rotation cannot clobber this one.
      db
        .update(companies)
        .set({ dataKeyWrapped: next.wrapped, dataKeyVersion: next.version })
        .where(and(eq(companies.id, company.id), eq(companies.dataKeyWrapped, company.dataKeyWrapped))),
      auditStatement(db, { kind: "platform", companyId: company.id }, {
        action: "master_key.rewrap",
        targetType: "company",
        targetId: company.id,
        detail: { from_version: company.dataKeyVersion, to_version: next.version },
      }),
    ]);
    rewrapped++;
  }
  return c.json({ current_version: ring.current, rewrapped, remaining: Math.max(0, rows.length - rewrapped) }, 200);
});
