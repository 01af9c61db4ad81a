/**
 * RFC 9457 problem details for the edge's own refusals, so an agent can tell the broker's "no"
 * from the upstream's in a format its HTTP library already reads. Given only when the request's
 * `Accept` asks for `application/problem+json` (at least as much as for `application/json`);
 * otherwise the seeds' `{error, message}` JSON stands, byte for byte as before.
 *
 * Every error code is one problem type, `https://edgevault.dev/problems/<code>` (listed in
 * docs/proxy.md), with one title; `detail` is the error's message, and the body keeps the edge's
 * own members beside RFC 9457's: `error` (the code) and the error's extras (`proposal_hint`,
 * `help`, `key`…), so a client switching formats loses nothing.
 */

export const PROBLEM_JSON = "application/problem+json";
export const PROBLEM_TYPE_BASE = "https://edgevault.dev/problems/";

/** The problem type of an error code. */
export const problemType = (code: string): string => `${PROBLEM_TYPE_BASE}${code}`;

/**
 * The one title of an error code's problem type: the code in words.
 *
 * @example problemTitle("method_not_allowed") // "Method not allowed"
 */
export function problemTitle(code: string): string {
  const words = code.replaceAll("_", " ");
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}`;
}

/** The quality an `Accept` header gives a media type named exactly (0 when it does not name it). */
function qualityOf(accept: string, mediaType: string): number {
  let best = 0;
  for (const range of accept.split(",")) {
    const [type = "", ...params] = range.split(";").map((part) => part.trim());
    if (type.toLowerCase() !== mediaType) continue;
    const q = params.find((p) => /^q=/i.test(p));
    const quality = q === undefined ? 1 : Number(q.slice(2));
    if (Number.isFinite(quality)) best = Math.max(best, Math.min(Math.max(quality, 0), 1));
  }
  return best;
}

/**
 * True when the request asks for problem details: `Accept` names `application/problem+json` with
 * a quality above 0 and no lower than `application/json`'s. A wildcard asks for nothing.
 *
 * @example wantsProblemDetails("application/problem+json, application/json;q=0.9") // true
 * @example wantsProblemDetails("*\/*") // false
 */
export function wantsProblemDetails(accept: string | null | undefined): boolean {
  if (!accept) return false;
  const problem = qualityOf(accept, PROBLEM_JSON);
  return problem > 0 && problem >= qualityOf(accept, "application/json");
}

/**
 * A refusal as problem details: RFC 9457's members, then the edge's `error` code and extras (which
 * never override the standard members).
 *
 * @example problemDetails(403, "method_not_allowed", "Service \"github\" allows only GET and HEAD", { proposal_hint: {…} })
 * // { type: "https://edgevault.dev/problems/method_not_allowed", title: "Method not allowed", status: 403, detail: "…", error: "method_not_allowed", proposal_hint: {…} }
 */
export function problemDetails(status: number, code: string, message: string, extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return { ...extra, type: problemType(code), title: problemTitle(code), status, detail: message, error: code };
}
