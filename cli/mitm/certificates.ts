/**
 * The local root CA and the leaf certificates minted from it for intercepted hosts.
 *
 * The CA lives in `$XDG_CONFIG_HOME/edgevault/ca/` (directory 0700): `ca.pem` (0644) and
 * `ca-key.pem` (0600). Whoever reads the key can impersonate any HTTPS site to a client that
 * trusts the CA, so a key readable by group or others is refused on load rather than used.
 * Keys are ECDSA P-256 through WebCrypto (RSA-2048 would cost hundreds of milliseconds a key).
 * The CA is built with @peculiar/x509; leaves are assembled as DER by leaf-der.ts, which is
 * several times cheaper per host. The leaves of one process share one key pair, as mitmproxy's
 * do: a cold leaf is then one certificate to sign, not a key pair to generate and export first
 * (bench/README.md, "Cold leaf"). That key never leaves memory and is worth less than the CA key
 * on disk, which can mint a certificate for any host anyway.
 */
import type * as X509 from "@peculiar/x509";
import { randomBytes, webcrypto } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import path from "node:path";
import tls from "node:tls";
import { CliError } from "../cli-error.ts";
import { configDir } from "../edge/config.ts";
import { ipBytes, leafDer, subjectNameOf } from "./leaf-der.ts";

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

let loaded: Promise<typeof X509> | undefined;

/**
 * @peculiar/x509 (and the reflect polyfill it needs first) load on first use: they cost about
 * 0.4 s, which every other command — most CLI runs — should not pay.
 */
function peculiar(): Promise<typeof X509> {
  loaded ??= (async () => {
    await import("reflect-metadata");
    const x509 = await import("@peculiar/x509");
    // Node 20 has WebCrypto globally too; naming it keeps the provider independent of globals.
    x509.cryptoProvider.set(webcrypto as never); // its Crypto type is the DOM one, absent from this lib
    return x509;
  })();
  return loaded;
}

const KEY_ALGORITHM = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING_ALGORITHM = { name: "ECDSA", hash: "SHA-256" } as const;
const HOUR_MS = 3600_000;
const CA_VALIDITY_MS = 10 * 365 * 24 * HOUR_MS;
export const LEAF_VALIDITY_MS = 24 * HOUR_MS;
/** Clocks disagree a little; a certificate that starts "now" can look not-yet-valid to a client. */
export const BACKDATE_MS = 5 * 60_000;
/** A cached leaf with less than this left is replaced before it is used again. */
export const REMINT_BEFORE_MS = HOUR_MS;
export const LEAF_CACHE_SIZE = 1024;

export const CA_CERT_FILE = "ca.pem";
export const CA_KEY_FILE = "ca-key.pem";

type Env = Readonly<Record<string, string | undefined>>;

/** The local root CA: its certificate (PEM and parsed), its signing key, and where they live. */
export type LocalCa = {
  dir: string;
  certPath: string;
  keyPath: string;
  certPem: string;
  cert: X509.X509Certificate;
  key: CryptoKey;
};

export function caDir(env: Env): string {
  return path.join(configDir(env), "ca");
}

/**
 * Loads the CA from `dir`, creating it on first use. Two processes starting at once both end
 * up with the same CA: each writes a complete CA into a private temporary directory and
 * renames it into place; the loser of the rename loads the winner's.
 * @example
 * const ca = await loadOrCreateCa(caDir(process.env));
 */
