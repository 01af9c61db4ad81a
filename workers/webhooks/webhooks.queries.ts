/** A vault's webhooks: reads, and the changes that add and remove them. */
import { and, eq, sql } from "drizzle-orm";
import { auditStatement } from "../db/audit.ts";
import { change } from "../db/change.ts";
import type { Database } from "../db/client.ts";
import { webhooks } from "../db/schema.ts";
import type { Principal } from "../lib/principal.ts";
import { MAX_WEBHOOKS_PER_VAULT } from "./webhooks.contract.ts";

export type WebhookRow = typeof webhooks.$inferSelect;

export async function listVaultWebhooks(db: Database, companyId: string, vaultId: string): Promise<WebhookRow[]> {
  return db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.vaultId, vaultId), eq(webhooks.companyId, companyId)))
    .all();
}

const webhookWhere = (companyId: string, vaultId: string, id: string) =>
  and(eq(webhooks.id, id), eq(webhooks.vaultId, vaultId), eq(webhooks.companyId, companyId));

export async function webhookExists(db: Database, companyId: string, vaultId: string, id: string): Promise<boolean> {
  return (
    (await db
      .select({ id: webhooks.id })
      .from(webhooks)
      .where(webhookWhere(companyId, vaultId, id))
      .get()) !== undefined
  );
}

/** The vault's other webhooks leave room for this one: counted inside the batch that adds it. */
const roomFor = (webhook: WebhookRow) =>
  sql`(SELECT count(*) FROM ${webhooks} WHERE ${webhooks.vaultId} = ${webhook.vaultId} AND ${webhooks.id} != ${webhook.id}) < ${MAX_WEBHOOKS_PER_VAULT}`;

/**
 * A new webhook; its secret is stored sealed only. The per-vault cap is the audit row's guard, so
 * parallel additions cannot all pass one count: past the cap the batch fails whole (`isGuardFailure`).
 */
export function createWebhookChange(db: Database, principal: Principal, webhook: WebhookRow) {
  return change([
    db.insert(webhooks).values(webhook),
    auditStatement(
      db,
      principal,
      { action: "webhook.create", targetType: "vault", targetId: webhook.vaultId, detail: { webhook: webhook.id, url: webhook.url, events: webhook.events } },
      roomFor(webhook),
    ),
  ] as const);
}

export function deleteWebhookChange(db: Database, principal: Principal, vaultId: string, id: string) {
  return change([
    db.delete(webhooks).where(webhookWhere(principal.companyId, vaultId, id)),
    auditStatement(db, principal, { action: "webhook.delete", targetType: "vault", targetId: vaultId, detail: { webhook: id } }),
  ] as const);
}
