/**
 * Reading an answer from a server the edge does not control (a token endpoint, an identity
 * provider's discovery document, JWKS or userinfo) up to a byte limit: counted as it streams in,
 * and cancelled the moment it passes the limit, so a 60 MiB (or endless) answer costs the edge
 * the limit and no more.
 */

/** The answer was longer than the limit it was read with. */
export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the answer is over ${limit} bytes`);
    this.name = "BodyTooLarge";
  }
}

/**
 * The body's bytes, or BodyTooLarge once more than `limit` arrived (or its Content-Length says so,
 * before any is read); the stream is cancelled either way.
 *
 * @example await readAtMost(new Response("ok").body, 1024) // Uint8Array [0x6f, 0x6b]
 */
export async function readAtMost(body: ReadableStream<Uint8Array> | null, limit: number, declaredLength?: string | null): Promise<Uint8Array> {
  if (!body) return new Uint8Array();
  if (Number(declaredLength ?? 0) > limit) {
    await body.cancel();
    throw new BodyTooLarge(limit);
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new BodyTooLarge(limit);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** The statuses whose Response may carry no body. */
export const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