export async function loadOrCreateCa(dir: string): Promise<LocalCa> {
  const existing = await loadCa(dir);
  if (existing) return existing;
  const parent = path.dirname(dir);
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const staging = await mkdtemp(path.join(parent, ".ca-")); // mkdtemp creates it 0700
  try {
    const { certPem, keyPem } = await generateCa();
    await writeFile(path.join(staging, CA_KEY_FILE), keyPem, { mode: 0o600, flag: "wx" });
    await writeFile(path.join(staging, CA_CERT_FILE), certPem, { mode: 0o644, flag: "wx" });
    try {
      // Atomic: replaces nothing but an empty directory, so a CA is never half written.
      await rename(staging, dir);
    } catch (error) {
      if (!hasCode(error, "EEXIST", "ENOTEMPTY")) throw error;
    }
  } catch (error) {
    throw error instanceof CliError ? error : new CliError(`Cannot create the local CA in ${dir}: ${describe(error)}`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  const created = await loadCa(dir);
  if (!created) throw new CliError(`The local CA in ${dir} disappeared while it was being created; try again`);
  return created;
}

/** The CA in `dir`, or undefined when there is none yet. Refuses a key others can read. */
export async function loadCa(dir: string): Promise<LocalCa | undefined> {
  const x509 = await peculiar();
  const certPath = path.join(dir, CA_CERT_FILE);
  const keyPath = path.join(dir, CA_KEY_FILE);
  let keyMode: number;
  try {
    keyMode = (await stat(keyPath)).mode;
  } catch (error) {
    if (!hasCode(error, "ENOENT")) throw new CliError(`Cannot read ${keyPath}: ${describe(error)}`);
    if (await exists(certPath)) throw new CliError(`${certPath} exists but its key ${keyPath} does not; remove ${dir} to create a new CA`);
    return undefined;
  }
  if (process.platform !== "win32" && (keyMode & 0o077) !== 0) {
    throw new CliError(
      `${keyPath} can be read by other users (mode ${(keyMode & 0o777).toString(8).padStart(4, "0")}); whoever reads it can impersonate any HTTPS site to this machine's agents. Fix it with: chmod 600 ${keyPath}`,
    );
  }
  // Tightened on every load: a directory loosened by hand would expose new files.
  await chmod(dir, 0o700).catch(() => undefined);
  let certPem: string;
  let keyPem: string;
  try {
    [certPem, keyPem] = await Promise.all([readFile(certPath, "utf8"), readFile(keyPath, "utf8")]);
  } catch (error) {
    throw new CliError(`Cannot read the local CA in ${dir}: ${describe(error)}; remove the directory to create a new CA`);
  }
  let cert: X509.X509Certificate;
  let key: CryptoKey;
  try {
    cert = new x509.X509Certificate(certPem);
    key = (await webcrypto.subtle.importKey("pkcs8", pemBody(keyPem), KEY_ALGORITHM, true, ["sign"])) as CryptoKey;
  } catch {
    throw new CliError(`The local CA in ${dir} is not a valid P-256 certificate and key; remove the directory to create a new CA`);
  }
  if (!(await keyMatchesCertificate(key, cert))) throw new CliError(`${keyPath} is not the key of ${certPath}; remove ${dir} to create a new CA`);
  if (cert.notAfter.getTime() < Date.now())
    throw new CliError(`The local CA in ${dir} expired on ${cert.notAfter.toISOString()}; remove the directory to create a new one`);
  return { dir, certPath, keyPath, certPem, cert, key };
}

async function generateCa(): Promise<{ certPem: string; keyPem: string }> {
  const x509 = await peculiar();
  const keys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
  const now = Date.now();
  // A random suffix tells two machines' CAs apart in a trust store.
  const name: X509.JsonName = [{ CN: [`Edgevault local CA ${randomBytes(4).toString("hex")}`] }, { O: ["Edgevault"] }];
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial().toString("hex"),
    name,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + CA_VALIDITY_MS),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  return { certPem: `${cert.toString("pem")}\n`, keyPem: toPem(pkcs8, "PRIVATE KEY") };
}

/** The key pair a process's leaves share, with what every leaf derives from it, encoded once. */
export type LeafKey = { keyPem: string; spki: Uint8Array; subjectKeyId: Uint8Array };

/** A new leaf key pair; `LeafCertificates` makes one and uses it for every host. */
export async function createLeafKey(): Promise<LeafKey> {
  const x509 = await peculiar();
  const keys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
  const keyPem = toPem(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey), "PRIVATE KEY");
  const spki = new Uint8Array(await webcrypto.subtle.exportKey("spki", keys.publicKey));
  const subjectKeyId = new Uint8Array((await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)).rawData);
  return { keyPem, spki, subjectKeyId };
}

/** The CA's part of every leaf (its exact subject name, its key identifier), computed once per CA. */
const caParts = new WeakMap<LocalCa, Promise<{ issuer: Uint8Array; authorityKeyId: Uint8Array }>>();

function caPartsOf(ca: LocalCa): Promise<{ issuer: Uint8Array; authorityKeyId: Uint8Array }> {
  let pending = caParts.get(ca);
  if (!pending) {
    pending = peculiar().then(async (x509) => ({
      issuer: subjectNameOf(new Uint8Array(ca.cert.rawData)),
      authorityKeyId: new Uint8Array((await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false)).rawData),
    }));
    caParts.set(ca, pending);
  }
  return pending;
}

/** A minted leaf: what a TLS server needs, and when to stop using it. */
export type Leaf = { host: string; certPem: string; keyPem: string; notAfter: Date; secureContext: tls.SecureContext };

export type LeafCertificatesOptions = {
  /** For tests: the clock the validity window and the re-mint rule read. */
  now?: () => number;
  cacheSize?: number;
};

/**
 * Leaf certificates per host, minted on demand, kept in an LRU of 1024 and replaced when less
 * than an hour of validity remains. Concurrent requests for one host share one minting.
 * @example
 * const leaves = new LeafCertificates(ca);
 * new tls.TLSSocket(socket, { isServer: true, secureContext: (await leaves.get("api.stripe.com")).secureContext });
 */
