/**
 * Which of a message's headers cross the listener, both ways: everything end-to-end, minus the
 * hop-by-hop headers (RFC 9110 §7.6.1, plus Proxy-Connection: the edge's own list in
 * workers/lib/http/forward-headers.ts) and every header the message's `Connection` names. Read from
 * `rawHeaders`, so repeated fields stay repeated. This runs twice per intercepted request, so it
 * walks the headers once and allocates only the result (and a set when `Connection` names any).
 */
import { HOP_BY_HOP_HEADERS } from "../../workers/lib/http/forward-headers.ts";

const HOP_BY_HOP = new Set(HOP_BY_HOP_HEADERS);

export type ForwardableOptions = {
  /** Further lower-case names to leave out (what the forwarder sets itself). */
  drop?: ReadonlySet<string>;
  /**
   * Leave out every header whose lower-case name starts with this (a namespace the sender does not
   * own), `_` read as `-`: CGI-style servers see `X_Edgevault_…` as `X-Edgevault-…`.
   */
  dropPrefix?: string;
  /** Keep `Upgrade`, and say `Connection: Upgrade` (WebSocket). */
  keepUpgrade?: boolean;
};

/** Names a message's `Connection` headers list, lower case; undefined when there are none (the common case). */
function connectionNamed(rawHeaders: readonly string[]): Set<string> | undefined {
  let named: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name?.length !== 10 || name.toLowerCase() !== "connection") continue;
    for (const listed of (rawHeaders[i + 1] ?? "").split(",")) {
      const token = listed.trim().toLowerCase();
      // `keep-alive` and `close` name options, not headers: only a real name needs the set.
      if (token === "" || token === "keep-alive" || token === "close") continue;
      named ??= new Set();
      named.add(token);
    }
  }
  return named;
}

/**
 * The forwardable headers as `[name, value, name, value, …]` (names lower case), the shape
 * `http.request({ headers })` takes without re-validating them one by one through `setHeader`.
 * @example forwardableRawHeaders(req.rawHeaders, { drop: new Set(["host"]) })
 */
export function forwardableRawHeaders(rawHeaders: readonly string[], options: ForwardableOptions = {}): string[] {
  const named = connectionNamed(rawHeaders);
  const out: string[] = [];
  let upgrade = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i];
    const value = rawHeaders[i + 1];
    if (raw === undefined || value === undefined) continue;
    const name = raw.toLowerCase();
    if (options.keepUpgrade && name === "upgrade") {
      if (!upgrade) out.push(name, value);
      upgrade = true;
      continue;
    }
    if (HOP_BY_HOP.has(name) || named?.has(name) || options.drop?.has(name)) continue;
    if (options.dropPrefix !== undefined && name.replaceAll("_", "-").startsWith(options.dropPrefix)) continue;
    out.push(name, value);
  }
  if (upgrade) out.push("connection", "Upgrade");
  return out;
}

/**
 * The forwardable headers as a record of value lists, the shape `res.writeHead()` writes
 * straight out when nothing was set on the response before.
 * @example res.writeHead(upstream.statusCode, upstream.statusMessage, forwardableHeaders(upstream.rawHeaders))
 */
export function forwardableHeaders(rawHeaders: readonly string[], options: ForwardableOptions = {}): Record<string, string[]> {
  const flat = forwardableRawHeaders(rawHeaders, options);
  const headers: Record<string, string[]> = {};
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i] as string;
    const value = flat[i + 1] as string;
    const values = headers[name];
    if (values) values.push(value);
    else headers[name] = [value];
  }
  return headers;
}
