/**
 * A leaf certificate's DER, assembled by hand from parts that are the same for every host (the
 * CA's name and key identifier, the shared leaf key, the fixed extensions) and the few that are
 * not (serial, validity, the host's CN and subjectAltName), then signed with the CA key.
 *
 * Why not @peculiar/x509's generator, as the CA uses: building a leaf with it took ~6 ms of
 * ASN.1 work in JavaScript per host, most of a cold leaf's cost (bench/README.md, "Cold leaf");
 * this takes a fraction of a millisecond plus one ECDSA signature. The structure is RFC 5280
 * §4.1 with the extensions certificates.ts documents; test/cli/certificates.spec.ts parses the
 * result with Node's and @peculiar's X.509 parsers and checks the chain.
 */
import { webcrypto } from "node:crypto";

type CryptoKey = webcrypto.CryptoKey;

/** What stays the same across a process's leaves, encoded once. */
export type LeafTemplate = {
  /** The CA's subject Name, exactly as encoded in its certificate (the leaf's issuer). */
  issuer: Uint8Array;
  /** SubjectPublicKeyInfo of the shared leaf key. */
  spki: Uint8Array;
  /** Complete Extension encodings: authority and subject key identifiers. */
  keyIdentifiers: Uint8Array[];
  caKey: CryptoKey;
};

/** The host's name for the subjectAltName: a DNS name, or an IP address's bytes. */
export type LeafHost = { cn: string; san: { dns: string } | { ip: Uint8Array } };

const SEQUENCE = 0x30;
const SET = 0x31;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const OCTET_STRING = 0x04;
const BOOLEAN_TRUE = Uint8Array.of(0x01, 0x01, 0xff);
const UTF8_STRING = 0x0c;

const ECDSA_WITH_SHA256 = Uint8Array.of(0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02);
const OID_COMMON_NAME = Uint8Array.of(0x06, 0x03, 0x55, 0x04, 0x03);
const OID_BASIC_CONSTRAINTS = Uint8Array.of(0x06, 0x03, 0x55, 0x1d, 0x13);
const OID_KEY_USAGE = Uint8Array.of(0x06, 0x03, 0x55, 0x1d, 0x0f);
const OID_EXT_KEY_USAGE = Uint8Array.of(0x06, 0x03, 0x55, 0x1d, 0x25);
const OID_SUBJECT_ALT_NAME = Uint8Array.of(0x06, 0x03, 0x55, 0x1d, 0x11);
const OID_SERVER_AUTH = Uint8Array.of(0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01);
/** [0] EXPLICIT INTEGER 2: version 3. */
const VERSION_3 = Uint8Array.of(0xa0, 0x03, 0x02, 0x01, 0x02);

/** The host-independent extensions: CA:false and digitalSignature (both critical), EKU serverAuth. */
const FIXED_EXTENSIONS = [
  tlv(SEQUENCE, OID_BASIC_CONSTRAINTS, BOOLEAN_TRUE, tlv(OCTET_STRING, tlv(SEQUENCE))),
  tlv(SEQUENCE, OID_KEY_USAGE, BOOLEAN_TRUE, tlv(OCTET_STRING, Uint8Array.of(BIT_STRING, 0x02, 0x07, 0x80))),
  tlv(SEQUENCE, OID_EXT_KEY_USAGE, tlv(OCTET_STRING, tlv(SEQUENCE, OID_SERVER_AUTH))),
];

/** The certificate's DER: the TBSCertificate signed with the CA key (ECDSA P-256, SHA-256). */
export async function leafDer(template: LeafTemplate, host: LeafHost, serial: Uint8Array, notBefore: Date, notAfter: Date): Promise<Uint8Array> {
  const sanEntry = "dns" in host.san ? tlv(0x82, ascii(host.san.dns)) : tlv(0x87, host.san.ip);
  const extensions = [...FIXED_EXTENSIONS, tlv(SEQUENCE, OID_SUBJECT_ALT_NAME, tlv(OCTET_STRING, tlv(SEQUENCE, sanEntry))), ...template.keyIdentifiers];
  const tbs = tlv(
    SEQUENCE,
    VERSION_3,
    integer(serial),
    ECDSA_WITH_SHA256,
    template.issuer,
    tlv(SEQUENCE, time(notBefore), time(notAfter)),
    tlv(SEQUENCE, tlv(SET, tlv(SEQUENCE, OID_COMMON_NAME, tlv(UTF8_STRING, new TextEncoder().encode(host.cn))))),
    template.spki,
    tlv(0xa3, tlv(SEQUENCE, ...extensions)),
  );
  const signature = new Uint8Array(await webcrypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, template.caKey, tbs));
  // WebCrypto gives r‖s; X.509 wants ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }.
  const ecdsaSig = tlv(SEQUENCE, integer(signature.subarray(0, 32)), integer(signature.subarray(32)));
  return tlv(SEQUENCE, tbs, ECDSA_WITH_SHA256, tlv(BIT_STRING, Uint8Array.of(0), ecdsaSig));
}

