/** Credentials: encrypted on the way in, names only on the way out. */
import { authorizeSelectedVault } from "../auth/gate.ts";
import { companyDataKey } from "../db/data-keys.ts";
import { commitChange } from "../effects.ts";
import { associatedData, sealText } from "../lib/crypto-envelope.ts";
import { createRouter } from "../router.ts";
import { credentialNames, deleteCredentialsChange, setCredentialsChange } from "./credentials.queries.ts";
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
    await commitChange(
      c,
      setCredentialsChange(
        db,
        principal,
        vault,
        keys.map((key, i) => ({ key, ciphertext: sealed[i] ?? "" })),
        now,
      ),
    );
    return c.json({ vault: vault.name, set: keys }, 200);
  })
  .openapi(routes.listCredentials, async (c) => {
    const { vault } = await authorizeSelectedVault(c, c.req.valid("query").vault);
    return c.json({ vault: vault.name, keys: await credentialNames(c.var.db, vault) }, 200);
  })
  .openapi(routes.deleteCredentials, async (c) => {
    const body = c.req.valid("json");
    const principal = c.var.principal;
    const db = c.var.db;
    const { vault } = await authorizeSelectedVault(c, body.vault);
    const [deleted] = await commitChange(c, deleteCredentialsChange(db, principal, vault, body.keys));
    return c.json({ vault: vault.name, deleted: deleted.map((r) => r.key).sort() }, 200);
  });
