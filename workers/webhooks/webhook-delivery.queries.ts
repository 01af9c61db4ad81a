/** What a delivery reads of its webhook: where it goes and its sealed signing secret. */
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { webhooks } from "../db/schema.ts";

/** The company's webhook of that id, or undefined once it was deleted (the delivery is then dropped). */
export async function webhookToDeliver(
  db: Database,
  companyId: string,
  webhookId: string,
): Promise<{ id: string; url: string; sealedSecret: string } | undefined> {
  return db
    .select({ id: webhooks.id, url: webhooks.url, sealedSecret: webhooks.sealedSecret })
    .from(webhooks)
    .where(and(eq(webhooks.id, webhookId), eq(webhooks.companyId, companyId)))
    .get();
}
