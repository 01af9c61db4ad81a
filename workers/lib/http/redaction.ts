/**
 * Response redaction: an upstream that echoes a credential back (a debug endpoint, an error page
 * quoting the request) would hand it to the agent. Every credential value the edge injected or
 * substituted into the request is replaced by `[REDACTED:<KEY>]` wherever it appears in the
 * response's headers and in bodies of textual types — as it is, and in the encodings an echo
 * usually wears: base64 (standard, unpadded, URL-safe, and inside a larger blob at any of the
 * three alignments), percent-encoding (as `encodeURIComponent`, a query value and a path segment
 * write it — the last two being the forms the edge itself substitutes — upper- or lower-case hex,
 * `+` for spaces), hex (either case) and a JSON string's escapes. A response header whose name
 * carries a value is dropped (a name cannot hold the replacement).
 *
 * A body is redacted as it streams, never buffered: the redactor holds back only a tail that could
 * still be the start of a value (at most the longest form's length less one byte), so a value
 * split across chunks at any point is still caught, memory stays bounded, and an event stream's
 * events are not held up (a tail that cannot begin a value is passed on at once). Matching is on
 * bytes, longest form first at each position, so the output is the same whatever the chunking.
 *
 * Values shorter than `MIN_REDACTED_LENGTH` are left alone: they would match ordinary text (an
 * account number `42` in every JSON body) and are no secret a redaction could keep.
 * Binary types pass untouched (docs/proxy.md): a credential is text, and rewriting bytes of an
 * image or an archive would corrupt it.
 */

import { FormSearch, NATIVE_SEARCH_FROM } from "./form-search.ts";
import { pathSegmentValue, queryValue } from "./substitutions.ts";

export const MIN_REDACTED_LENGTH = 6;

/** A credential value on the wire, and the key it is reported under. The value is secret. */
export type InjectedSecret = { key: string; value: string };

/** One byte sequence to replace (the form it encodes), and what replaces it. */
type Needle = { form: string; bytes: Uint8Array; replacement: Uint8Array };

const utf8 = new TextEncoder();

