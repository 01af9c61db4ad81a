/**
 * Hostile input, generated (the shared arbitraries and property; the suites are
 * test/workers/hostile-input-*.spec.ts): every operation of /openapi.json and `/proxy` fed property-based
 * garbage (path segments, query strings, bodies, content types, headers) by fast-check. The
 * properties: never a 5xx, and every refusal is a JSON body whose `error` is a documented code
 * (workers/lib/error-codes.ts), the same code as its `X-Edgevault-Error` mark. A case the fetch
 * API cannot even build is counted, never excused once it was sent. The seed is fixed (FUZZ_SEED overrides it) and fast-check prints
 * it with the shrunk counterexample on failure, so any failure replays exactly.
 */
import { env, SELF } from "cloudflare:test";
import fc from "fast-check";
import { ERROR_CODES } from "../../../workers/lib/error-codes.ts";
import { BASE } from "../helpers.ts";

export const SEED = Number(env.FUZZ_SEED ?? "20261130");
const DOCUMENTED = new Set<string>(ERROR_CODES);

export type Operation = { method: string; path: string; query: string[]; bodyKeys: string[] };
type OpenApi = {
  paths: Record<string, Record<string, { parameters?: { in: string; name: string }[]; requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
  components?: { schemas?: Record<string, Schema> };
};
type Schema = { $ref?: string; properties?: Record<string, unknown> };

export async function operations(): Promise<Operation[]> {
  const doc = (await (await SELF.fetch(`${BASE}/openapi.json`)).json()) as OpenApi;
  const resolve = (schema: Schema | undefined): Schema | undefined =>
    schema?.$ref ? doc.components?.schemas?.[schema.$ref.replace("#/components/schemas/", "")] : schema;
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      query: (op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name),
      bodyKeys: Object.keys(resolve(Object.values(op.requestBody?.content ?? {})[0]?.schema)?.properties ?? {}),
    })),
  );
}

/** Text an attacker would try: unicode, control characters, encodings, traversal, huge, plausible. */
export const nasty = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("", ".", "..", "%00", "%2e%2e", "a\r\nb", "\u0000", "\u202e", "💥", "did:key:z6Mk", "agt_", "default", "null", "[]", "{}", "-1", "1e309"),
  fc.stringMatching(/^[a-z0-9-]{1,20}$/),
  fc.nat({ max: 40_000 }).map((n) => "x".repeat(n)),
);

/** JSON bodies: random values, documented keys with random values, duplicate keys, deep nesting. */
export function bodyOf(keys: string[]): fc.Arbitrary<string> {
  const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), nasty);
  const documented = keys.length ? fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: keys.length }).map((o) => JSON.stringify(o)) : fc.constant("{}");
  return fc.oneof(
    documented,
    documented,
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    nasty,
    fc.constantFrom(...(keys.length ? keys : ["name"])).map((k) => `{"${k}":"a","${k}":{"${k}":1}}`),
    fc.integer({ min: 1, max: 50_000 }).map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`),
    fc.integer({ min: 1, max: 50_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`),
  );
}

export const contentType = fc.constantFrom(
  "application/json",
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/json; charset=latin1",
  undefined,
);

export function fillPath(path: string, segments: string[], raw: boolean): string {
  let i = 0;
  return path.replace(/\{[^}]+\}/g, () => {
    const segment = segments[i++ % segments.length] ?? "";
    return raw ? segment.replace(/[/?#\s]/g, "_") : encodeURIComponent(segment);
  });
}

export type Sent = { method: string; url: string; headers: Record<string, string>; body?: string };

/**
 * Header values as bytes on the wire can carry: anything outside printable ASCII becomes `?`
 * (the fetch API would refuse or re-encode it before the edge ever saw it).
 */
export const headerSafe = (value: string) => value.replace(/[^\x20-\x7e]/g, "?");

/** Answers by status class, printed with the counts so a run shows what it exercised. */
export const seen: Record<string, number> = {};
/** Cases the fetch API refused to build (never sent, so never the edge's to answer), with why. */
export const unsent: string[] = [];

/** Starts the counts afresh: the files that fuzz may run one after another in the same workerd, sharing this module. */
export function resetCounts(): void {
  for (const bucket of Object.keys(seen)) delete seen[bucket];
  unsent.length = 0;
}

/** `bodyError`: the head arrived, then reading the body failed (a relayed upstream may cut it). */
export type Answer = { status: number; headers: Headers; text: string; bodyError?: string };

/**
 * Sends `sent` to the edge and reads the whole answer. Undefined only when the fetch API itself
 * refuses to build the request (a URL or header it cannot represent), which is counted in
 * `unsent`: such a request never leaves a client. Anything thrown while it is sent or answered
 * is the edge's (or the runtime's) and fails the case.
 */
export async function send(sent: Sent): Promise<Answer | undefined> {
  let request: Request;
  try {
    request = new Request(sent.url, { method: sent.method, headers: sent.headers, body: sent.body, redirect: "manual" });
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    unsent.push(`${sent.method} ${error.message}`);
    return undefined;
  }
  const response = await SELF.fetch(request);
  const bucket = `${Math.floor(response.status / 100)}xx`;
  seen[bucket] = (seen[bucket] ?? 0) + 1;
  try {
    return { status: response.status, headers: response.headers, text: await response.text() };
  } catch (error) {
    return { status: response.status, headers: response.headers, text: "", bodyError: String(error) };
  }
}

/**
 * The property: below 500, and any refusal is a documented JSON error marked `X-Edgevault-Error`
 * with its code. Returns a reason when it fails. With `upstreamAnswers` (the proxy), a 4xx
 * without the mark is the upstream's own answer, relayed (an upstream cannot forge the mark: the
 * edge strips `X-Edgevault-*` from answers), and left to the caller to judge, as is a relayed
 * answer whose body was cut.
 */
export function judge(sent: Sent, answer: Answer, options: { upstreamAnswers?: boolean } = {}): string | undefined {
  const marked = answer.headers.get("x-edgevault-error");
  const relayed = options.upstreamAnswers === true && marked === null;
  if (answer.bodyError !== undefined && !relayed) return `${answer.status} whose body failed: ${answer.bodyError}`;
  if (answer.status >= 500) return `${answer.status}: ${answer.text.slice(0, 300)}`;
  if (answer.status < 400 || relayed) return undefined;
  if (marked === null) return `${answer.status} without X-Edgevault-Error: ${answer.text.slice(0, 120)}`;
  if (!DOCUMENTED.has(marked)) return `${answer.status} marked with an undocumented error ${marked}`;
  if (sent.method === "HEAD") return undefined;
  let parsed: { error?: unknown } | undefined;
  try {
    parsed = JSON.parse(answer.text) as { error?: unknown };
  } catch {
    return `${answer.status} without a JSON body: ${answer.text.slice(0, 120)}`;
  }
  if (parsed?.error !== marked) return `${answer.status} marked ${marked} with the body's error ${String(parsed?.error)}: ${answer.text.slice(0, 200)}`;
  return undefined;
}

/** `send`, then `judge`. */
export async function violation(sent: Sent): Promise<string | undefined> {
  const answer = await send(sent);
  return answer && judge(sent, answer);
}
