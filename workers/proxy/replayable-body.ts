/**
 * Whether a proxied request can be sent twice: an `oauth` service's request answered 401 is sent
 * once more with a refreshed token (proxy.handlers.ts), which needs its body again. A request
 * without a body can always be; one whose declared length is at most 64 KiB is read here first and
 * kept; anything else (larger, or of unknown length) streams through as every request does and is
 * not retried. The cap keeps the retry from turning the proxy's streaming into buffering.
 */

/** The largest body kept for a retry. */
export const MAX_REPLAYABLE_BODY_BYTES = 64 * 1024;

export type PreparedBody = { replayable: true; body: ArrayBuffer | null } | { replayable: false; body: ReadableStream<Uint8Array> | null };

/**
 * @example await replayableBody(new Request("https://x/", { method: "GET" })) // { replayable: true, body: null }
 */
export async function replayableBody(request: Request): Promise<PreparedBody> {
  if (request.body === null) return { replayable: true, body: null };
  const declared = request.headers.get("content-length");
  const length = declared === null ? Number.NaN : Number(declared);
  if (!Number.isSafeInteger(length) || length > MAX_REPLAYABLE_BODY_BYTES) return { replayable: false, body: request.body };
  if (length === 0) return { replayable: true, body: null };
  return { replayable: true, body: await request.arrayBuffer() };
}
