/** CSRF tokens for cookie sessions: random per session, stored as a hash, checked in constant time. */
import { eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { userSessions } from "../db/schema.ts";
import { digestsEqual, sha256Hex } from "../lib/tokens.ts";

export async function verifyCsrf(db: Database, sessionId: string, presented: string): Promise<boolean> {
  const row = await db.select({ csrfHash: userSessions.csrfHash }).from(userSessions).where(eq(userSessions.id, sessionId)).get();
  if (!row?.csrfHash) return false;
  return digestsEqual(row.csrfHash, await sha256Hex(presented));
}
