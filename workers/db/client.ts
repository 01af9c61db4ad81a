/**
 * The drizzle client over D1, built once per D1 binding and isolate. Building one is not cheap:
 * `drizzle(d1, { schema })` derives the schema's relational config on every call, which was
 * 15.9 % of a warm `/proxy`'s CPU when done per request (bench/README.md). The client holds no
 * per-request state (D1 has no transactions to carry), so sharing it across requests is safe.
 */
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import * as schema from "./schema.ts";

/** With the D1 binding it runs on (`$client`): a batch of raw statements goes through the same binding, counted alike. */
export type Database = DrizzleD1Database<typeof schema> & { $client: D1Database };

/** Keyed by the binding object: a test world with its own binding gets its own client. */
const clients = new WeakMap<D1Database, Database>();

export function createDatabase(d1: D1Database): Database {
  let db = clients.get(d1);
  if (!db) {
    db = drizzle(d1, { schema });
    clients.set(d1, db);
  }
  return db;
}
