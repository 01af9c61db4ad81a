/**
 * Service host patterns (what a service answers for) and proxy targets (what an agent asks for),
 * and the matcher that pairs them. Pure (the CLI's local proxy uses it too); hostname safety
 * rules live in ssrf.ts.
 *
 * Pattern forms, all lower-cased on the way in:
 * - `api.example.com`            exact host, default port
 * - `*.example.com`              exactly one label under example.com (not example.com itself,
 *                                not a.b.example.com); the parent must be a registrable domain or
 *                                under one, never a public suffix (`*.com`, `*.co.uk`,
 *                                `*.github.io`): see `isPublicSuffix`
 * - `api.example.com:8443`       only that port
 * - `slack.com/api/*`            path prefix `/api`: matches `/api` and `/api/…`, not `/apis`.
 *                                `slack.com/api` and `slack.com/api/` mean the same prefix, and
 *                                `slack.com/` or `slack.com/*` mean no prefix. Paths compare
 *                                case-sensitively, on the still-encoded path.
 *
 * Wire errors: patterns (admin input) fail with 400 `invalid_host`; proxy targets fail with
 * 400 `invalid_host` (not a host), 403 `forbidden_host` (a host the edge never reaches, see
 * ssrf.ts) or 400 `invalid_path`; upstream origins fail with 400 `invalid_upstream`.
 */
import { getDomain } from "tldts";
import { AppError } from "../app-error.ts";
import { checkHostname, printable, type HostCheckOptions } from "./ssrf.ts";

export type { HostCheckOptions } from "./ssrf.ts";

export type ServiceHost = {
  /** Lower-case hostname; for a wildcard, the parent domain the `*` label sits under. */
  hostname: string;
  wildcard: boolean;
  /** Null: the default port (443, or an absent port). */
  port: number | null;
  /** `/api` for `host/api/*`; never ends with `/`. Null: every path. */
  pathPrefix: string | null;
};

export type ProxyTarget = { hostname: string; port: number | null; path: string };

const MAX_PATTERN_LENGTH = 512;
const MAX_PATH_PREFIX_LENGTH = 256;
const DEFAULT_PORT = 443;
/** RFC 3986 pchar without `%`: an encoded prefix would compare differently from its decoded twin. */
const PATH_SEGMENT = /^[A-Za-z0-9\-._~!$&'()+,;=:@]+$/;

const invalidHost = (raw: string, reason: string) => new AppError(400, "invalid_host", `Invalid host pattern "${printable(raw)}": ${reason}`);

/**
 * Parses a service host pattern. `allowPrivate` (local dev) also admits `localhost`, canonical
 * loopback literals and single-label names.
 *
 * @example parseServiceHost("Slack.com/api/*", { allowPrivate: false })
 * // { hostname: "slack.com", wildcard: false, port: null, pathPrefix: "/api" }
 */
export function parseServiceHost(raw: string, options: HostCheckOptions): ServiceHost {
  if (raw.length === 0) throw invalidHost(raw, "the host is empty");
  if (raw.length > MAX_PATTERN_LENGTH) throw invalidHost(raw, `longer than ${MAX_PATTERN_LENGTH} characters`);
  if (raw.includes("://")) throw invalidHost(raw, "a host pattern is not a URL: drop the scheme");
  const slash = raw.indexOf("/");
  const authority = slash === -1 ? raw : raw.slice(0, slash);
  if (authority.includes("@")) throw invalidHost(raw, "userinfo (user@host) is not allowed");

  const split = splitHostPort(authority);
  if (!split) throw invalidHost(raw, "malformed host or port");
  let host = split.host;
  const wildcard = host.startsWith("*.");
  if (wildcard) host = host.slice(2);
  if (host === "*" || host === "") throw invalidHost(raw, "a bare '*' would match every host");
  if (host.includes("*")) throw invalidHost(raw, "'*' is only allowed as the whole first label ('*.example.com')");

  const verdict = checkHostname(host, options);
  if (!verdict.ok) throw invalidHost(raw, `${verdict.reason}${!options.allowPrivate && isLoopbackName(host) ? ONLY_IN_DEV : ""}`);
  if (wildcard && (verdict.hostname.startsWith("[") || /^[0-9.]+$/.test(verdict.hostname))) {
    throw invalidHost(raw, "a wildcard needs a parent domain ('*.example.com'), not an IP address");
  }
  if (wildcard && isPublicSuffix(verdict.hostname)) {
    throw invalidHost(
      raw,
      `"${verdict.hostname}" is a public suffix, under which anyone can register a name: a wildcard needs a domain of its own ('*.example.co.uk', not '*.co.uk')`,
    );
  }

  const port = split.port === null ? null : parsePort(split.port);
  if (port === undefined) throw invalidHost(raw, "the port must be a number from 1 to 65535");
  const pathPrefix = slash === -1 ? null : parsePathPrefix(raw.slice(slash));
  if (pathPrefix === undefined) {
    throw invalidHost(raw, "the path must be '/segment/…' with an optional trailing '/*': no '%', '*', '.', '..' or empty segments");
  }
  return { hostname: verdict.hostname, wildcard, port, pathPrefix };
}

/** Why a deployment refuses a loopback host that `npm start` takes. */
const ONLY_IN_DEV = "; loopback hosts are served only by a local dev edge (ALLOW_PRIVATE_UPSTREAMS=true, as npm start runs)";

/** `localhost`, a name under it, or a loopback literal, however spelled (only for wording a refusal or a default). */
function isLoopbackName(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, "");
  return name === "localhost" || name.endsWith(".localhost") || /^127\.[0-9.]+$/.test(name) || name === "::1";
}