export class LeafCertificates {
  readonly #ca: LocalCa;
  readonly #now: () => number;
  readonly #cacheSize: number;
  readonly #cache = new Map<string, Promise<Leaf>>();
  /** Made on first use and kept: a failed attempt is forgotten so the next mint tries again. */
  #key: Promise<LeafKey> | undefined;

  constructor(ca: LocalCa, options: LeafCertificatesOptions = {}) {
    this.#ca = ca;
    this.#now = options.now ?? Date.now;
    this.#cacheSize = options.cacheSize ?? LEAF_CACHE_SIZE;
  }

  #leafKey(): Promise<LeafKey> {
    if (!this.#key) {
      const creating = createLeafKey();
      creating.catch(() => {
        if (this.#key === creating) this.#key = undefined;
      });
      this.#key = creating;
    }
    return this.#key;
  }

  get size(): number {
    return this.#cache.size;
  }

  async get(host: string): Promise<Leaf> {
    const key = host.toLowerCase();
    const cached = this.#cache.get(key);
    if (cached) {
      // The entry stays in place while it is awaited, so concurrent handshakes for one host
      // share one certificate instead of minting one each.
      const leaf = await cached.catch(() => undefined);
      if (leaf && leaf.notAfter.getTime() - this.#now() > REMINT_BEFORE_MS) {
        if (this.#cache.get(key) === cached) {
          this.#cache.delete(key);
          this.#cache.set(key, cached); // most recently used last
        }
        return leaf;
      }
      const replaced = this.#cache.get(key);
      if (replaced && replaced !== cached) return replaced; // another caller is re-minting it already
    }
    const now = this.#now();
    const minting = this.#leafKey().then((leafKey) => mintLeaf(this.#ca, key, now, leafKey));
    this.#remember(key, minting);
    minting.catch(() => {
      if (this.#cache.get(key) === minting) this.#cache.delete(key);
    });
    return minting;
  }

  #remember(key: string, leaf: Promise<Leaf>): void {
    this.#cache.set(key, leaf);
    while (this.#cache.size > this.#cacheSize) {
      const oldest = this.#cache.keys().next().value;
      if (oldest === undefined) break;
      this.#cache.delete(oldest);
    }
  }
}

/**
 * A server certificate for `host` (a DNS name, or an IP address given as an IP SAN), valid
 * 24 hours from a few minutes ago, signed by the CA. Not a CA itself; serverAuth only. Its key
 * is `leafKey` when given (shared by a process's leaves), else a new one.
 */
export async function mintLeaf(ca: LocalCa, host: string, now: number = Date.now(), leafKey?: LeafKey): Promise<Leaf> {
  const [key, { issuer, authorityKeyId }] = await Promise.all([leafKey ?? createLeafKey(), caPartsOf(ca)]);
  const notAfter = new Date(now + LEAF_VALIDITY_MS);
  const der = await leafDer(
    { issuer, spki: key.spki, keyIdentifiers: [authorityKeyId, key.subjectKeyId], caKey: ca.key },
    // CN is capped at 64 characters; clients match the SAN, the CN is only a label.
    { cn: host.length <= 64 ? host : "edgevault intercepted host", san: isIP(host) !== 0 ? { ip: ipBytes(host) } : { dns: host } },
    randomSerial(),
    new Date(now - BACKDATE_MS),
    notAfter,
  );
  const certPem = toPem(der, "CERTIFICATE");
  return { host, certPem, keyPem: key.keyPem, notAfter, secureContext: tls.createSecureContext({ cert: certPem, key: key.keyPem }) };
}

/** SHA-256 fingerprint of a certificate, as trust stores and `openssl x509 -fingerprint` show it. */
export async function fingerprint(cert: X509.X509Certificate): Promise<string> {
  const digest = new Uint8Array(await cert.getThumbprint("SHA-256"));
  return [...digest].map((b) => b.toString(16).padStart(2, "0").toUpperCase()).join(":");
}

async function keyMatchesCertificate(key: CryptoKey, cert: X509.X509Certificate): Promise<boolean> {
  const privateJwk = await webcrypto.subtle.exportKey("jwk", key);
  const publicJwk = await webcrypto.subtle.exportKey("jwk", await cert.publicKey.export(KEY_ALGORITHM, ["verify"]));
  return privateJwk.x === publicJwk.x && privateJwk.y === publicJwk.y;
}

/** 16 random bytes with the top bit clear: a positive serial of at most 20 octets (RFC 5280 §4.1.2.2). */
function randomSerial(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes;
}

function toPem(der: ArrayBuffer | Uint8Array, label: string): string {
  const lines =
    Buffer.from(der instanceof ArrayBuffer ? new Uint8Array(der) : der)
      .toString("base64")
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, "").replace(/\s+/g, ""), "base64");
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

function hasCode(error: unknown, ...codes: string[]): boolean {
  return error instanceof Error && "code" in error && typeof error.code === "string" && codes.includes(error.code);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
