/**
 * Hostile input, generated (the shared arbitraries and property; the suites are
 * test/workers/hostile-input-*.spec.ts): every operation of /openapi.json and `/proxy` fed property-based
 * garbage (path segments, query strings, bodies, content types, headers) by fast-check. The
 * properties: never a 5xx, and every refusal is a JSON body whose `error` is a documented code
 * (workers/lib/error-codes.ts). The seed is fixed (FUZZ_SEED overrides it) and fast-check prints
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

/** The property: below 500, and any refusal is a documented JSON error. Returns a reason when it fails. */
export async function violation(sent: Sent): Promise<string | undefined> {
  let response: Response;
  try {
    response = await SELF.fetch(sent.url, { method: sent.method, headers: sent.headers, body: sent.body });
  } catch (error) {
    // A URL or header the fetch API itself refuses never reaches the edge: not ours to judge.
    if (error instanceof TypeError) return undefined;
    throw error;
  }
  const text = await response.text();
  const bucket = `${Math.floor(response.status / 100)}xx`;
  seen[bucket] = (seen[bucket] ?? 0) + 1;
  if (response.status >= 500) return `${response.status}: ${text.slice(0, 300)}`;
  if (response.status < 400 || sent.method === "HEAD") return undefined;
  let parsed: { error?: unknown } | undefined;
  try {
    parsed = JSON.parse(text) as { error?: unknown };
  } catch {
    return `${response.status} without a JSON body: ${text.slice(0, 120)}`;
  }
  if (typeof parsed?.error !== "string" || !DOCUMENTED.has(parsed.error)) return `${response.status} with an undocumented error: ${text.slice(0, 200)}`;
  return undefined;
}
