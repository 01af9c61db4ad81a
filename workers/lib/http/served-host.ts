/**
 * The hosts the edge serves: its public origin's (`PUBLIC_ORIGIN`), and with a base domain each
 * company's `<company>.<BASE_DOMAIN>`. Anything else is a name the edge was reached under by
 * accident or on purpose (a `workers.dev` address, a DNS-rebinding page pointing its own name at
 * a developer's loopback edge) and is answered 421 by app.ts. Names are compared, not ports: the
 * port a request arrives on is the runtime's, and links never come from the request anyway.
 */
import { companyOfHost } from "./company-host.ts";

/**
 * @example servesHost("acme.edgevault.example", "https://edgevault.example", "edgevault.example") // true
 * @example servesHost("evil.example", "https://edgevault.example", undefined) // false
 */
export function servesHost(hostname: string, publicOrigin: string, baseDomain: string | undefined): boolean {
  // A fully qualified name (`edgevault.example.`) names the same host.
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host === hostnameOf(publicOrigin)) return true;
  return companyOfHost(host, baseDomain) !== undefined;
}

/** The deployment's one origin, parsed once rather than on every request (every request asks). */
let parsedOrigin: { origin: string; hostname: string } | undefined;

function hostnameOf(origin: string): string {
  if (parsedOrigin?.origin !== origin) parsedOrigin = { origin, hostname: new URL(origin).hostname };
  return parsedOrigin.hostname;
}