function base64Of(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

const urlSafe = (base64: string): string => base64.replaceAll("+", "-").replaceAll("/", "_");
const lowerHexEscapes = (percent: string): string => percent.replace(/%[0-9A-F]{2}/g, (escaped) => escaped.toLowerCase());

/**
 * The base64 characters that spell `bytes` whatever surrounds them, once for each of the three
 * alignments (`bytes` starting 0, 1 or 2 bytes into a 3-byte group of a larger blob). A character
 * carries 6 bits: those wholly inside `bytes` are the same in any blob that holds them at that
 * alignment; the first and last, shared with the neighbours' bits, are left out.
 */
function base64Alignments(bytes: Uint8Array): string[] {
  return [0, 1, 2].map((offset) => {
    const encoded = base64Of(concat([new Uint8Array(offset), bytes]));
    const firstBit = offset * 8;
    const endBit = (offset + bytes.length) * 8;
    return encoded.slice(Math.ceil(firstBit / 6), Math.floor(endBit / 6));
  });
}

const HEX_DIGITS = "0123456789abcdef";

function hexOf(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += (HEX_DIGITS[byte >> 4] as string) + (HEX_DIGITS[byte & 15] as string);
  return hex;
}

/**
 * Every form of `value` an echo may carry, the value itself first: the encodings an echo usually
 * wears, and every form the edge itself writes a value in (a path segment's and a query value's,
 * lib/http/substitutions.ts), so a value the edge put in the URL comes back redacted however the
 * upstream quotes that URL.
 */
export function encodedForms(value: string): string[] {
  const bytes = utf8.encode(value);
  const base64 = base64Of(bytes);
  const percent = encodeURIComponent(value);
  const asPathSegment = pathSegmentValue(value);
  const asQueryValue = queryValue(value);
  const hex = hexOf(bytes);
  const forms = [
    value,
    base64,
    base64.replace(/=+$/, ""),
    urlSafe(base64.replace(/=+$/, "")),
    ...base64Alignments(bytes).flatMap((inner) => [inner, urlSafe(inner)]),
    percent,
    lowerHexEscapes(percent),
    percent.replaceAll("%20", "+"),
    encodeURI(value),
    asPathSegment,
    lowerHexEscapes(asPathSegment),
    asQueryValue,
    lowerHexEscapes(asQueryValue),
    JSON.stringify(value).slice(1, -1),
    hex,
    hex.toUpperCase(),
  ];
  return [...new Set(forms)];
}

/** The byte sequences to replace for these secrets, longest first (the order ties are broken in). */
function needlesOf(secrets: readonly InjectedSecret[]): Needle[] {
  const byForm = new Map<string, string>();
  for (const { key, value } of secrets) {
    if (value.length < MIN_REDACTED_LENGTH) continue;
    for (const form of encodedForms(value)) if (!byForm.has(form)) byForm.set(form, key);
  }
  // One replacement's bytes per key, shared by its forms.
  const replacements = new Map<string, Uint8Array>();
  const replacementOf = (key: string) => replacements.get(key) ?? replacements.set(key, utf8.encode(`[REDACTED:${key}]`)).get(key) ?? new Uint8Array(0);
  return [...byForm]
    .map(([form, key]) => ({ form, bytes: utf8.encode(form), replacement: replacementOf(key) }))
    .sort((a, b) => b.bytes.length - a.bytes.length);
}

const NO_NEEDLES: readonly Needle[] = [];

/**
 * The needles of one request's secrets indexed by their first byte, and which bytes begin one.
 * Read-only once built, so one table serves the headers and the body of every request of a vault
 * config's copy (proxy/vault-config.ts `redactionTableOf`, which keeps it with that copy's decrypted
 * values): deriving every encoded form and its bytes again for each header, then for each request,
 * was most of redaction's cost on a small answer (bench/README.md, issue 24). An earlier `WeakMap`
 * keyed by each request's secrets array cost more in garbage collection (its ephemerons) than
 * building the table.
 */
export class RedactionTable {
  readonly byFirstByte: readonly (readonly Needle[] | undefined)[];
  readonly starts: Uint8Array;
  /** Every form lower-cased, for header names (which arrive lower-cased and cannot hold `[REDACTED:…]`). */
  readonly inNames: readonly string[];
  /** Every form's bytes as a byte string, as a header value holds them: a value holding none needs no redactor. */
  readonly inValues: readonly string[];
  /** The most a replacement multiplies the bytes it replaces by (1 when none grows). */
  readonly growth: number;
  /** The longest form's length in bytes (0 when nothing is redacted). */
  readonly longest: number;
  /** Asks the runtime whether any form may occur in a large body before it is scanned. */
  readonly search: FormSearch;

  constructor(secrets: readonly InjectedSecret[]) {
    // Lists only for the bytes a form begins with: 256 empty arrays per request were most of the table's cost.
    const byFirstByte: (Needle[] | undefined)[] = new Array(256);
    const starts = new Uint8Array(256);
    const needles = needlesOf(secrets);
    for (const needle of needles) {
      const first = needle.bytes[0] ?? 0;
      const list = byFirstByte[first] ?? [];
      list.push(needle);
      byFirstByte[first] = list;
      starts[first] = 1;
    }
    this.byFirstByte = byFirstByte;
    this.starts = starts;
    this.inNames = [...new Set(needles.map((needle) => needle.form.toLowerCase()))];
    this.inValues = needles.map((needle) => byteString(needle.bytes));
    this.growth = needles.reduce((most, needle) => Math.max(most, needle.replacement.length / needle.bytes.length), 1);
    this.longest = needles[0]?.bytes.length ?? 0;
    this.search = new FormSearch(needles);
  }
}

/** Secrets to redact, or the table already built from them. */
export type Redacting = readonly InjectedSecret[] | RedactionTable;

const tableOf = (secrets: Redacting): RedactionTable => (secrets instanceof RedactionTable ? secrets : new RedactionTable(secrets));

/**
 * A redactor over one byte stream: `push` each chunk and pass on what it returns, then `end`.
 * What it returns is what a one-shot redaction of the whole stream returns, however it is split.
 */
export class Redactor {
  /** How many values were replaced so far. */
  count = 0;
  readonly #byFirstByte: readonly (readonly Needle[] | undefined)[];
  /** 1 where some form begins with that byte: the scan skips every other byte in a tight loop. */
  readonly #starts: Uint8Array;
  readonly #table: RedactionTable;
  #pending: Uint8Array = new Uint8Array(0);

  /** The most this redaction multiplies the bytes it replaces by. */
  readonly growth: number;

  constructor(secrets: Redacting) {
    const table = tableOf(secrets);
    this.#table = table;
    this.growth = table.growth;
    this.#byFirstByte = table.byFirstByte;
    this.#starts = table.starts;
  }

  /** The output for one more chunk (parts of it may be held back until the next). */
  push(chunk: Uint8Array): Uint8Array[] {
    const buffer = this.#pending.length === 0 ? chunk : concat([this.#pending, chunk]);
    // Where no form occurs, only a tail too short to hold the longest form may begin one that the
    // next chunk completes: the rest passes unscanned, and only that tail is scanned.
    const clear = this.#holdsNoForm(buffer) ? Math.max(0, buffer.length - Math.max(0, this.#table.longest - 1)) : 0;
    const { parts, rest } = this.#scan(buffer.subarray(clear), false);
    if (clear > 0) parts.unshift(buffer.subarray(0, clear));
    // A copy, so the tail held back never keeps a whole chunk alive.
    this.#pending = rest.slice();
    return parts;
  }

  /** The output once the stream has ended: the tail held back, redacted as it stands. */
  end(): Uint8Array[] {
    const { parts } = this.#scan(this.#pending, true);
    this.#pending = new Uint8Array(0);
    return parts;
  }

  /**
   * A whole body at once (a redactor that has had nothing pushed): the body itself when it holds
   * no value, so a large answer that echoes nothing is neither copied nor held twice.
   */
  whole(body: Uint8Array): Uint8Array {
    if (this.#holdsNoForm(body)) return body;
    const before = this.count;
    const { parts } = this.#scan(body, true);
    if (this.count === before) return body;
    return concat(parts);
  }

  /** True only when `bytes` surely holds no form: a body too short for the native search is not asked about. */
  #holdsNoForm(bytes: Uint8Array): boolean {
    return bytes.length >= NATIVE_SEARCH_FROM && !this.#table.search.mayOccurIn(bytes);
  }

  /** `push`, joined: one chunk out (or none) per chunk in, so a body keeps the upstream's pace. */
  pass(chunk: Uint8Array): Uint8Array | null {
    return joined(this.push(chunk));
  }

  /** `end`, joined. */
  finish(): Uint8Array | null {
    return joined(this.end());
  }

  /**
   * Scans `buffer` greedily, longest form first at each position. A position where a form does
   * not fit yet but the bytes so far are its start cannot be decided before more arrive: the scan
   * stops there and returns the rest, unless the stream has ended.
   */
  #scan(buffer: Uint8Array, ended: boolean): { parts: Uint8Array[]; rest: Uint8Array } {
    const parts: Uint8Array[] = [];
    let from = 0;
    let i = 0;
    const starts = this.#starts;
    scanning: while (i < buffer.length) {
      // Most bytes begin no form: skip them without looking at any (the hot loop of a large body).
      while (i < buffer.length && starts[buffer[i] as number] === 0) i++;
      if (i === buffer.length) break;
      const candidates = this.#byFirstByte[buffer[i] ?? 0] ?? NO_NEEDLES;
      for (let n = 0; n < candidates.length; n++) {
        const needle = candidates[n] as Needle;
        const fits = i + needle.bytes.length <= buffer.length;
        if (!fits) {
          if (!ended && startsWith(needle.bytes, buffer, i)) break scanning;
          continue;
        }
        if (matchesAt(buffer, i, needle.bytes)) {
          if (i > from) parts.push(buffer.subarray(from, i));
          parts.push(needle.replacement);
          this.count++;
          i += needle.bytes.length;
          from = i;
          continue scanning;
        }
      }
      i++;
    }
    if (i > from) parts.push(buffer.subarray(from, i));
    return { parts, rest: buffer.subarray(i) };
  }
}

