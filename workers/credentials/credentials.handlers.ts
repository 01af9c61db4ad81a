/** Credentials: encrypted on the way in, names only on the way out. */
import { authorizeSelectedVault } from "../auth/gate.ts";
import { and, eq, inArray } from "drizzle-orm";
import { auditStatement } from "../db/audit.ts";
import { companyDataKey } from "../db/data-keys.ts";
import { credentials } from "../db/schema.ts";
import { associatedData, sealText } from "../lib/crypto-envelope.ts";
import { createRouter } from "../lib/router.ts";
import { forgetVaultConfig } from "../proxy/vault-config.ts";
import * as routes from "./credentials.routes.ts";

export const credentialsRouter = createRouter();

credentialsRouter
  .openapi(routes.setCredentials, async (c) => {
    const body = c.req.valid("json");
    const principal = c.var.principal;
    const db = c.var.db;
    const { vault } = await authorizeSelectedVault(c, body.vault);
    const dataKey = await companyDataKey(db, c.env, principal.companyId);
    const now = Date.now();
    const keys = Object.keys(body.credentials).sort();
    // Seal first, then build the statements: drizzle queries are thenables, so an async map
    // returning them would run each one on its own instead of inside the batch.
    const sealed = await Promise.all(
      keys.map((key) => sealText(dataKey, body.credentials[key] ?? "", associatedData.credential(principal.companyId, vault.id, key))),
    );
    const upserts = keys.map((key, i) => {
      const ciphertext = sealed[i] ?? "";
      return db
        .insert(credentials)
        .values({ companyId: principal.companyId, vaultId: vault.id, key, ciphertext, createdAt: now, updatedAt: now, updatedBy: principal.id })
        .onConflictDoUpdate({ target: [credentials.vaultId, credentials.key], set: { ciphertext, updatedAt: now, updatedBy: principal.id } });
    });
    await db.batch([auditStatement(db, principal, { action: "credential.set", targetType: "vault", targetId: vault.id, detail: { keys } }), ...upserts]);
    forgetVaultConfig(principal.companyId, vault.id);
    return c.json({ vault: vault.name, set: keys }, 200);
  })
  .openapi(routes.listCredentials, async (c) => {
    const { vault } = await authorizeSelectedVault(c, c.req.valid("query").vault);
    const rows = await c.var.db
      .select({ key: credentials.key })
      .from(credentials)
      .where(and(eq(credentials.vaultId, vault.id), eq(credentials.companyId, c.var.principal.companyId)))
      .orderBy(credentials.key)
      .all();
    return c.json({ vault: vault.name, keys: rows.map((r) => r.key) }, 200);
  })
  .openapi(routes.deleteCredentials, async (c) => {
    const body = c.req.valid("json");
    const principal = c.var.principal;
    const db = c.var.db;
    const { vault } = await authorizeSelectedVault(c, body.vault);
    const where = and(eq(credentials.vaultId, vault.id), eq(credentials.companyId, principal.companyId), inArray(credentials.key, body.keys));
    const [deleted] = await db.batch([
      db.delete(credentials).where(where).returning({ key: credentials.key }),
      auditStatement(db, principal, { action: "credential.delete", targetType: "vault", targetId: vault.id, detail: { keys: body.keys } }),
    ]);
    forgetVaultConfig(principal.companyId, vault.id);
    return c.json({ vault: vault.name, deleted: deleted.map((r) => r.key).sort() }, 200);
  });
