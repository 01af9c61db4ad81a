/**
 * Which URLs of an identity provider the edge may use, and the one way it fetches them. An
 * owner types the issuer and the provider's discovery document names the rest (authorization,
 * token, JWKS and userinfo endpoints): every one passes the rules upstreams pass
 * (lib/http/ssrf.ts) — https only, a public host — save that local dev
 * (`ALLOW_PRIVATE_UPSTREAMS`) also takes plain http to a loopback host, where the tests' provider
 * runs. A fetch never follows a redirect (oauth4webapi asks for `manual`: a redirect is an
 * answer, not a way around these rules) and gives up after PROVIDER_TIMEOUT_MS.
 */
import { checkHostname } from "../lib/http/ssrf.ts";

/** How long one call to a provider may take: a sign-in waits on it. */
export const PROVIDER_TIMEOUT_MS = 10_000;

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
 * redirect followed, bounded in time.
 */
export function providerFetch(allowPrivate: boolean) {
  return async (url: string, options: { method: string; headers: Record<string, string>; body?: unknown; redirect: "manual" }): Promise<Response> => {
    const verdict = providerUrl(url, allowPrivate);
    if (!verdict.ok) throw new TypeError(`refusing the provider's URL: it ${verdict.reason}`);
    return fetch(verdict.url.href, {
      method: options.method,
      headers: options.headers,
      body: options.body as BodyInit | undefined,
      redirect: "manual",
      signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
    });
  };
}
