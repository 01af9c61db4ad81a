/**
 * SSRF guard: which hostnames the edge may ever send a request to (reference protocol.md §4).
 * Pure and binding-free so it can be audited alone. Production also sets the
 * `global_fetch_strictly_public` flag, so this is the first of two fences, not the only one.
 *
 * The rules, each with its reason:
 * - Empty, over 253 chars, whitespace, control characters: not a hostname; parsers disagree on them.
 * - `%` anywhere: an encoded host is decoded differently by different parsers (`%2e`, `%00`).
 * - `\`: WHATWG URL treats it as `/`, so `a.com\@b` means different hosts to different parsers.
 * - `@`: userinfo (`evil.com@127.0.0.1`) makes the "host" a parser sees depend on the parser.
 * - `/ ? #`: belong to the path, query or fragment, never to a host.
 * - Trailing dot: `localhost.` is the same DNS name as `localhost` but a different string,
 *   which would slip past exact matching and name lists.
 * - Empty labels (`a..b`), labels outside `[a-z0-9-]` or over 63 chars: not LDH hostnames.
 * - Non-ASCII: IDNs must arrive as punycode (`xn--…`) so there is one spelling per host.
 * - IP literals in every spelling (dotted, decimal `2130706433`, hex `0x7f000001`/`0x7f.1`,
 *   octal `0177.0.0.1`, short `127.1`, IPv6 bracketed or not): the edge only forwards to hosts
 *   named by a service, and a service names a host, so no literal is ever a proxy target.
 *   In local dev (`allowPrivate`) canonical loopback literals (`127.x.y.z`, `[::1]`) pass.
 * - `localhost`, `*.localhost`: loopback by definition (RFC 6761). Dev allows bare `localhost`.
 * - `*.local`, `*.localdomain`, `*.internal`, `*.intranet`, `*.lan`, `*.home`, `*.corp`,
 *   `*.home.arpa`, `*.arpa`: private-network and infrastructure names (RFC 6762, RFC 8375,
 *   ICANN name-collision list); `metadata.google.internal` is under `.internal`.
 * - `metadata`, `instance-data`: cloud metadata aliases that resolve inside cloud VMs; refused
 *   even in dev.
 * - Single-label names (`intranet`, `db`): resolved through search domains to internal hosts.
 *   Dev allows them (docker-compose service names).
 */
import { AppError } from "../app-error.ts";

export type HostCheckOptions = {
  /** Local dev only (`ALLOW_PRIVATE_UPSTREAMS=true`): allow `localhost`, loopback literals and single-label names. */
  allowPrivate: boolean;
};

export type IpAddress = { version: 4 | 6; bytes: readonly number[] };

export type HostnameVerdict = { ok: true; hostname: string } | { ok: false; kind: "malformed" | "forbidden"; reason: string };

const MAX_HOSTNAME_LENGTH = 253;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const INTERNAL_SUFFIXES = ["localhost", "local", "localdomain", "internal", "intranet", "lan", "home", "corp", "arpa"];
const METADATA_NAMES = new Set(["metadata", "instance-data"]);

/**
 * Checks a hostname (no port, no path) the edge might connect to and returns its canonical
 * form (lower-case; IPv6 bracketed). `malformed` means the text is not a hostname we accept;
 * `forbidden` means it is one but the edge must never reach it.
 *
 * @example checkHostname("API.Stripe.com", { allowPrivate: false }) // { ok: true, hostname: "api.stripe.com" }
 * @example checkHostname("0x7f.1", { allowPrivate: false }) // { ok: false, kind: "forbidden", … }
 */
