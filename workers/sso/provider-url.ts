/**
 * Which URLs of an identity provider the edge may use, and the one way it fetches them. An
 * owner types the issuer and the provider's discovery document names the rest (authorization,
 * token, JWKS and userinfo endpoints): every one passes the rules upstreams pass
 * (lib/http/ssrf.ts) — https only, a public host — save that local dev
 * (`ALLOW_PRIVATE_UPSTREAMS`) also takes plain http to a loopback host, where the tests' provider
 * runs. A fetch never follows a redirect (oauth4webapi asks for `manual`: a redirect is an
 * answer, not a way around these rules), gives up after PROVIDER_TIMEOUT_MS, and reads at most
 * 256 KiB of a document (discovery, JWKS, userinfo) or 64 KiB of a token answer, cancelling the
 * rest as it streams in (`ProviderAnswerTooLarge`).
 */
import { BodyTooLarge, NULL_BODY_STATUSES, readAtMost } from "../lib/http/bounded-body.ts";
import { AppError } from "../lib/app-error.ts";
import { checkHostname } from "../lib/http/ssrf.ts";

/** How long one call to a provider may take: a sign-in waits on it. */
export const PROVIDER_TIMEOUT_MS = 10_000;
/** The most of a provider's document (discovery, JWKS, userinfo) the edge reads; real ones are a few KiB. */
export const MAX_PROVIDER_DOCUMENT_BYTES = 256 * 1024;
/** The most of a token endpoint's answer (oauth4webapi POSTs only there), as the OAuth broker reads it. */
export const MAX_PROVIDER_TOKEN_ANSWER_BYTES = 64 * 1024;

/** A provider answered more than the edge reads: callers answer 502 `provider_answer_too_large`. */
export class ProviderAnswerTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the provider's answer is over ${limit / 1024} KiB`);
    this.name = "ProviderAnswerTooLarge";
  }
}

const LOOPBACK = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/;

export type ProviderUrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * @example providerUrl("https://login.acme.example/oauth2/token", false) // { ok: true, … }
 * @example providerUrl("http://127.0.0.1:9000", false) // { ok: false, reason: "must be https" }
 */
export function providerUrl(raw: string, allowPrivate: boolean): ProviderUrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "is not a URL" };
  }
  if (url.username || url.password) return { ok: false, reason: "must not carry a user name or password" };
  const plainLoopback = url.protocol === "http:" && allowPrivate && LOOPBACK.test(url.hostname);
  if (url.protocol !== "https:" && !plainLoopback) return { ok: false, reason: "must be https" };
  const host = checkHostname(url.hostname, { allowPrivate });
  if (!host.ok) return { ok: false, reason: host.reason };
  return { ok: true, url };
}

/** True when oauth4webapi must be told plain http is fine: only for a URL `providerUrl` let through as loopback. */
export const isPlainLoopback = (url: URL) => url.protocol === "http:";

/**
 * oauth4webapi's `customFetch`: the provider's URL checked again whatever document named it, no
 * redirect followed, bounded in time and in size (the answer is read here, up to its limit, and
 * handed on whole).
 */
export function providerFetch(allowPrivate: boolean) {
  return async (url: string, options: { method: string; headers: Record<string, string>; body?: unknown; redirect: "manual" }): Promise<Response> => {
    const verdict = providerUrl(url, allowPrivate);
    if (!verdict.ok) throw new TypeError(`refusing the provider's URL: it ${verdict.reason}`);
    const response = await fetch(verdict.url.href, {
      method: options.method,
      headers: options.headers,
      body: options.body as BodyInit | undefined,
      redirect: "manual",
      signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
    });
    const limit = options.method === "POST" ? MAX_PROVIDER_TOKEN_ANSWER_BYTES : MAX_PROVIDER_DOCUMENT_BYTES;
    let bytes: Uint8Array;
    try {
      bytes = await readAtMost(response.body, limit, response.headers.get("content-length"));
    } catch (error) {
      throw error instanceof BodyTooLarge ? new ProviderAnswerTooLarge(limit) : error;
    }
    const headers = new Headers(response.headers);
    headers.delete("content-length");
    return new Response(NULL_BODY_STATUSES.has(response.status) ? null : bytes, { status: response.status, statusText: response.statusText, headers });
  };
}

/** 502 `provider_answer_too_large`, when that is what `cause` is. */
export function tooLargeAnswer(cause: unknown, what: string): AppError | undefined {
  if (!(cause instanceof ProviderAnswerTooLarge)) return undefined;
  return new AppError(502, "provider_answer_too_large", `${what} is over ${cause.limit / 1024} KiB: the edge reads no more of it`, { cause });
}