/**
 * The upstream a service on a loopback host gets when none is given, in local dev only: plain
 * `http://` at the same host and port, since a local test server rarely speaks TLS (and the
 * default `https://` would fail with nothing but a 502). Null everywhere else (`https://<host>`).
 *
 * @example loopbackUpstreamOf({ hostname: "127.0.0.1", wildcard: false, port: 17555, pathPrefix: null }, { allowPrivate: true }) // "http://127.0.0.1:17555"
 */
export function loopbackUpstreamOf(host: ServiceHost, options: HostCheckOptions): string | null {
  if (!options.allowPrivate || host.wildcard || !isLoopbackName(host.hostname)) return null;
  return `http://${host.hostname}${host.port === null ? "" : `:${host.port}`}`;
}

/**
 * The canonical text of a pattern; `parseServiceHost(formatServiceHost(h))` gives back `h`.
 *
 * @example formatServiceHost({ hostname: "slack.com", wildcard: false, port: null, pathPrefix: "/api" }) // "slack.com/api/*"
 */
export function formatServiceHost(host: ServiceHost): string {
  const port = host.port === null ? "" : `:${host.port}`;
  const path = host.pathPrefix === null ? "" : `${host.pathPrefix}/*`;
  return `${host.wildcard ? "*." : ""}${host.hostname}${port}${path}`;
}

/**
 * The service that answers a target, or undefined. Precedence, most important first:
 * an exact hostname beats a wildcard; an explicit matching port beats none; a longer path
 * prefix beats a shorter one, which beats none; then the order of `services`.
 * A service with a port matches only that port; one without matches the default port only
 * (target port absent or 443).
 *
 * @example matchService(services, { hostname: "api.slack.com", port: null, path: "/api/chat.postMessage" })
 */
export function matchService<T extends { host: ServiceHost }>(services: readonly T[], target: ProxyTarget): T | undefined {
  let best: T | undefined;
  let bestScore: readonly number[] = [];
  for (const service of services) {
    const host = service.host;
    if (!matchesHostAndPort(host, target.hostname, target.port)) continue;
    if (host.pathPrefix !== null && !pathHasPrefix(target.path, host.pathPrefix)) continue;
    const score = [host.wildcard ? 0 : 1, host.port === null ? 0 : 1, host.pathPrefix?.length ?? -1];
    // Strictly better only: on a tie the earlier service keeps the match.
    if (best === undefined || isBetter(score, bestScore)) {
      best = service;
      bestScore = score;
    }
  }
  return best;
}

/**
 * The host-and-port half of `matchService`, path aside (the CLI's local proxy decides on a
 * CONNECT, which has no path). `hostname` is canonical (lower case, no trailing dot); a `port`
 * of null means the default port.
 *
 * @example matchesHostAndPort({ hostname: "example.com", wildcard: true, port: null, pathPrefix: null }, "api.example.com", 443) // true
 */
export function matchesHostAndPort(host: ServiceHost, hostname: string, port: number | null): boolean {
  const hostMatches = host.wildcard ? isOneLabelUnder(hostname, host.hostname) : hostname === host.hostname;
  if (!hostMatches) return false;
  return host.port === null ? port === null || port === DEFAULT_PORT : host.port === (port ?? DEFAULT_PORT);
}

/**
 * Validates `/proxy/<hostSegment>/<path>`. The host segment may carry `:port`. Returns the
 * canonical hostname, the port (null when absent) and the path with a leading `/`, otherwise
 * exactly as received (still percent-encoded: it is forwarded as-is).
 *
 * Throws 400 `invalid_host` (not a host), 403 `forbidden_host` (IP literals, internal names —
 * never a service, so an agent should not raise a proposal for it) or 400 `invalid_path`.
 *
 * @example parseProxyTarget("api.stripe.com", "v1/charges", { allowPrivate: false })
 * // { hostname: "api.stripe.com", port: null, path: "/v1/charges" }
 */
