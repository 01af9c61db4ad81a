/**
 * Which headers cross the proxy, both ways. No allowlist: everything end-to-end passes unless
 * a rule below removes it (Agent Vault's allowlist broke `anthropic-version`, issue #104).
 *
 * Towards the upstream, removed:
 * - `Authorization`: the agent's Edgevault token; the service's credential replaces it.
 * - Hop-by-hop headers (RFC 9110 §7.6.1) and every header `Connection` names: they describe
 *   the agent↔edge connection, not the edge↔upstream one.
 * - `Host`: fetch derives it from the upstream URL.
 * - `X-Vault`: selects the vault at the edge; meaningless and revealing upstream.
 * - `cf-*`, `cdn-loop`: Cloudflare's own metadata about the agent's request (its IP, country,
 *   ray id); forwarding `cdn-loop` can also trip Cloudflare's loop detection upstream.
 * - `x-forwarded-*`, `forwarded`, `x-real-ip`, `true-client-ip`: the agent's address and
 *   claims about it. The edge is the upstream's client; relaying these leaks the agent's IP
 *   and lets an agent spoof them to upstreams that trust them.
 * - Edgevault's own cookies (`edgevault_*`): the session cookie authenticates at the edge and
 *   must never reach a third party. Other cookies pass (Agent Vault forwards cookies; some
 *   APIs authenticate with them).
 * - Every `X-Edgevault-*` header: the edge's own namespace. An upstream that trusts one (a
 *   webhook receiver checking `X-Edgevault-Signature`, a service behind the edge reading a
 *   marker) must be able to rely on it coming from the edge, never from an agent.
 * - Any client copy of an injected header name (case-insensitive): the injected value wins.
 *
 * Towards the agent, removed: hop-by-hop headers and those `Connection` names, `Set-Cookie`
 * and `Set-Cookie2` (upstream sessions must not land on the edge's origin), `Alt-Svc`
 * (it advertises the upstream's alternative endpoints as if they were the edge's), and every
 * `X-Edgevault-*` header: the edge marks its own errors with `X-Edgevault-Error`, so an
 * upstream sending one could pass its answer off as the edge's.
 * `Location` passes untouched: redirects are returned, never followed.
 */

export const HOP_BY_HOP_HEADERS: readonly string[] = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
];

const EDGE_ONLY_REQUEST_HEADERS = new Set(["authorization", "host", "x-vault", "cdn-loop", "forwarded", "x-real-ip", "true-client-ip"]);
/** The edge's own namespace: only the edge may speak in it (app.ts `errorResponse`, webhook deliveries), in either direction. */
export const EDGEVAULT_HEADER_PREFIX = "x-edgevault-";
const EDGE_ONLY_REQUEST_PREFIXES = ["cf-", "x-forwarded-"];
/** Never passed on from the agent. A service may still inject one: its configuration is the edge speaking. */
const AGENT_REQUEST_PREFIXES_DROPPED = [...EDGE_ONLY_REQUEST_PREFIXES, EDGEVAULT_HEADER_PREFIX];
const DROPPED_RESPONSE_HEADERS = new Set(["set-cookie", "set-cookie2", "alt-svc"]);
const HOP_BY_HOP = new Set(HOP_BY_HOP_HEADERS);
/** What an answer never brings the agent whatever `Connection` says: built once, not per request (the hot path). */
const NEVER_TO_AGENT = new Set([...HOP_BY_HOP_HEADERS, ...DROPPED_RESPONSE_HEADERS]);

/**
 * A header name as servers that read headers in CGI form see it (PHP's `$_SERVER`, WSGI's
 * `environ`, Rack): `_` and `-` are one there, so `X_Edgevault_Signature` reaches such an upstream
 * as `HTTP_X_EDGEVAULT_SIGNATURE`. The edge judges a name by this form, never by its spelling.
 *
 * @example cgiName("X_Edgevault-Event") // "x-edgevault-event"
 */
