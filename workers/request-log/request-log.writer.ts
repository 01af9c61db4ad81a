/**
 * The proxy's request log: one row per proxied request (never headers, query strings or
 * bodies), buffered per isolate and written in batches after responses are sent, so logging
 * never delays a request. Rows older than the retention are pruned as batches are written.
 * A row buffered in an isolate that dies before its flush is lost; that is the price of keeping
 * D1 off the hot path. Each row is attested in the batch that writes it (a trigger adds it to its
 * company's chain), and the companies' sealers are asked to seal after the batch.
 */
import { sealChains } from "../chain/chain-sealer-client.ts";
import { createDatabase } from "../db/client.ts";
import type { Env } from "../env.ts";
import { type RequestLogRow, writeRequestLogRows } from "./request-log.queries.ts";

export const REQUEST_LOG_RETENTION_MS = 30 * 24 * 3600 * 1000;
/** Flush when this many rows are waiting, or this long after the first one arrived. */
const FLUSH_AT_ROWS = 100;
const FLUSH_AFTER_MS = 2_000;

export type { RequestLogRow } from "./request-log.queries.ts";

let buffer: RequestLogRow[] = [];
/**
 * The timed flush now pending. A flush of any kind ends it; its timer still fires (the runtime
 * clears a timer only from the request that set it), and then does nothing, so a full batch is
 * never followed by a stale timer writing part of the next one.
 */
let scheduled: object | undefined;
let bindings: Pick<Env, "DB" | "CHAIN_SEALER"> | undefined;
let waitBeforeFlush = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Queues a row; `waitUntil` keeps the eventual flush alive after the response. */
export function logProxyRequest(env: Pick<Env, "DB" | "CHAIN_SEALER">, row: RequestLogRow, waitUntil: (p: Promise<unknown>) => void): void {
  bindings = env;
  buffer.push(row);
  if (buffer.length >= FLUSH_AT_ROWS) {
    waitUntil(flushRequestLog());
    return;
  }
  if (!scheduled) {
    const schedule = {};
    scheduled = schedule;
    waitUntil(waitBeforeFlush(FLUSH_AFTER_MS).then(() => (scheduled === schedule ? flushRequestLog() : undefined)));
  }
}

/** Test hook: the timed flush waits on `wait` instead of a timer, so a test settles it rather than sleeps. Returns the restore. */
export function waitBeforeFlushWith(wait: (ms: number) => Promise<void>): () => void {
  const previous = waitBeforeFlush;
  waitBeforeFlush = wait;
  return () => {
    waitBeforeFlush = previous;
  };
}

/** Writes every buffered row now (also the test hook: await it instead of sleeping). */
export async function flushRequestLog(): Promise<void> {
  scheduled = undefined;
  const rows = buffer;
  buffer = [];
  if (rows.length === 0 || !bindings) return;
  await writeRequestLogRows(createDatabase(bindings.DB), rows, Date.now() - REQUEST_LOG_RETENTION_MS);
  await sealChains(bindings, [...new Set(rows.map((row) => row.companyId))]);
}