export function parseProxyTarget(hostSegment: string, path: string, options: HostCheckOptions): ProxyTarget {
  const bad = (reason: string) => new AppError(400, "invalid_host", `Invalid proxy host "${printable(hostSegment)}": ${reason}`);
  if (hostSegment.includes("@")) throw bad("userinfo (user@host) is not allowed");
  if (hostSegment.includes("*")) throw bad("'*' is not a host");
  const split = splitHostPort(hostSegment);
  if (!split) throw bad("malformed host or port");
  const verdict = checkHostname(split.host, options);
  if (!verdict.ok) {
    if (verdict.kind === "forbidden") throw new AppError(403, "forbidden_host", `The edge never connects to "${printable(split.host)}": ${verdict.reason}`);
    throw bad(verdict.reason);
  }
  const port = split.port === null ? null : parsePort(split.port);
  if (port === undefined) throw bad("the port must be a number from 1 to 65535");
  return { hostname: verdict.hostname, port, path: checkProxyPath(path) };
}

/**
 * Validates a service's optional upstream origin override: `https://host[:port]` with nothing
 * after it (a trailing `/` is dropped). Plain `http://` and loopback only with `allowPrivate`.
 * Returns the origin without a default port. Throws 400 `invalid_upstream`.
 *
 * @example parseUpstreamOrigin("https://EU.api.example.com/", { allowPrivate: false }) // "https://eu.api.example.com"
 */
