/** A vault's webhooks: reads, and the changes that add and remove them. */
import { and, count, eq } from "drizzle-orm";
import { auditStatement } from "../db/audit.ts";
import { change } from "../db/change.ts";
import type { Database } from "../db/client.ts";
import { webhooks } from "../db/schema.ts";
import type { Principal } from "../lib/principal.ts";

export type WebhookRow = typeof webhooks.$inferSelect;

export async function countVaultWebhooks(db: Database, vaultId: string): Promise<number> {
  return (await db.select({ n: count() }).from(webhooks).where(eq(webhooks.vaultId, vaultId)).get())?.n ?? 0;
}

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

/** A new webhook; its secret is stored sealed only. */
export function createWebhookChange(db: Database, principal: Principal, webhook: WebhookRow) {
  return change([
    db.insert(webhooks).values(webhook),
    auditStatement(db, principal, {
      action: "webhook.create",
      targetType: "vault",
      targetId: webhook.vaultId,
      detail: { webhook: webhook.id, url: webhook.url, events: webhook.events },
    }),
  ] as const);
}

export function deleteWebhookChange(db: Database, principal: Principal, vaultId: string, id: string) {
  return change([
    db.delete(webhooks).where(webhookWhere(principal.companyId, vaultId, id)),
    auditStatement(db, principal, { action: "webhook.delete", targetType: "vault", targetId: vaultId, detail: { webhook: id } }),
  ] as const);
}