/** The subject Name of a certificate, as the exact bytes it was encoded with (the 6th field of its TBSCertificate). */
export function subjectNameOf(certificateDer: Uint8Array): Uint8Array {
  const tbs = children(certificateDer)[0] ?? fail();
  const fields = children(tbs);
  // version is present in v3 certificates: [0] version, serial, signature, issuer, validity, subject.
  const subject = fields[(fields[0]?.[0] ?? 0) === 0xa0 ? 5 : 4];
  return subject ?? fail();
}

function fail(): never {
  throw new Error("not a DER X.509 certificate");
}

/** The TLVs inside one constructed TLV. */
function children(der: Uint8Array): Uint8Array[] {
  const { headerLength, length } = header(der, 0);
  const out: Uint8Array[] = [];
  let at = headerLength;
  const end = headerLength + length;
  while (at < end) {
    const inner = header(der, at);
    out.push(der.subarray(at, at + inner.headerLength + inner.length));
    at += inner.headerLength + inner.length;
  }
  return out;
}

function header(der: Uint8Array, at: number): { headerLength: number; length: number } {
  const first = der[at + 1] ?? fail();
  if (first < 0x80) return { headerLength: 2, length: first };
  const octets = first & 0x7f;
  if (octets < 1 || octets > 3) fail();
  let length = 0;
  for (let i = 0; i < octets; i++) length = length * 256 + (der[at + 2 + i] ?? fail());
  return { headerLength: 2 + octets, length };
}

function tlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  const length = contents.reduce((sum, part) => sum + part.length, 0);
  const lengthBytes = length < 0x80 ? [length] : length < 0x100 ? [0x81, length] : [0x82, length >> 8, length & 0xff];
  if (length > 0xffff) throw new Error("a leaf certificate part over 64 KiB");
  const out = new Uint8Array(1 + lengthBytes.length + length);
  out[0] = tag;
  out.set(lengthBytes, 1);
  let at = 1 + lengthBytes.length;
  for (const part of contents) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A non-negative INTEGER from big-endian bytes: minimal, with a 0 in front when the top bit is set. */
function integer(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return (trimmed[0] ?? 0) & 0x80 ? tlv(INTEGER, Uint8Array.of(0), trimmed) : tlv(INTEGER, trimmed);
}

/** UTCTime through 2049, GeneralizedTime after (RFC 5280 §4.1.2.5), to the second. */
function time(date: Date): Uint8Array {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050 ? tlv(0x17, ascii(digits.slice(2))) : tlv(0x18, ascii(digits));
}

/** IA5String and time contents: ASCII only (hosts reach here validated and lowercased). */
function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => {
    const code = c.charCodeAt(0);
    if (code > 0x7e) throw new Error("a host name must be ASCII (punycode) for a certificate");
    return code;
  });
}

/** The 4 or 16 bytes of an IP address in text form (as net.isIP accepts it). */
export function ipBytes(ip: string): Uint8Array {
  let text = ip.split("%")[0] ?? ip; // a zone id names an interface, not part of the address
  if (!text.includes(":")) return checked(text.split(".").map(Number), 4, ip);
  // An embedded IPv4 tail (::ffff:1.2.3.4) stands in for the last two groups.
  const tail: number[] = [];
  if (text.includes(".")) {
    const colon = text.lastIndexOf(":");
    tail.push(
      ...text
        .slice(colon + 1)
        .split(".")
        .map(Number),
    );
    text = `${text.slice(0, colon + 1)}0:0`;
  }
  const [left = "", right] = text.split("::");
  const parse = (part: string) => (part ? part.split(":").map((group) => Number.parseInt(group, 16)) : []);
  const before = parse(left);
  const after = right === undefined ? [] : parse(right);
  const zeros = right === undefined ? [] : new Array<number>(Math.max(0, 8 - before.length - after.length)).fill(0);
  const bytes = [...before, ...zeros, ...after].flatMap((group) => [group >> 8, group & 0xff]);
  if (tail.length > 0) bytes.splice(12, 4, ...tail);
  return checked(bytes, 16, ip);
}

function checked(bytes: number[], length: number, ip: string): Uint8Array {
  if (bytes.length !== length || bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) throw new Error(`not an IP address: ${ip}`);
  return Uint8Array.from(bytes);
}
