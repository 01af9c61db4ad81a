/**
 * Per-company hosts: with a base domain `edgevault.example`, company `acme` answers at
 * `acme.edgevault.example`. Only one label below the base counts; anything else names no company.
 */
import { ResourceName } from "../openapi.ts";

/**
 * The company a request host names, or undefined.
 * @example companyOfHost("acme.edgevault.example", "edgevault.example") // "acme"
 */
export function companyOfHost(hostname: string, baseDomain: string | undefined): string | undefined {
  if (!baseDomain) return undefined;
  const host = hostname.toLowerCase().replace(/\.$/, "");
  const suffix = `.${baseDomain}`;
  if (!host.endsWith(suffix)) return undefined;
  const label = host.slice(0, -suffix.length);
  return !label.includes(".") && ResourceName.safeParse(label).success ? label : undefined;
}
