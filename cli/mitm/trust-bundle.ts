/**
 * The CA bundle `vault run` points the child's TLS variables at: the local root CA followed by
 * the machine's usual roots. SSL_CERT_FILE, CURL_CA_BUNDLE, REQUESTS_CA_BUNDLE, GIT_SSL_CAINFO
 * and DENO_CERT *replace* a client's trust store; pointing them at the local CA alone would
 * break every host the proxy tunnels instead of intercepting, whose real certificates chain
 * to public roots. (NODE_EXTRA_CA_CERTS adds to Node's store, so it gets `ca.pem` alone.)
 */
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import tls from "node:tls";
import { randomBytes } from "node:crypto";
import type { LocalCa } from "./certificates.ts";

export const TRUST_BUNDLE_FILE = "trust-bundle.pem";

/** Where Debian/Ubuntu, Fedora/RHEL, Alpine/macOS and SUSE keep their system bundle. */
const SYSTEM_BUNDLES = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem", "/etc/ssl/ca-bundle.pem"];

/**
 * Writes (when its content changed) `<ca dir>/trust-bundle.pem` and returns its path. The
 * system roots come from the parent's SSL_CERT_FILE when it names another file, else the
 * system bundle, else the Mozilla roots built into Node.
 */
export async function writeTrustBundle(ca: LocalCa, env: Readonly<Record<string, string | undefined>>): Promise<string> {
  const file = path.join(ca.dir, TRUST_BUNDLE_FILE);
  const inherited = env.SSL_CERT_FILE && path.resolve(env.SSL_CERT_FILE) !== file ? [env.SSL_CERT_FILE] : [];
  let roots: string | undefined;
  for (const candidate of [...inherited, ...SYSTEM_BUNDLES]) {
    roots = await readFile(candidate, "utf8").catch(() => undefined);
    if (roots?.includes("-----BEGIN CERTIFICATE-----")) break;
    roots = undefined;
  }
  // A bundle inherited from an outer `vault run` already starts with a local CA: keep one copy.
  const system = (roots ?? tls.rootCertificates.join("\n")).replace(ca.certPem.trim(), "").trim();
  const content = `# Edgevault local CA, then the system roots\n${ca.certPem.trim()}\n${system}\n`;
  if ((await readFile(file, "utf8").catch(() => undefined)) === content) return file;
  const temporary = path.join(ca.dir, `.${TRUST_BUNDLE_FILE}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeFile(temporary, content, { mode: 0o644 });
    await rename(temporary, file);
  } finally {
    await rm(temporary, { force: true });
  }
  return file;
}