function matchesAt(buffer: Uint8Array, at: number, needle: Uint8Array): boolean {
  for (let j = 0; j < needle.length; j++) if (buffer[at + j] !== needle[j]) return false;
  return true;
}

/** True when `buffer[at..]` (shorter than `needle`) is how `needle` begins. */
function startsWith(needle: Uint8Array, buffer: Uint8Array, at: number): boolean {
  for (let j = 0; at + j < buffer.length; j++) if (buffer[at + j] !== needle[j]) return false;
  return true;
}

const joined = (parts: Uint8Array[]): Uint8Array | null => (parts.length === 0 ? null : parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts));

/** Byte arrays as one. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Response headers with every secret replaced, and how many were (the very `headers` given when
 * none was). A header value is a byte string (each character one byte), so it is matched as the
 * bytes it is, as a body is.
 */
export function redactHeaders(headers: Headers, secrets: Redacting): { headers: Headers; count: number } {
  let count = 0;
  const table = tableOf(secrets);
  const { starts, inNames, inValues } = table;
  // Each header as it leaves (null: dropped); built into new Headers only when one changes.
  const entries: [string, string | null][] = [];
  for (const [name, value] of headers) {
    // A header's name cannot hold `[REDACTED:…]`: one that carries a value (`x-<secret>: 1`) is dropped.
    if (inNames.some((form) => name.includes(form))) {
      count++;
      entries.push([name, null]);
      continue;
    }
    // Most header values hold no form: they pass as they are, unconverted. (Most hold a byte some
    // form begins with, so that check alone sent nearly every header through a redactor.)
    if (!mayHoldNeedle(value, starts) || !inValues.some((form) => value.includes(form))) {
      entries.push([name, value]);
      continue;
    }
    const redactor = new Redactor(table);
    const bytes = new Uint8Array(value.length);
    for (let i = 0; i < value.length; i++) bytes[i] = value.charCodeAt(i) & 0xff;
    const redacted = concat([...redactor.push(bytes), ...redactor.end()]);
    count += redactor.count;
    entries.push([name, redactor.count === 0 ? value : byteString(redacted)]);
  }
  // Nothing replaced (nearly every answer): the headers as they came, not a copy.
  if (count === 0) return { headers, count };
  const out = new Headers();
  for (const [name, value] of entries) if (value !== null) out.append(name, value);
  return { headers: out, count };
}