export function checkHostname(raw: string, options: HostCheckOptions): HostnameVerdict {
  const malformed = (reason: string): HostnameVerdict => ({ ok: false, kind: "malformed", reason });
  const forbidden = (reason: string): HostnameVerdict => ({ ok: false, kind: "forbidden", reason });

  if (raw === "") return malformed("the host is empty");
  if (raw.length > MAX_HOSTNAME_LENGTH + 2) return malformed(`the host is longer than ${MAX_HOSTNAME_LENGTH} characters`);
  if (raw.includes("%")) return malformed("percent-encoding is not allowed in a host");
  if (raw.includes("\\")) return malformed("backslashes are not allowed in a host");
  if (/[\s\x00-\x1f\x7f]/.test(raw)) return malformed("whitespace and control characters are not allowed in a host");
  if (raw.includes("@")) return malformed("userinfo (user@host) is not allowed");
  if (/[/?#]/.test(raw)) return malformed("a host cannot contain '/', '?' or '#'");

  if (raw.startsWith("[")) {
    if (!raw.endsWith("]")) return malformed("an IPv6 literal must be closed by ']'");
    const ip = parseIPv6(raw.slice(1, -1));
    if (!ip) return malformed("not a valid IPv6 address");
    return checkIpLiteral(ip, raw.slice(1, -1) === "::1" ? "[::1]" : null, options);
  }
  if (raw.includes(":")) {
    const ip = parseIPv6(raw);
    return ip ? forbidden("IP literals are never proxy targets") : malformed("a host cannot contain ':' (put the port after the host)");
  }
  if (/[^\x21-\x7e]/.test(raw)) return malformed("non-ASCII hosts must be written in punycode (xn--…)");

  const hostname = raw.toLowerCase();
  if (hostname.endsWith(".")) return malformed("write the host without a trailing dot");
  if (hostname.length > MAX_HOSTNAME_LENGTH) return malformed(`the host is longer than ${MAX_HOSTNAME_LENGTH} characters`);
  const labels = hostname.split(".");
  if (labels.some((label) => label === "")) return malformed("the host has an empty label");

  if (endsInNumber(labels)) {
    // WHATWG URL parses any host whose last label is numeric as IPv4 (or fails): never a name.
    const ip = parseIPv4(hostname);
    if (!ip) return malformed("not a valid IPv4 address or hostname");
    return checkIpLiteral(ip, formatIPv4(ip.bytes) === hostname ? hostname : null, options);
  }
  const badLabel = labels.find((label) => !LABEL.test(label));
  if (badLabel !== undefined) return malformed(`"${badLabel}" is not a valid host label (letters, digits and inner hyphens, at most 63)`);

  if (labels.length === 1 && METADATA_NAMES.has(hostname)) return forbidden(`"${hostname}" is a cloud metadata name`);
  if (options.allowPrivate && (hostname === "localhost" || labels.length === 1)) return { ok: true, hostname };
  const suffix = INTERNAL_SUFFIXES.find((s) => hostname === s || hostname.endsWith(`.${s}`));
  if (suffix) return forbidden(`names under ".${suffix}" are private or infrastructure names`);
  if (labels.length === 1) return forbidden("single-label names resolve to internal hosts");
  return { ok: true, hostname };
}

/**
 * Like `checkHostname`, but throws the wire errors of the proxy: 400 `invalid_host` for text
 * that is not an acceptable hostname, 403 `forbidden_host` for a host the edge never reaches.
 */
export function checkPublicHostname(hostname: string, options: HostCheckOptions = { allowPrivate: false }): string {
  const verdict = checkHostname(hostname, options);
  if (verdict.ok) return verdict.hostname;
  if (verdict.kind === "forbidden") throw new AppError(403, "forbidden_host", `Refusing host "${printable(hostname)}": ${verdict.reason}`);
  throw new AppError(400, "invalid_host", `Invalid host "${printable(hostname)}": ${verdict.reason}`);
}

/** Dev allows only canonically spelled loopback; everything else that is a literal is refused. */
function checkIpLiteral(ip: IpAddress, canonical: string | null, options: HostCheckOptions): HostnameVerdict {
  const range = forbiddenRange(ip);
  if (options.allowPrivate && canonical !== null && range?.startsWith("loopback")) return { ok: true, hostname: canonical };
  return { ok: false, kind: "forbidden", reason: `IP literals are never proxy targets${range ? ` (${range})` : ""}` };
}

/** Keeps error messages to one printable line whatever the input was. */
export function printable(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, "?");
  return clean.length > 100 ? `${clean.slice(0, 100)}…` : clean;
}

// ---------------------------------------------------------------------------------------------
// IP literals

type Cidr = { version: 4 | 6; bytes: number[]; bits: number; label: string };

function cidr4(text: string, label: string): Cidr {
  const [address = "", bits = "32"] = text.split("/");
  return { version: 4, bytes: address.split(".").map(Number), bits: Number(bits), label: `${label} ${text}` };
}

function cidr6(text: string, label: string): Cidr {
  const [address = "", bits = "128"] = text.split("/");
  const ip = parseIPv6(address);
  if (!ip) throw new Error(`bad built-in range ${text}`);
  return { version: 6, bytes: [...ip.bytes], bits: Number(bits), label: `${label} ${text}` };
}

/** Ranges the edge never reaches; the first match names the refusal. */
const FORBIDDEN_RANGES: readonly Cidr[] = [
  cidr4("0.0.0.0/8", "this-network"), // 0.0.0.0 reaches the local host on many stacks
  cidr4("10.0.0.0/8", "private"), // RFC 1918
  cidr4("100.64.0.0/10", "carrier-grade NAT"), // RFC 6598: provider-internal
  cidr4("127.0.0.0/8", "loopback"),
  cidr4("169.254.0.0/16", "link-local"), // cloud metadata lives at 169.254.169.254
  cidr4("172.16.0.0/12", "private"), // RFC 1918
  cidr4("192.0.0.0/24", "IETF protocol assignments"), // RFC 6890: not globally routable
  cidr4("192.0.2.0/24", "documentation"), // TEST-NET-1
  cidr4("192.88.99.0/24", "6to4 relay"), // deprecated anycast tunnelling to arbitrary IPv4
  cidr4("192.168.0.0/16", "private"), // RFC 1918
  cidr4("198.18.0.0/15", "benchmarking"), // RFC 2544 lab networks
  cidr4("198.51.100.0/24", "documentation"), // TEST-NET-2
  cidr4("203.0.113.0/24", "documentation"), // TEST-NET-3
  cidr4("224.0.0.0/4", "multicast"),
  cidr4("240.0.0.0/4", "reserved"), // includes the broadcast address 255.255.255.255
  cidr6("::/128", "unspecified"), // like 0.0.0.0
  cidr6("::1/128", "loopback"),
  cidr6("::ffff:0:0/96", "IPv4-mapped"), // the stack connects to the embedded IPv4 address
  cidr6("::ffff:0:0:0/96", "IPv4-translated"), // RFC 2765, embeds IPv4
  cidr6("::/96", "IPv4-compatible"), // deprecated, embeds IPv4 (`::127.0.0.1`)
  cidr6("64:ff9b::/96", "NAT64"), // RFC 6052: a NAT64 gateway reaches the embedded IPv4
  cidr6("64:ff9b:1::/48", "local NAT64"), // RFC 8215
  cidr6("100::/64", "discard-only"), // RFC 6666
  cidr6("2001::/32", "Teredo"), // embeds an IPv4 address
  cidr6("2001:db8::/32", "documentation"),
  cidr6("2002::/16", "6to4"), // embeds an IPv4 address
  cidr6("fc00::/7", "unique local"), // the IPv6 RFC 1918
  cidr6("fe80::/10", "link-local"),
  cidr6("fec0::/10", "site-local"), // deprecated, still private
  cidr6("ff00::/8", "multicast"),
];

/** The name of the forbidden range an address falls in (e.g. `"loopback 127.0.0.0/8"`), or null. */
export function forbiddenRange(ip: IpAddress): string | null {
  for (const range of FORBIDDEN_RANGES) {
    if (range.version === ip.version && inPrefix(ip.bytes, range.bytes, range.bits)) return range.label;
  }
  return null;
}

/**
 * True when `address` is an IP literal (any IPv4 spelling, IPv6 with or without brackets) inside
 * a range the edge must never reach. Not an IP literal at all → false: names are checked by
 * `checkHostname`, and the proxy refuses every literal anyway.
 *
 * @example isForbiddenAddress("0x7f.1") // true (127.0.0.1)
 * @example isForbiddenAddress("[::ffff:169.254.169.254]") // true
 */
export function isForbiddenAddress(address: string): boolean {
  const ip = parseIpLiteral(address);
  return ip !== null && forbiddenRange(ip) !== null;
}

/** Parses an IPv4 literal in any WHATWG spelling or an IPv6 literal (optionally bracketed). */
export function parseIpLiteral(text: string): IpAddress | null {
  if (text.startsWith("[") && text.endsWith("]")) return parseIPv6(text.slice(1, -1));
  if (text.includes(":")) return parseIPv6(text);
  return parseIPv4(text);
}

function inPrefix(bytes: readonly number[], prefix: readonly number[], bits: number): boolean {
  for (let i = 0; i < bits; i += 8) {
    const take = Math.min(8, bits - i);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[i / 8] ?? 0) & mask) !== ((prefix[i / 8] ?? 0) & mask)) return false;
  }
  return true;
}

