/**
 * `ca path`, `ca export` and `ca trust`: the local root CA the MITM proxy signs its leaf
 * certificates with. Created on first use by any of these, `vault run` or `proxy`.
 */
import { createCommand } from "../command/command.ts";
import { caDir, fingerprint, loadOrCreateCa } from "../mitm/certificates.ts";

export const caPath = createCommand({
  path: ["ca", "path"],
  summary: "Print the path of the local proxy's root CA certificate (created on first use)",
  description: `Prints the path of the local root CA certificate (PEM) that \`vault run\` and \`proxy\` sign
their per-host certificates with: $XDG_CONFIG_HOME/edgevault/ca/ca.pem. The CA (ECDSA P-256,
10 years) is created there on first use; its key, ca-key.pem, is mode 0600 and is refused if
other users can read it.`,
  examples: [
    "edgevault ca path",
    'curl --cacert "$(edgevault ca path)" --proxy-user "$TOKEN:payments" --proxy http://127.0.0.1:14322 https://api.stripe.com/v1/balance',
  ],
  async handler(_args, context) {
    const ca = await loadOrCreateCa(caDir(context.env));
    context.out(ca.certPath);
  },
});

export const caExport = createCommand({
  path: ["ca", "export"],
  summary: "Print the local proxy's root CA certificate (PEM) on stdout",
  description: `Prints the local root CA certificate (PEM, never the key) on stdout, for a trust store or a
client in a container. Its SHA-256 fingerprint goes to stderr, to compare with what a trust
store shows.`,
  examples: ["edgevault ca export > edgevault-ca.pem"],
  async handler(_args, context) {
    const ca = await loadOrCreateCa(caDir(context.env));
    context.out(ca.certPem.trim());
    context.err(`SHA-256 fingerprint: ${await fingerprint(ca.cert)}`);
  },
});

export const caTrust = createCommand({
  path: ["ca", "trust"],
  summary: "Show how to trust the local root CA in the common OS and tool stores",
  description: `Prints the commands that add the local root CA to the trust stores of macOS, Debian/Ubuntu,
Fedora/RHEL, Arch, Windows and Firefox/Chromium (NSS), and the variables single tools read.
Nothing is changed: the commands need administrator rights, so you run them yourself.
\`vault run\` does not need any of this; it points its child at the CA through environment
variables. A trusted CA lets whoever holds its key impersonate any site to this machine: trust
it system-wide only if you need the proxy for programs started outside \`vault run\`.`,
  examples: ["edgevault ca trust"],
  async handler(_args, context) {
    const ca = await loadOrCreateCa(caDir(context.env));
    const pem = ca.certPath;
    context.out(`The local root CA: ${pem}
SHA-256 fingerprint: ${await fingerprint(ca.cert)}

macOS (System keychain):
  sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain "${pem}"
  remove: sudo security remove-trusted-cert -d "${pem}"

Debian, Ubuntu:
  sudo cp "${pem}" /usr/local/share/ca-certificates/edgevault-local-ca.crt && sudo update-ca-certificates
  remove: sudo rm /usr/local/share/ca-certificates/edgevault-local-ca.crt && sudo update-ca-certificates --fresh

Fedora, RHEL, CentOS:
  sudo cp "${pem}" /etc/pki/ca-trust/source/anchors/edgevault-local-ca.pem && sudo update-ca-trust
  remove: sudo rm /etc/pki/ca-trust/source/anchors/edgevault-local-ca.pem && sudo update-ca-trust

Arch Linux:
  sudo trust anchor --store "${pem}"

Windows (an administrator prompt):
  certutil -addstore -f Root "${pem}"

Firefox and Chromium on Linux (NSS databases):
  certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n "Edgevault local CA" -i "${pem}"
  (Firefox: Settings > Privacy & Security > Certificates > View Certificates > Authorities > Import)

Single tools, without touching a store:
  NODE_EXTRA_CA_CERTS="${pem}"   Node.js (adds to its roots)
  REQUESTS_CA_BUNDLE, SSL_CERT_FILE, CURL_CA_BUNDLE, GIT_SSL_CAINFO, DENO_CERT replace a tool's
  roots: point them at a bundle that also holds the system roots, as \`vault run\` does with
  ${ca.dir}/trust-bundle.pem (written by vault run)`);
  },
});