export function cgiName(name: string): string {
  return name.toLowerCase().replaceAll("_", "-");
}

/** True for a name in the edge's own namespace, however it is spelt (case, `_` for `-`). */
export function isEdgevaultHeader(name: string): boolean {
  return cgiName(name).startsWith(EDGEVAULT_HEADER_PREFIX);
}
/** Headers an injection must never set: the forwarder owns them. `Authorization` is fine. */
const NOT_INJECTABLE = new Set([...HOP_BY_HOP_HEADERS, "host", "content-length", "x-vault", "cdn-loop", "forwarded", "x-real-ip", "true-client-ip"]);
const EDGEVAULT_COOKIE = /^(?:__(?:host|secure)-)?edgevault/i;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * True when a service may inject this header name: a valid field name that the forwarder does
 * not own (hop-by-hop, Host, Content-Length, X-Vault, Cloudflare and forwarding headers).
 *
 * @example isInjectableHeaderName("X-Api-Key") // true
 * @example isInjectableHeaderName("Host") // false
 */
export function isInjectableHeaderName(name: string): boolean {
  const lower = name.toLowerCase();
  return TOKEN.test(name) && !NOT_INJECTABLE.has(lower) && !EDGE_ONLY_REQUEST_PREFIXES.some((p) => lower.startsWith(p));
}

/**
 * The headers sent upstream: the agent's headers minus the edge-only ones, plus `injected`.
 *
 * @example upstreamRequestHeaders(request.headers, { Authorization: "Bearer sk_live_…" })
 */
export function upstreamRequestHeaders(incoming: Headers, injected: Record<string, string>): Headers {
  for (const name of Object.keys(injected)) {
    // The auth schema refuses these at configuration time; this is the last line.
    if (!isInjectableHeaderName(name)) throw new TypeError(`refusing to inject header "${name}"`);
  }
  const named = connectionNamed(incoming);
  const drop = new Set([...named, ...Object.keys(injected).map((n) => n.toLowerCase())]);
  const out = new Headers();
  for (const [name, value] of incoming) {
    const cgi = cgiName(name);
    if (HOP_BY_HOP.has(name) || HOP_BY_HOP.has(cgi) || drop.has(name) || drop.has(cgi) || EDGE_ONLY_REQUEST_HEADERS.has(cgi)) continue;
    if (AGENT_REQUEST_PREFIXES_DROPPED.some((p) => cgi.startsWith(p))) continue;
    if (name === "cookie") {
      const kept = withoutEdgevaultCookies(value);
      if (kept) out.append(name, kept);
      continue;
    }
    out.append(name, value);
  }
  for (const [name, value] of Object.entries(injected)) out.set(name, value);
  return out;
}

/**
 * The upstream's response headers as the agent sees them.
 *
 * @example new Response(upstream.body, { status: upstream.status, headers: clientResponseHeaders(upstream.headers) })
 */
export function clientResponseHeaders(upstream: Headers): Headers {
  const named = connectionNamed(upstream);
  // Copied whole by the runtime, then the few that go are deleted: reading only the names costs
  // the hot path less than reading every name and value into JavaScript and appending it back.
  const out = new Headers(upstream);
  for (const name of upstream.keys()) {
    if (NEVER_TO_AGENT.has(name) || named.includes(name) || isEdgevaultHeader(name)) out.delete(name);
  }
  return out;
}

/** Header names listed in `Connection` (lower-case); non-token entries are ignored. */
function connectionNamed(headers: Headers): string[] {
  const value = headers.get("connection");
  if (!value) return [];
  return value
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter((name) => TOKEN.test(name));
}

/** `a=1; edgevault_session=x; b=2` → `a=1; b=2`; empty string when nothing is left. */
function withoutEdgevaultCookies(cookie: string): string {
  return cookie
    .split(";")
    .map((pair) => pair.trim())
    .filter((pair) => pair !== "" && !EDGEVAULT_COOKIE.test(pair.split("=")[0]?.trim() ?? ""))
    .join("; ");
}