/** WHATWG "ends in a number": the last label is all digits or a valid 0x… number. */
function endsInNumber(labels: readonly string[]): boolean {
  const last = labels[labels.length - 1] ?? "";
  return /^[0-9]+$/.test(last) || parseIPv4Number(last) !== null;
}

/** One part of an IPv4 literal: decimal, `0x` hex or leading-zero octal (WHATWG URL). */
function parseIPv4Number(part: string): number | null {
  if (part === "") return null;
  let digits = part;
  let radix = 10;
  if (/^0x/i.test(digits)) {
    digits = digits.slice(2);
    radix = 16;
  } else if (digits.length > 1 && digits.startsWith("0")) {
    digits = digits.slice(1);
    radix = 8;
  }
  if (digits === "") return 0;
  const valid = radix === 16 ? /^[0-9a-f]+$/i : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!valid.test(digits)) return null;
  // Anything above 2^32 is invalid as a part; cap before parsing so huge inputs stay exact.
  if (digits.replace(/^0+/, "").length > 12) return Number.POSITIVE_INFINITY;
  return parseInt(digits, radix);
}

/** WHATWG IPv4 parser: 1–4 parts, the last filling the remaining bytes (`127.1`, `2130706433`). */
export function parseIPv4(text: string): IpAddress | null {
  const parts = text.split(".");
  if (parts.length > 4) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    const n = parseIPv4Number(part);
    if (n === null) return null;
    numbers.push(n);
  }
  const last = numbers.pop() ?? 0;
  if (numbers.some((n) => n > 255)) return null;
  if (last >= 256 ** (4 - numbers.length)) return null;
  let value = last;
  numbers.forEach((n, i) => {
    value += n * 256 ** (3 - i);
  });
  return { version: 4, bytes: [Math.floor(value / 2 ** 24) % 256, Math.floor(value / 2 ** 16) % 256, Math.floor(value / 2 ** 8) % 256, value % 256] };
}

function formatIPv4(bytes: readonly number[]): string {
  return bytes.join(".");
}

/** RFC 4291 text form: up to 8 hex groups, one `::`, an optional dotted IPv4 tail. No zone ids. */
export function parseIPv6(text: string): IpAddress | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  // A dotted IPv4 tail may only end the whole address.
  const groupsOf = (half: string, last: boolean): number[] | null => {
    if (half === "") return [];
    const out: number[] = [];
    const pieces = half.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] ?? "";
      if (last && i === pieces.length - 1 && piece.includes(".")) {
        const v4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(piece) ? piece.split(".").map(Number) : null;
        if (!v4) return null;
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return null;
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  const head = groupsOf(halves[0] ?? "", halves.length === 1);
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? "", true) : [];
  if (!head || !tail) return null;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return null;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return null;
  return { version: 6, bytes: groups.flatMap((g) => [g >> 8, g & 0xff]) };
}
