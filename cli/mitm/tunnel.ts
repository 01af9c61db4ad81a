/**
 * What the listener does with hosts it does not intercept: a CONNECT becomes a raw TCP tunnel
 * (the client does its own TLS with the real server and sees the real certificate), and a
 * plain `http://` request is relayed as an ordinary forward proxy would. No token, credential
 * or proxy header goes to these hosts.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import net from "node:net";
import type { Duplex } from "node:stream";
import { pipeline } from "node:stream";
import { hostSegment, type Target } from "./edge-forwarder.ts";
import { forwardableHeaders } from "./forwardable-headers.ts";
import { type ProxyError, respondWithError, tunnelFailed, writeErrorToSocket } from "./proxy-errors.ts";

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Who hears that a direct connection failed besides the client: `notice` gets the refusal's
 * message as one line (curl prints only "CONNECT tunnel failed, response 502", never the body),
 * `vault` names the session's vault in it.
 */
export type FailureReport = { vault?: string; notice?: (line: string) => void };

function reported(failed: FailureReport, error: ProxyError): ProxyError {
  failed.notice?.(error.message);
  return error;
}

/**
 * Connects to `target`; on success answers the CONNECT with 200 and splices the two sockets,
 * on failure answers 502 `upstream_unreachable`.
 */
export function tunnel(client: Duplex, head: Buffer, target: Target, failed: FailureReport = {}): void {
  let connected = false;
  // No Nagle delay: a TLS record relayed while an earlier one is unacknowledged would otherwise
  // wait for the ACK (the client's side already has it off: the listener's server sets noDelay).
  const upstream = net.connect({ host: target.hostname, port: target.port, noDelay: true });
  upstream.setTimeout(CONNECT_TIMEOUT_MS, () => upstream.destroy(new Error("connect timeout")));
  upstream.once("connect", () => {
    connected = true;
    upstream.setTimeout(0);
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on("error", (error) => {
    if (!connected) writeErrorToSocket(client, reported(failed, tunnelFailed(hostSegment(target), error, failed.vault)));
    else client.destroy();
  });
  upstream.on("close", () => {
    if (connected) client.destroy();
  });
  client.on("error", () => upstream.destroy());
  client.on("close", () => upstream.destroy());
}

/** Relays an absolute-form request for a host that is not intercepted, straight to that host. */
export function passThroughRequest(req: IncomingMessage, res: ServerResponse, url: URL, failed: FailureReport = {}): void {
  const request = url.protocol === "https:" ? https.request : http.request;
  const outgoing = request({
    hostname: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port || undefined,
    method: req.method,
    path: `${url.pathname}${url.search}`,
    // Hop-by-hop headers go, Proxy-Authorization (the session token) with them; Host stays.
    headers: forwardableHeaders(req.rawHeaders, { drop: new Set(["expect"]) }),
  });
  let answered = false;
  outgoing.on("response", (upstream) => {
    answered = true;
    res.writeHead(upstream.statusCode ?? 502, upstream.statusMessage, forwardableHeaders(upstream.rawHeaders));
    pipeline(upstream, res, () => undefined);
  });
  outgoing.on("error", (error) => {
    if (!answered) respondWithError(res, reported(failed, tunnelFailed(url.host, error, failed.vault)));
    else res.destroy();
  });
  res.on("close", () => {
    if (!res.writableFinished) outgoing.destroy();
  });
  req.on("error", () => outgoing.destroy());
  req.pipe(outgoing);
}
