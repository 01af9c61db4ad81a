/**
 * How an upstream answer's body reaches the agent: counted, redacted on the way when the service
 * redacts, its in-flight slot freed when it has been handed on (`done`).
 *
 * Cheapest first (bench/README.md, issue 24):
 * - an answer of declared length, not content-encoded, that the isolate has room to hold
 *   (whole-answers.ts) and that arrives within `WHOLE_READ_WAIT_MS` is read whole (scanned once
 *   when redacted) and handed on with its exact length: under `wrangler dev` that cost a 1 MiB
 *   answer less than half the time of a pipe through the runtime's `FixedLengthStream`, and a
 *   35-byte one needs no stream at all (the bytes go to the runtime as they are). One that breaks off before its declared end is 502, never a
 *   short 200; one still arriving after the wait streams from where it is (the agent gets the head
 *   then, not after the last byte);
 * - a larger unredacted one goes through that pipe, its bytes never entering JavaScript;
 * - any other is read in pieces of up to 64 KiB into the runtime's `IdentityTransformStream` (a
 *   JavaScript `TransformStream` took the runtime's 4 KiB chunks one by one: 263 crossings per MiB).
 *
 * A content-encoded answer's declared length is the compressed one while its body arrives decoded
 * (the runtime's `fetch` decodes it and encodes the answer again for the agent), so it always
 * streams, without `Content-Length`.
 */
import { concat, type Redactor } from "../lib/http/redaction.ts";
import * as errors from "./proxy-errors.ts";
import { reserveWholeAnswer } from "./whole-answers.ts";

/** How long after its head an answer read whole may take to arrive before it streams instead. */
export const WHOLE_READ_WAIT_MS = 1_000;

/** The largest piece read from the upstream at once when streaming: a read returns what has arrived, never waiting to fill it. */
const PUMP_PIECE = 64 * 1024;

/** The bytes handed on, or null for a body that failed part-way (a declared length's pipe never counts them). */
export type BodyDone = (bytes: number | null) => void;

/** The upstream's `Content-Length`, when it declares one the runtime can hold it to. */
function declaredLength(headers: Headers): number | null {
  const value = headers.get("content-length");
  return value !== null && /^\d{1,15}$/.test(value) ? Number(value) : null;
}

/**
 * The body to hand the agent for `upstream`'s answer; `headers` (the agent's, already redacted) get
 * the length it goes out with, or lose it. `done` runs once: when the body has been read (a whole
 * one) or handed on, or has failed or been cancelled.
 */
export async function handedOnBody(
  upstream: Response,
  headers: Headers,
  attempt: errors.UpstreamAttempt,
  waitUntil: (p: Promise<unknown>) => void,
  done: BodyDone,
  redactor: Redactor | null,
): Promise<ReadableStream<Uint8Array> | Uint8Array | null> {
  const body = upstream.body;
  if (!body) {
    done(0);
    return null;
  }
  const encoded = upstream.headers.has("content-encoding");
  if (encoded) headers.delete("content-length");
  const length = encoded ? null : declaredLength(upstream.headers);
  // A redaction may grow what it replaces (a short value, a long key name): the budget counts the most it could be.
  const giveBack = length === null ? null : reserveWholeAnswer(length, redactor?.growth ?? 1);
  if (length !== null && giveBack) {
    const read = await readWhole(body, length, attempt).catch((error: unknown) => {
      giveBack();
      throw error;
    });
    if ("late" in read) {
      headers.delete("content-length");
      return pumped(read.late, redactor, waitUntil, (bytes) => {
        giveBack();
        done(bytes);
      });
    }
    const out = redactor ? redactor.whole(read.whole) : read.whole;
    done(out.byteLength);
    headers.set("content-length", String(out.byteLength));
    // Handed to the runtime as bytes, the budget is given back: it bounds what is read and redacted
    // at once. (Held until a FixedLengthStream had taken it, the budget leaked whenever the agent
    // went away mid-answer: the runtime never settles a write its reader abandoned.)
    giveBack();
    return out;
  }
  if (!redactor && length !== null) {
    const passed = new FixedLengthStream(length);
    waitUntil(
      body.pipeTo(passed.writable).then(
        () => done(length),
        () => done(null),
      ),
    );
    return passed.readable;
  }
  return pumped({ reader: body.getReader({ mode: "byob" }) }, redactor, waitUntil, done);
}

/**
 * Where a streamed body resumes: its reader and, for an answer first read whole, the bytes read
 * before it ran late and the read then under way.
 */
