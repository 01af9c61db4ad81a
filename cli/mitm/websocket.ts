/**
 * WebSocket (any `Upgrade`) requests: the upgrade request goes on (to the edge for intercepted
 * hosts, straight to the host otherwise); when the other side switches protocols the two
 * sockets are spliced and frames pass untouched, and any other answer is relayed as an
 * ordinary response before the connection closes.
 */
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";
import { forwardableHeaders } from "./forwardable-headers.ts";
import { type ProxyError, writeErrorToSocket } from "./proxy-errors.ts";

/**
 * Sends `outgoing` (an upgrade request, not yet ended) and relays its outcome on `client`.
 * @example relayUpgrade(socket, head, edge.request("GET", target, req.url, req.rawHeaders, session, { upgrade: true }), (e) => edgeUnreachable(edge.addr, e));
 */
export function relayUpgrade(
  client: Duplex,
  head: Buffer,
  outgoing: http.ClientRequest,
  failure: (error: unknown) => ProxyError,
  onResponse?: (res: IncomingMessage) => void,
): void {
  let settled = false;
  outgoing.on("upgrade", (res: IncomingMessage, upstream: Duplex, upstreamHead: Buffer) => {
    settled = true;
    onResponse?.(res);
    // The 101 goes back as received: Sec-WebSocket-Accept, Upgrade and Connection must all pass.
    client.write(responseHead(res, res.rawHeaders));
    if (upstreamHead.length > 0) client.write(upstreamHead);
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
    upstream.on("error", () => client.destroy());
    upstream.on("close", () => client.destroy());
    client.on("close", () => upstream.destroy());
  });
  outgoing.on("response", (res) => {
    settled = true;
    onResponse?.(res);
    // Refused (e.g. 403, 426): relay the answer, delimited by closing the connection.
    const headers = forwardableHeaders(res.rawHeaders);
    const raw = Object.entries(headers).flatMap(([name, values]) => values.flatMap((value) => [name, value]));
    client.write(responseHead(res, [...raw, "Connection", "close"]));
    res.pipe(client);
    res.on("error", () => client.destroy());
  });
  outgoing.on("error", (error) => {
    if (!settled) writeErrorToSocket(client, failure(error));
    else client.destroy();
  });
  client.on("error", () => outgoing.destroy());
  client.on("close", () => {
    if (!settled) outgoing.destroy();
  });
  outgoing.end();
}

/** An upgrade request for a host that is not intercepted, sent to the host itself. */
export function directUpgradeRequest(req: IncomingMessage, url: URL): http.ClientRequest {
  const request = url.protocol === "https:" || url.protocol === "wss:" ? https.request : http.request;
  return request({
    hostname: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port || undefined,
    method: req.method,
    path: `${url.pathname}${url.search}`,
    headers: forwardableHeaders(req.rawHeaders, { keepUpgrade: true }),
    agent: false,
  });
}

function responseHead(res: IncomingMessage, rawHeaders: readonly string[]): string {
  const lines = [`HTTP/1.1 ${res.statusCode ?? 502} ${res.statusMessage ?? ""}`];
  for (let i = 0; i < rawHeaders.length; i += 2) lines.push(`${rawHeaders[i]}: ${rawHeaders[i + 1]}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}
