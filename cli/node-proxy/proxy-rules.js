// @ts-check
/**
 * The two rules preload.js decides by, apart from its side effects so they can be tested alone:
 * which Node versions route fetch and https through the proxy by themselves, and which hosts
 * NO_PROXY sends direct. Plain JavaScript, as preload.js is.
 */

/**
 * Whether this Node honours NODE_USE_ENV_PROXY for `fetch` (22.21+, 24+) and for `https`
 * (22.21+, 24.5+) by itself: then the preload leaves that one alone.
 * @param {string} version e.g. "20.20.2"
 * @returns {{ fetch: boolean, https: boolean }}
 */
export function nativeProxySupport(version) {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  const line22 = major === 22 && minor >= 21;
  return { fetch: line22 || major >= 24, https: line22 || (major === 24 && minor >= 5) || major >= 25 };
}

/**
 * NO_PROXY as undici reads it: entries split on commas and spaces, `*` for every host, `host`
 * exactly, `.example.com` or `*.example.com` as a suffix, each with an optional `:port`.
 * @param {string} noProxy
 * @param {string} hostname lower case, IPv6 in brackets
 * @param {number} port
 */
export function bypassesProxy(noProxy, hostname, port) {
  if (noProxy.trim() === "*") return true;
  for (const entry of noProxy.split(/[,\s]/)) {
    if (!entry) continue;
    const parsed = /^(.+):(\d+)$/.exec(entry);
    const host = (parsed?.[1] ?? entry).toLowerCase();
    if (parsed && Number(parsed[2]) !== port) continue;
    if (/^[.*]/.test(host) ? hostname.endsWith(host.replace(/^\*/, "")) : hostname === host) return true;
  }
  return false;
}
