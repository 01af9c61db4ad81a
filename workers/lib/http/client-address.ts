/**
 * The client address an unauthenticated throttle counts under (sign-in, self-registration).
 * IPv4 counts per address. IPv6 counts per /64: a subscriber is normally handed a whole /64
 * (RFC 6177) and can rotate through its 2^64 addresses at will, so counting exact addresses
 * would give one client a fresh budget per request. Pure; the address parsers are ssrf.ts's.
 */
import { parseIpLiteral } from "./ssrf.ts";

/** The key of a request without `CF-Connecting-IP`: local tools (Cloudflare always sets it). */
export const UNKNOWN_CLIENT_ADDRESS = "unknown";

/**
 * The throttle key for a `CF-Connecting-IP` value: the IPv4 address, or the IPv6 /64 in one
 * canonical text (expanded, lower-case), so every spelling of one network shares a key.
 * IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is the IPv4 client it carries.
 *
 * @example clientAddressKey("2001:db8::1") // "2001:0db8:0000:0000::/64"
 * @example clientAddressKey("2001:0DB8:0:0::2") // "2001:0db8:0000:0000::/64"
 * @example clientAddressKey("203.0.113.7") // "203.0.113.7"
 */
export function clientAddressKey(header: string | null | undefined): string {
  const text = header?.trim() ?? "";
  if (text === "") return UNKNOWN_CLIENT_ADDRESS;
  // A zone id (`fe80::1%eth0`) names the receiver's interface, not the client.
  const ip = parseIpLiteral(text.replace(/%.*$/, ""));
  // Not an address (never from Cloudflare): counted as the opaque text, bounded in size.
  if (!ip) return `other:${text.toLowerCase().slice(0, 64)}`;
  const bytes = ip.bytes;
  if (ip.version === 4) return bytes.join(".");
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12).join(".");
  const hextets = [0, 2, 4, 6].map((i) => (((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16).padStart(4, "0"));
  return `${hextets.join(":")}::/64`;
}
