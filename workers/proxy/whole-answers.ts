/**
 * How much of the upstream's answers this isolate may hold whole at once, to redact them in one
 * scan and hand them on with their exact length.
 *
 * A redacted answer that streams loses its `Content-Length` (a replacement changes the length)
 * and costs a JavaScript step per piece; one read whole is scanned once and handed on with its
 * length, which under `wrangler dev` cost a 1 MiB answer about half the time (bench/README.md,
 * issue 24). Holding answers whole costs memory, so it is bounded twice: an answer over
 * `WHOLE_ANSWER_LIMIT` always streams, and answers held at once never exceed `WHOLE_ANSWERS_BUDGET`
 * in the isolate (one that would streams instead), so a burst of large answers cannot exhaust the
 * isolate's 128 MB.
 */

/** The largest declared length read whole. */
export const WHOLE_ANSWER_LIMIT = 1024 * 1024;

/** Up to this size (as read and as handed on) an answer is read whole without taking from the budget: a streamed one holds about as much in its pieces. */
export const SMALL_ANSWER = 64 * 1024;

/** Bytes of answers this isolate may hold whole at once (each counted as read and as handed on, at its most after redaction). */
export const WHOLE_ANSWERS_BUDGET = 32 * 1024 * 1024;

let held = 0;

/** Bytes now held whole in this isolate (tests). */
export const wholeAnswersHeld = (): number => held;

/**
 * Reserves room to read an answer of `length` bytes whole and hand it on: a function that gives it
 * back (once), or null when the answer must stream (too large, or the isolate holds too much
 * already). `growth` is the most a redaction can multiply the bytes it replaces by (a 6-byte value
 * becoming `[REDACTED:<a long key>]`): the answer as handed on may be that much larger.
 */
export function reserveWholeAnswer(length: number, growth = 1): (() => void) | null {
  if (length > WHOLE_ANSWER_LIMIT) return null;
  const cost = length * (1 + Math.max(1, growth));
  if (cost <= SMALL_ANSWER * 2) return () => {};
  if (held + cost > WHOLE_ANSWERS_BUDGET) return null;
  held += cost;
  let given = false;
  return () => {
    if (given) return;
    given = true;
    held -= cost;
  };
}
