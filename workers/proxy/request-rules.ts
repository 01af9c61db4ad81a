/**
 * A service's per-request rules at `/proxy` (request-rules.contract.ts): which methods reach its
 * upstream, where its substitutions place credentials in the request, and which credential values
 * are redacted from the response. The proxy's handler calls these in a few lines; the logic is in
 * lib/http/ (substitutions.ts, redaction.ts), tested beside itself.
 */
import { AppError } from "../lib/app-error.ts";
import { cgiName } from "../lib/http/forward-headers.ts";
import { injectedSecrets } from "../lib/http/inject-auth.ts";
import { type InjectedSecret, isRedactedContentType, type RedactionTable, Redactor, redactHeaders } from "../lib/http/redaction.ts";
import { type ResolvedSubstitution, substitute } from "../lib/http/substitutions.ts";
import type { ServiceRecord } from "./vault-config.ts";

/** True when the service forwards this method (no `methods` rule: every method the proxy forwards). */
export const methodAllowed = (service: Pick<ServiceRecord, "methods">, method: string): boolean =>
  service.methods === null || (service.methods as readonly string[]).includes(method);

/**
 * The first of `methods` the service does not forward, if any: the request's own method, then each
 * method it asks its upstream to run instead (`RequestedMethods`).
 */
export const refusedMethod = (service: Pick<ServiceRecord, "methods">, methods: readonly string[]): string | undefined =>
  methods.find((method) => !methodAllowed(service, method));

/**
 * A form body is read whole to find its `_method` field only for a service with a `methods` rule,
 * and only up to this many bytes (a form that names a method is small; an upload past this to such
 * a service is 413).
 */
export const MAX_CHECKED_FORM_BYTES = 8 * 1024 * 1024;

/**
 * What a request asks its upstream to run: its method, and the methods it names to override it.
 * Servers run another method than the request line's when asked: Google APIs and many gateways
 * read `X-HTTP-Method-Override`, others `X-HTTP-Method` or `X-Method-Override`; Rails, Laravel,
 * Symfony and Express's method-override read a `_method` field of the query or of a form body.
 * A `methods` rule that looked only at the request line would let a POST run as a DELETE, so a
 * service with one holds every such name to it as well (an allowed one passes on unchanged: it
 * is what the agent meant). The form body, read for that, is what is then forwarded.
 */
export class RequestedMethods {
  readonly #request: Request;
  readonly #search: string;
  #form: Promise<Uint8Array> | undefined;

  constructor(request: Request, search: string) {
    this.#request = request;
    this.#search = search;
  }

  /** The methods to hold to `service`'s rule: the request's alone when it has none (nothing is read then). */
  async for(service: Pick<ServiceRecord, "methods">): Promise<string[]> {
    const method = this.#request.method;
    if (service.methods === null) return [method];
    const named = [...headerOverrides(this.#request.headers), ...fieldOverrides(new URLSearchParams(this.#search))];
    const form = formKind(this.#request.headers.get("content-type"));
    if (form && this.#request.body) {
      this.#form ??= readBounded(this.#request.body, MAX_CHECKED_FORM_BYTES);
      named.push(...formOverrides(form, await this.#form));
    }
    return [method, ...named];
  }

  /** The body to forward: the form read by `for`, else the request's stream untouched. */
  async body(): Promise<ReadableStream<Uint8Array> | Uint8Array | null> {
    return this.#form ? await this.#form : this.#request.body;
  }
}

const METHOD_OVERRIDE_HEADERS = new Set(["x-http-method-override", "x-http-method", "x-method-override"]);
const METHOD_OVERRIDE_FIELD = "_method";
const asMethods = (values: readonly string[]): string[] =>
  values
    .flatMap((value) => value.split(","))
    .map((name) => name.trim().toUpperCase())
    .filter((name) => name !== "");

/** Override headers however they are spelt (case, `_` for `-`, as CGI-style servers read them). */
const headerOverrides = (headers: Headers): string[] =>
  asMethods([...headers].filter(([name]) => METHOD_OVERRIDE_HEADERS.has(cgiName(name))).map(([, value]) => value));

const fieldOverrides = (fields: URLSearchParams): string[] =>
  asMethods([...fields].filter(([key]) => key.toLowerCase() === METHOD_OVERRIDE_FIELD).map(([, value]) => value));

function formKind(contentType: string | null): "urlencoded" | "multipart" | undefined {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  if (type === "application/x-www-form-urlencoded") return "urlencoded";
  if (type === "multipart/form-data") return "multipart";
  return undefined;
}

/** `_method` parts of a multipart form: the part's value is its first line after the blank line. */
const MULTIPART_METHOD_FIELD = /content-disposition:[^\r\n]*;\s*name="?_method"?(?:;[^\r\n]*)?\r?\n(?:[^\r\n]+\r?\n)*\r?\n([^\r\n]*)/gi;

function formOverrides(kind: "urlencoded" | "multipart", body: Uint8Array): string[] {
  // latin1 keeps every byte one character, so a field is found whatever the rest of the form holds.
  const text = new TextDecoder("latin1").decode(body);
  if (kind === "urlencoded") return fieldOverrides(new URLSearchParams(text));
  return asMethods([...text.matchAll(MULTIPART_METHOD_FIELD)].map((match) => match[1] ?? ""));
}

async function readBounded(body: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    size += next.value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new AppError(413, "payload_too_large", `A form sent to a service with a methods rule is read to check its _method field, up to ${max} bytes`);
    }
    chunks.push(next.value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** The service's substitutions with their values (opened with the auth's, so none is missing). */
function resolved(service: ServiceRecord, values: ReadonlyMap<string, string>): ResolvedSubstitution[] {
  return service.substitutions.flatMap((s) => {
    const value = values.get(s.key);
    return value === undefined ? [] : [{ ...s, value }];
  });
}

/**
 * The agent's request with the service's substitutions applied: the path and query as they came
 * on the wire, and the agent's own headers (the injected ones are added after, never scanned).
 */
export function substitutedRequest(
  service: ServiceRecord,
  values: ReadonlyMap<string, string>,
  request: { path: string; search: string; headers: Headers },
): { path: string; search: string; headers: Headers } {
  return substitute(request, resolved(service, values));
}

/** Every credential value the edge put into this request, when the service redacts its responses. */
export function secretsToRedact(service: ServiceRecord, values: ReadonlyMap<string, string>): InjectedSecret[] {
  if (!service.redactResponse) return [];
  return [...injectedSecrets(service.auth, values), ...resolved(service, values).map(({ key, value }) => ({ key, value }))];
}

/**
 * The response's headers with the table's values replaced, and the redactor its body goes through
 * (when its type is textual), with the count of replacements once the body has been read. A
 * redacted body's length is no longer the upstream's, so its `Content-Length` goes. The table
 * (vault-config.ts `redactionTableOf`) is built once per copy of the vault's config, not per request.
 */
export function responseRedaction(
  headers: Headers,
  hasBody: boolean,
  table: RedactionTable | null,
): { headers: Headers; body: Redactor | null; redactions: () => number | null } {
  if (!table) return { headers, body: null, redactions: () => null };
  const inHeaders = redactHeaders(headers, table);
  if (!hasBody || !isRedactedContentType(headers.get("content-type"))) return { headers: inHeaders.headers, body: null, redactions: () => inHeaders.count };
  const body = new Redactor(table);
  inHeaders.headers.delete("content-length");
  return { headers: inHeaders.headers, body, redactions: () => inHeaders.count + body.count };
}