type Resumed = { reader: ReadableStreamBYOBReader; head?: Uint8Array; first?: Promise<Uint8Array> };

/**
 * Reads an answer of declared `length` whole, or gives up waiting after `WHOLE_READ_WAIT_MS`
 * (`late`: it streams from there, the bytes read so far first). An answer that ends or fails before
 * its declared end is the request's failure (502, logged by the handler).
 */
async function readWhole(
  body: ReadableStream<Uint8Array>,
  length: number,
  attempt: errors.UpstreamAttempt,
): Promise<{ whole: Uint8Array } | { late: Resumed }> {
  if (length === 0) {
    await body.cancel().catch(() => undefined);
    return { whole: new Uint8Array(0) };
  }
  const reader = body.getReader({ mode: "byob" });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), WHOLE_READ_WAIT_MS);
  });
  // Read in pieces (a BYOB read lends its buffer out until it completes), so what has arrived can be handed on if it runs late.
  const pieces: Uint8Array[] = [];
  let filled = 0;
  try {
    while (filled < length) {
      const reading = reader.read(new Uint8Array(Math.min(PUMP_PIECE, length - filled)));
      const result = await Promise.race([reading, late]);
      if (result === "late") {
        const head = joined(pieces);
        const first = reading.then(({ value, done }) => {
          if (done || !value) throw new Error("the answer ended before its declared length");
          return value;
        });
        return { late: { reader, head, first } };
      }
      if (result.done || !result.value) throw new Error("the answer ended before its declared length");
      pieces.push(result.value);
      filled += result.value.byteLength;
    }
  } catch (cause) {
    await reader.cancel().catch(() => undefined);
    throw errors.upstreamBrokeOff(attempt, cause);
  } finally {
    clearTimeout(timer);
  }
  // The reader is not released: every declared byte has been read, and a release rejects the
  // reader's `closed` with a fresh TypeError (a stack captured per request, for nothing).
  return { whole: joined(pieces) };
}

/** Pieces as one (the piece itself when there is one). */
const joined = (pieces: readonly Uint8Array[]): Uint8Array => (pieces.length === 1 ? (pieces[0] as Uint8Array) : concat(pieces));

/** The runtime's stream that `resumed` is pumped into, in the background. */
function pumped(resumed: Resumed, redactor: Redactor | null, waitUntil: (p: Promise<unknown>) => void, done: BodyDone): ReadableStream<Uint8Array> {
  const passed = new IdentityTransformStream();
  waitUntil(pumpBody(resumed, passed.writable.getWriter(), redactor, done));
  return passed.readable;
}

/**
 * Reads in pieces (up to 64 KiB of what has arrived, never waiting to fill one) into the runtime's
 * own stream through `writer`, redacting each, and calls `done` with the bytes handed on before the
 * end is written (so the request's log row is buffered by the time the agent reads the end), or
 * with null when either side fails. An upstream that fails mid-body aborts the agent's body (under
 * `wrangler dev` a chunked answer aborted reaches a client as a clean end: docs/proxy.md); an agent
 * that goes away fails the next write, which cancels the upstream. (A JavaScript `ReadableStream`
 * handed to the runtime was tried instead: the runtime never called its `cancel` when the agent
 * went away, so the slot of an abandoned endless answer was never freed.)
 */
async function pumpBody(
  { reader, head, first }: Resumed,
  writer: WritableStreamDefaultWriter<Uint8Array>,
  redactor: Redactor | null,
  done: BodyDone,
): Promise<void> {
  let bytes = 0;
  let reported = false;
  const report = (handedOn: number | null) => {
    if (reported) return;
    reported = true;
    done(handedOn);
  };
  const hand = async (out: Uint8Array | null | undefined) => {
    if (!out || out.byteLength === 0) return;
    bytes += out.byteLength;
    await writer.write(out);
  };
  try {
    if (head) await hand(redactor ? redactor.pass(head) : head);
    if (first) {
      const piece = await first;
      await hand(redactor ? redactor.pass(piece) : piece);
    }
    for (;;) {
      const { value, done: ended } = await reader.read(new Uint8Array(PUMP_PIECE));
      if (ended) break;
      await hand(redactor ? redactor.pass(value) : value);
    }
    await hand(redactor?.finish());
    report(bytes);
    await writer.close();
  } catch (error) {
    report(null);
    await Promise.allSettled([writer.abort(error), reader.cancel(error)]);
  }
}
