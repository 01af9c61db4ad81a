/** Credentials of a vault: sealed values in, names out. Every write forgets the vault's proxy config. */
import { and, eq, inArray, sql } from "drizzle-orm";
import { auditStatement } from "../db/audit.ts";
import { change } from "../db/change.ts";
import type { Database } from "../db/client.ts";
import { credentials } from "../db/schema.ts";
import type { Principal } from "../lib/principal.ts";

type Vault = { id: string; companyId: string };

/** The vault's credential names, sorted (never values). */
export async function credentialNames(db: Database, vault: Vault): Promise<string[]> {
  const rows = await db
    .select({ key: credentials.key })
    .from(credentials)
    .where(and(eq(credentials.vaultId, vault.id), eq(credentials.companyId, vault.companyId)))
    .orderBy(credentials.key)
    .all();
  return rows.map((r) => r.key);
}

/** Stores sealed values (already encrypted under the company's data key, bound to their key). */
export function setCredentialsChange(db: Database, principal: Principal, vault: Vault, sealed: readonly { key: string; ciphertext: string }[], now: number) {
  const upserts = sealed.map(({ key, ciphertext }) =>
    db
      .insert(credentials)
      .values({ companyId: vault.companyId, vaultId: vault.id, key, ciphertext, createdAt: now, updatedAt: now, updatedBy: principal.id })
      .onConflictDoUpdate({ target: [credentials.vaultId, credentials.key], set: { ciphertext, updatedAt: now, updatedBy: principal.id } }),
  );
  return change(
    [
      auditStatement(db, principal, { action: "credential.set", targetType: "vault", targetId: vault.id, detail: { keys: sealed.map((s) => s.key) } }),
      ...upserts,
    ] as const,
    {
      vaults: [{ companyId: vault.companyId, vaultId: vault.id }],
    },
  );
}

export function deleteCredentialsChange(db: Database, principal: Principal, vault: Vault, keys: readonly string[]) {
  return change(
    [
      db
        .delete(credentials)
        .where(and(eq(credentials.vaultId, vault.id), eq(credentials.companyId, vault.companyId), inArray(credentials.key, [...keys])))
        .returning({ key: credentials.key }),
      auditStatement(db, principal, { action: "credential.delete", targetType: "vault", targetId: vault.id, detail: { keys } }),
    ] as const,
    { vaults: [{ companyId: vault.companyId, vaultId: vault.id }] },
  );
}

/** The vault's credential names with when each was last set, as the console lists them (never values). */
export async function credentialSummaries(db: Database, vault: Vault): Promise<{ key: string; updatedAt: number }[]> {
  return db
    .select({ key: credentials.key, updatedAt: sql<number>`coalesce(${credentials.updatedAt}, ${credentials.createdAt})` })
    .from(credentials)
    .where(and(eq(credentials.vaultId, vault.id), eq(credentials.companyId, vault.companyId)))
    .orderBy(credentials.key)
    .all();
}
