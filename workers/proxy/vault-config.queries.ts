/** What the proxy reads of a vault besides its services: its credentials, still sealed. */
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { credentials } from "../db/schema.ts";

/** Every credential of the vault as key and ciphertext; values are opened only for the matched service. */
export async function sealedCredentials(db: Database, companyId: string, vaultId: string): Promise<{ key: string; ciphertext: string }[]> {
  return db
    .select({ key: credentials.key, ciphertext: credentials.ciphertext })
    .from(credentials)
    .where(and(eq(credentials.companyId, companyId), eq(credentials.vaultId, vaultId)))
    .all();
}
