/**
 * Whether a redaction's forms may occur in a body at all, asked of the runtime's native search
 * before the byte-by-byte scan (lib/http/redaction.ts): nearly every answer holds none, and a
 * 1 MiB one took that scan about 2 ms under workerd (bench/README.md, issue 24).
 *
 * `Buffer#indexOf` finds a piece's first byte with `memchr` and compares from there, so its speed
 * depends on how often that byte occurs: under workerd a MiB of JSON took 0.2–0.3 ms for a piece
 * beginning with a lower-case letter and 0.025 ms for one beginning with a byte the body lacks. So
 * each anchor is searched for from its rarest byte in a sample of the body, to its end: a piece of
 * a form that is absent means the form is absent; a piece found where the form is not only costs
 * the scan that would have run anyway.
 */
import { Buffer } from "node:buffer";

/** Bodies shorter than this go straight to the scan: a handful of native calls cost more than it. */
export const NATIVE_SEARCH_FROM = 4096;

/** How much of a body is sampled for its byte counts. */
const SAMPLE_BYTES = 4096;

/** The shortest piece searched for (a shorter anchor whole): shorter ones would be found by chance. */
const MIN_PIECE = 8;

export class FormSearch {
  /**
   * The forms that hold no shorter form (every other form holds one of them): where none of these
   * occurs, no form does.
   */
  readonly #anchors: readonly Buffer[];

  /** `forms` longest first, as the redaction table keeps them. */
  constructor(forms: readonly { form: string; bytes: Uint8Array }[]) {
    this.#anchors = forms
      .filter(({ form }, at) => !forms.slice(at + 1).some((shorter) => shorter.form.length < form.length && form.includes(shorter.form)))
      .map(({ bytes }) => Buffer.from(bytes));
  }

  /** False when no form occurs anywhere in `bytes`; true when one may. */
  mayOccurIn(bytes: Uint8Array): boolean {
    if (this.#anchors.length === 0) return false;
    const counts = byteCounts(bytes.subarray(0, SAMPLE_BYTES));
    const haystack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return this.#anchors.some((anchor) => haystack.indexOf(rarestPiece(anchor, counts)) !== -1);
  }
}

function byteCounts(sample: Uint8Array): Uint32Array {
  const counts = new Uint32Array(256);
  for (const byte of sample) counts[byte] = (counts[byte] as number) + 1;
  return counts;
}

/** `anchor` from the byte least seen in the sample (the earliest of equals, so the longest piece), to its end. */
function rarestPiece(anchor: Buffer, counts: Uint32Array): Buffer {
  let from = 0;
  for (let k = 1; k <= anchor.length - Math.min(anchor.length, MIN_PIECE); k++) {
    if ((counts[anchor[k] as number] as number) < (counts[anchor[from] as number] as number)) from = k;
  }
  return from === 0 ? anchor : anchor.subarray(from);
}