export function parseUpstreamOrigin(raw: string, options: HostCheckOptions): string {
  const bad = (reason: string) => new AppError(400, "invalid_upstream", `Invalid upstream "${printable(raw)}": ${reason}`);
  const match = /^([a-z]+):\/\/([^/?#]*)\/?$/.exec(raw);
  if (!match) throw bad("give an origin only, like https://api.example.com (no path, query or fragment)");
  const scheme = match[1] ?? "";
  const authority = match[2] ?? "";
  if (scheme !== "https" && !(scheme === "http" && options.allowPrivate))
    throw bad(options.allowPrivate ? "the scheme must be https or http" : "the scheme must be https");
  if (authority.includes("@")) throw bad("userinfo (user@host) is not allowed");
  if (authority.includes("*")) throw bad("an upstream names one host: no '*'");
  const split = splitHostPort(authority);
  if (!split) throw bad("malformed host or port");
  const verdict = checkHostname(split.host, options);
  if (!verdict.ok) throw bad(verdict.reason);
  const port = split.port === null ? null : parsePort(split.port);
  if (port === undefined) throw bad("the port must be a number from 1 to 65535");
  const defaultPort = scheme === "https" ? 443 : 80;
  return `${scheme}://${verdict.hostname}${port === null || port === defaultPort ? "" : `:${port}`}`;
}

/**
 * Public Suffix List options: its private section too, where hosting platforms list the domains
 * under which each customer gets a name of their own (`github.io`, `workers.dev`,
 * `s3.amazonaws.com`). A wildcard over one of those would send a vault's credential to every
 * customer's site. The input is already a checked lower-case hostname, so tldts skips its own
 * URL parsing and IP detection.
 */
const PUBLIC_SUFFIX_OPTIONS = { allowPrivateDomains: true, extractHostname: false, validateHostname: false, detectIp: false } as const;

/**
 * True when `hostname` is a public suffix (ICANN or private section of the Public Suffix List, via
 * tldts), i.e. it has no registrable domain of its own. Unlisted top-level names count as suffixes
 * (the list's default `*` rule), so a single label always is one.
 *
 * @example isPublicSuffix("co.uk") // true
 * @example isPublicSuffix("github.io") // true
 * @example isPublicSuffix("example.co.uk") // false
 */
export function isPublicSuffix(hostname: string): boolean {
  return getDomain(hostname, PUBLIC_SUFFIX_OPTIONS) === null;
}

function isBetter(score: readonly number[], than: readonly number[]): boolean {
  for (let i = 0; i < score.length; i++) {
    const a = score[i] ?? 0;
    const b = than[i] ?? 0;
    if (a !== b) return a > b;
  }
  return false;
}

function isOneLabelUnder(hostname: string, parent: string): boolean {
  if (!hostname.endsWith(`.${parent}`)) return false;
  const label = hostname.slice(0, -parent.length - 1);
  return label.length > 0 && !label.includes(".");
}

/** Segment-boundary prefix: `/api` matches `/api` and `/api/x`, never `/apis`. */
function pathHasPrefix(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** `host`, `host:port`, `[v6]` or `[v6]:port`; an unbracketed IPv6 literal stays whole for ssrf.ts. */
function splitHostPort(text: string): { host: string; port: string | null } | null {
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close === -1) return null;
    const rest = text.slice(close + 1);
    if (rest === "") return { host: text.slice(0, close + 1), port: null };
    return rest.startsWith(":") ? { host: text.slice(0, close + 1), port: rest.slice(1) } : null;
  }
  const colons = text.split(":").length - 1;
  if (colons === 1) {
    const at = text.indexOf(":");
    return { host: text.slice(0, at), port: text.slice(at + 1) };
  }
  return { host: text, port: null };
}

/** 1–65535 in plain decimal (no sign, no leading zero); undefined when invalid. */
function parsePort(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,4}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

/** `/api`, `/api/`, `/api/*` → `/api`; `/` and `/*` → null; undefined when invalid. */
function parsePathPrefix(raw: string): string | null | undefined {
  let path = raw;
  if (path.endsWith("/*")) path = path.slice(0, -2);
  else if (path.endsWith("/")) path = path.slice(0, -1);
  if (path === "") return null;
  if (path.length > MAX_PATH_PREFIX_LENGTH) return undefined;
  const segments = path.slice(1).split("/");
  const ok = segments.every((segment) => PATH_SEGMENT.test(segment) && segment !== "." && segment !== "..");
  return ok ? path : undefined;
}

/** Decoding rounds when looking for dot segments: a server that decodes twice reads `%252e` as `.`. */
const DOT_SEGMENT_DECODE_ROUNDS = 3;
/** `.` or `..`, alone or with path parameters (`..;x`), which Tomcat and Spring resolve as `..`. */
const DOT_SEGMENT = /^\.\.?(?:;.*)?$/;
/** Printable ASCII but `%`: no decoding or normalising changes such a path. */
const UNCHANGED_BY_DECODING = /^[\x20-\x24\x26-\x7e]*$/;

/** True when a segment of `path`, read as it is, is a dot segment. */
const hasDotSegmentAsIs = (path: string): boolean => path.split(/[/\\]/).some((segment) => DOT_SEGMENT.test(segment));

/**
 * True when some segment of `path` is `.` or `..` to a server that decodes or normalises it:
 * spelled with percent-encoding (`%2e%2e`, `.%2e`, also encoded twice), followed by `;`
 * parameters (`..;`, `%2E%2e;`), or in Unicode compatibility forms that NFKC turns into dots
 * (`．．`). Segments end at `/` and at `\`, which some servers treat alike.
 *
 * @example hasDotSegment("/api/..;/admin") // true
 * @example hasDotSegment("/api/v1.2/.well-known") // false
 */
export function hasDotSegment(path: string): boolean {
  // Printable ASCII without `%` is what NFKC and percent-decoding leave as it is (nearly every
  // path): one look at its segments says it all, without the rounds below (bench/README.md, issue 24).
  return UNCHANGED_BY_DECODING.test(path) ? hasDotSegmentAsIs(path) : hasDotSegmentInAnyRound(path);
}

/** `hasDotSegment` without its shortcut: each decoding round normalised and looked at (exported so a test holds the shortcut to it). */
export function hasDotSegmentInAnyRound(path: string): boolean {
  let text = path;
  for (let round = 0; round <= DOT_SEGMENT_DECODE_ROUNDS; round++) {
    if (hasDotSegmentAsIs(text.normalize("NFKC"))) return true;
    let decoded: string;
    try {
      decoded = decodeURIComponent(text);
    } catch {
      // Not decodable any further: no server decodes it into more dots either.
      return false;
    }
    if (decoded === text) return false;
    text = decoded;
  }
  return false;
}

/**
 * Throws 400 `invalid_path` when the path has a dot segment in any spelling (`hasDotSegment`).
 * The proxy handler also runs it on the request target as received, before `new URL()` would
 * quietly resolve `..`: an ambiguous path is refused, never reinterpreted.
 */
export function refuseDotSegments(path: string): void {
  if (hasDotSegment(path))
    throw new AppError(400, "invalid_path", "Invalid proxy path: '.' and '..' segments are not allowed, in any encoding or with ';' parameters");
}

/**
 * The proxied path must mean the same thing to us (prefix matching) and to the upstream:
 * no dot segments in any spelling (see `hasDotSegment`), no backslashes (some servers treat
 * them as `/`), no control characters (request smuggling), no raw `?`/`#`.
 */
function checkProxyPath(raw: string): string {
  const bad = (reason: string) => new AppError(400, "invalid_path", `Invalid proxy path: ${reason}`);
  const path = raw.startsWith("/") ? raw : `/${raw}`;
  if (/[\s\x00-\x1f\x7f\\?#]/.test(path)) throw bad("whitespace, control characters, backslashes, '?' and '#' are not allowed");
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw bad("malformed percent-encoding");
  }
  if (/[\x00-\x1f\x7f\\]/.test(decoded)) throw bad("encoded control characters and backslashes are not allowed");
  refuseDotSegments(path);
  return path;
}