/** False when no character of a byte string is a byte some form begins with. */
function mayHoldNeedle(value: string, starts: Uint8Array): boolean {
  for (let i = 0; i < value.length; i++) if (starts[value.charCodeAt(i) & 0xff] === 1) return true;
  return false;
}

/** Bytes as a byte string (one character each), a slice at a time: a long header must not overflow the argument list. */
function byteString(bytes: Uint8Array): string {
  let out = "";
  for (let at = 0; at < bytes.length; at += 8192) out += String.fromCharCode(...bytes.subarray(at, at + 8192));
  return out;
}

/** Textual `application/` types that name no `+json`, `+xml` or `+yaml` suffix. */
const TEXTUAL_APPLICATION_TYPES = new Set([
  "application/json",
  "application/xml",
  "application/x-www-form-urlencoded",
  "application/x-ndjson",
  "application/javascript",
  "application/x-javascript",
  "application/ecmascript",
  "application/yaml",
  "application/x-yaml",
  "application/graphql",
]);

/**
 * True for a body the edge redacts: every `text/*` (event streams included), JSON, XML and YAML
 * (and any `+json`, `+xml`, `+yaml`), JavaScript and ECMAScript, form data, every `multipart/*`
 * (its parts are usually text; a value's bytes inside a binary part are as unlikely as anywhere),
 * NDJSON, and a body that declares no type at all (it may be anything, an error page included).
 * Other types are binary and pass untouched (`application/octet-stream`, images, archives, PDF).
 *
 * @example isRedactedContentType("application/vnd.github+json; charset=utf-8") // true
 * @example isRedactedContentType("image/png") // false
 */
export function isRedactedContentType(contentType: string | null): boolean {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (type === "") return true;
  if (type.startsWith("text/") || type.startsWith("multipart/")) return true;
  if (type.endsWith("+json") || type.endsWith("+xml") || type.endsWith("+yaml")) return true;
  return TEXTUAL_APPLICATION_TYPES.has(type);
}
