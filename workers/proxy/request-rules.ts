/**
 * A service's per-request rules at `/proxy` (request-rules.contract.ts): which methods reach its
 * upstream, where its substitutions place credentials in the request, and which credential values
 * are redacted from the response. The proxy's handler calls these in a few lines; the logic is in
 * lib/http/ (substitutions.ts, redaction.ts), tested beside itself.
 */
import { injectedSecrets } from "../lib/http/inject-auth.ts";
import { type InjectedSecret, isRedactedContentType, Redactor, redactHeaders } from "../lib/http/redaction.ts";
import { type ResolvedSubstitution, substitute } from "../lib/http/substitutions.ts";
import type { ServiceRecord } from "./vault-config.ts";

/** True when the service forwards this method (no `methods` rule: every method the proxy forwards). */
export const methodAllowed = (service: Pick<ServiceRecord, "methods">, method: string): boolean =>
  service.methods === null || (service.methods as readonly string[]).includes(method);

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
 * The response's headers with `secrets` replaced, and the redactor its body goes through (when
 * its type is textual; the proxy runs it in the one stage that counts the body's bytes), with the
 * count of replacements once the body has been read. A redacted body's length is no longer the
 * upstream's, so its `Content-Length` goes.
 */
export function responseRedaction(
  headers: Headers,
  hasBody: boolean,
  secrets: readonly InjectedSecret[],
): { headers: Headers; body: Redactor | null; redactions: () => number | null } {
  if (secrets.length === 0) return { headers, body: null, redactions: () => null };
  const inHeaders = redactHeaders(headers, secrets);
  if (!hasBody || !isRedactedContentType(headers.get("content-type"))) return { headers: inHeaders.headers, body: null, redactions: () => inHeaders.count };
  const body = new Redactor(secrets);
  inHeaders.headers.delete("content-length");
  return { headers: inHeaders.headers, body, redactions: () => inHeaders.count + body.count };
}
