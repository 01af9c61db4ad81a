import { describe, expect, it } from "vitest";
import { AppError } from "../../../workers/lib/app-error.ts";
import { checkHostname, checkPublicHostname, forbiddenRange, isForbiddenAddress, parseIpLiteral } from "../../../workers/lib/http/ssrf.ts";

const PROD = { allowPrivate: false };
const DEV = { allowPrivate: true };

function verdictKind(host: string, options = PROD) {
  const verdict = checkHostname(host, options);
  return verdict.ok ? "ok" : verdict.kind;
}

describe("SSRF: public names pass", () => {
  it.each([
    "api.stripe.com",
    "API.Stripe.COM",
    "a.b.c.example.co.uk",
    "xn--bcher-kva.example",
    "123.example.com",
    "a-b.io",
    "metadata.io",
    "localhost.example.com",
  ])("%s", (host) => {
    expect(checkHostname(host, PROD)).toEqual({ ok: true, hostname: host.toLowerCase() });
    expect(checkPublicHostname(host)).toBe(host.toLowerCase());
  });
});

describe("SSRF: every IPv4 spelling of a private address is refused (protocol.md §4)", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["2130706433", "decimal loopback"],
    ["0x7f000001", "hex loopback"],
    ["0X7F000001", "upper-case hex loopback"],
    ["0x7f.1", "hex short loopback"],
    ["0x7f.0.0.1", "hex first part"],
    ["0177.0.0.1", "octal loopback"],
    ["0177.1", "octal short"],
    ["127.1", "short loopback"],
    ["127.0.1", "three-part loopback"],
    ["00000000000000177.0.0.1", "long octal"],
    ["0.0.0.0", "this network"],
    ["0", "zero"],
    ["0x0", "hex zero"],
    ["10.0.0.1", "RFC 1918"],
    ["167772161", "decimal 10.0.0.1"],
    ["172.16.0.1", "RFC 1918"],
    ["172.31.255.255", "RFC 1918 top"],
    ["192.168.1.1", "RFC 1918"],
    ["169.254.169.254", "cloud metadata"],
    ["2852039166", "decimal metadata"],
    ["0xa9fea9fe", "hex metadata"],
    ["0251.0376.0251.0376", "octal metadata"],
    ["169.254.43518", "short metadata"],
    ["100.64.0.1", "CGNAT"],
    ["100.127.255.255", "CGNAT top"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast SSDP"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["192.0.0.8", "IETF assignments"],
    ["198.18.0.1", "benchmarking"],
  ])("%s (%s)", (host) => {
    expect(isForbiddenAddress(host)).toBe(true);
    expect(verdictKind(host)).toBe("forbidden");
    expect(() => checkPublicHostname(host)).toThrow(expect.objectContaining({ status: 403, code: "forbidden_host" }));
  });

  it("public IPv4 literals are still refused as hosts (no service names an IP), but are not in a forbidden range", () => {
    for (const host of ["8.8.8.8", "134744072", "1.1.1.1"]) {
      expect(isForbiddenAddress(host)).toBe(false);
      expect(verdictKind(host)).toBe("forbidden");
    }
  });

  it("range boundaries", () => {
    expect(isForbiddenAddress("100.63.255.255")).toBe(false);
    expect(isForbiddenAddress("100.128.0.0")).toBe(false);
    expect(isForbiddenAddress("172.15.255.255")).toBe(false);
    expect(isForbiddenAddress("172.32.0.0")).toBe(false);
    expect(isForbiddenAddress("169.253.255.255")).toBe(false);
    expect(isForbiddenAddress("223.255.255.255")).toBe(false);
    expect(isForbiddenAddress("11.0.0.0")).toBe(false);
  });

  it("names the range", () => {
    expect(forbiddenRange(parseIpLiteral("0x7f.1")!)).toBe("loopback 127.0.0.0/8");
    expect(forbiddenRange(parseIpLiteral("169.254.169.254")!)).toBe("link-local 169.254.0.0/16");
    expect(parseIpLiteral("127.1")).toEqual({ version: 4, bytes: [127, 0, 0, 1] });
    expect(parseIpLiteral("2130706433")).toEqual({ version: 4, bytes: [127, 0, 0, 1] });
  });

  it("numeric-looking hosts that are not valid IPv4 are malformed", () => {
    for (const host of ["1.2.3.4.5", "256.0.0.1", "4294967296", "0x100000000", "08.0.0.1", "example.123", "1.2.3.0x1ff"]) {
      expect(verdictKind(host), host).toBe("malformed");
      expect(() => checkPublicHostname(host), host).toThrow(expect.objectContaining({ status: 400, code: "invalid_host" }));
    }
  });
});

describe("SSRF: IPv6 literals, bracketed or not", () => {
  it.each([
    ["::1", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback long form"],
    ["::", "unspecified"],
    ["::ffff:127.0.0.1", "IPv4-mapped loopback"],
    ["::ffff:7f00:1", "IPv4-mapped hex"],
    ["::ffff:169.254.169.254", "IPv4-mapped metadata"],
    ["::ffff:8.8.8.8", "IPv4-mapped public (still embeds IPv4)"],
    ["::127.0.0.1", "IPv4-compatible"],
    ["::ffff:0:127.0.0.1", "IPv4-translated"],
    ["64:ff9b::7f00:1", "NAT64"],
    ["64:ff9b::8.8.8.8", "NAT64 dotted"],
    ["64:ff9b:1::1", "local NAT64"],
    ["2002:7f00:1::", "6to4"],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"],
    ["fe80::1", "link-local"],
    ["febf:ffff::1", "link-local top"],
    ["fc00::1", "ULA"],
    ["fd12:3456:789a::1", "ULA fd"],
    ["fec0::1", "site-local"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "documentation"],
    ["100::1", "discard"],
  ])("%s (%s)", (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
    expect(isForbiddenAddress(`[${address}]`)).toBe(true);
    expect(verdictKind(`[${address}]`)).toBe("forbidden");
    expect(verdictKind(address)).toBe("forbidden");
  });

  it("public IPv6 is not in a forbidden range but is still refused as a host", () => {
    expect(isForbiddenAddress("2606:4700:4700::1111")).toBe(false);
    expect(verdictKind("[2606:4700:4700::1111]")).toBe("forbidden");
  });

  it("zone ids, bad groups and unclosed brackets are malformed", () => {
    for (const host of ["[fe80::1%25eth0]", "[fe80::1%eth0]", "[::1", "[1:2:3:4:5:6:7:8:9]", "[1::2::3]", "[12345::]", "[::1.2.3]", "[1.2.3.4::]", "[]"]) {
      expect(verdictKind(host), host).toBe("malformed");
    }
  });
});

describe("SSRF: internal names", () => {
  it.each([
    "localhost",
    "LOCALHOST",
    "foo.localhost",
    "a.b.localhost",
    "metadata.google.internal",
    "anything.internal",
    "printer.local",
    "db.localdomain",
    "nas.home.arpa",
    "1.0.0.127.in-addr.arpa",
    "wiki.intranet",
    "router.lan",
    "server.corp",
    "box.home",
    "metadata",
    "instance-data",
    "intranet",
    "db",
  ])("%s is refused in production", (host) => {
    expect(verdictKind(host)).toBe("forbidden");
    expect(() => checkPublicHostname(host)).toThrow(expect.objectContaining({ status: 403, code: "forbidden_host" }));
  });
});

describe("SSRF: syntax tricks are malformed (400)", () => {
  it.each([
    ["", "empty"],
    ["evil.com@127.0.0.1", "userinfo"],
    ["a@b", "userinfo"],
    ["user:pass@example.com", "userinfo with password"],
    ["localhost.", "trailing dot"],
    ["example.com.", "trailing dot"],
    ["127.0.0.1.", "trailing dot on a literal"],
    ["a..example.com", "empty label"],
    [".example.com", "leading dot"],
    ["exa%6dple.com", "percent-encoding"],
    ["127.0.0.1%2f", "encoded slash"],
    ["example.com%2F@127.0.0.1", "encoded slash and userinfo"],
    ["example.com\\@127.0.0.1", "backslash"],
    ["a\\b.com", "backslash"],
    ["exa mple.com", "space"],
    [" example.com", "leading space"],
    ["example.com\t", "tab"],
    ["example.com\n", "newline"],
    ["example.com\u0000", "NUL"],
    ["example.com/path", "slash"],
    ["example.com?x", "query"],
    ["example.com#x", "fragment"],
    ["exam_ple.com", "underscore"],
    ["-example.com", "leading hyphen"],
    ["example-.com", "trailing hyphen"],
    ["bücher.example", "non-ASCII"],
    ["ｅｘａｍｐｌｅ.com", "full-width"],
    [`${"a".repeat(64)}.com`, "label over 63"],
    [`${"a.".repeat(127)}com`, "over 253"],
    ["*.example.com", "wildcard is not a host"],
    ["example.com:443", "a port is not part of a host"],
  ])("%j (%s)", (host) => {
    expect(verdictKind(host)).toBe("malformed");
    expect(() => checkPublicHostname(host)).toThrow(AppError);
    expect(() => checkPublicHostname(host)).toThrow(expect.objectContaining({ status: 400, code: "invalid_host" }));
  });

  it("error messages stay printable", () => {
    // Caught outside the assertion: an `expect` inside the `try` would be swallowed by its own `catch`.
    let thrown: unknown;
    try {
      checkPublicHostname("exa\nmple.com");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({ status: 400, code: "invalid_host" });
    expect((thrown as AppError).message).toContain('"exa?mple.com"');
    expect((thrown as AppError).message).not.toMatch(/[\n\r]/);
  });
});

describe("SSRF: local dev (allowPrivate)", () => {
  it("allows localhost, canonical loopback literals and single-label names", () => {
    expect(checkHostname("localhost", DEV)).toEqual({ ok: true, hostname: "localhost" });
    expect(checkHostname("127.0.0.1", DEV)).toEqual({ ok: true, hostname: "127.0.0.1" });
    expect(checkHostname("127.0.0.2", DEV)).toEqual({ ok: true, hostname: "127.0.0.2" });
    expect(checkHostname("[::1]", DEV)).toEqual({ ok: true, hostname: "[::1]" });
    expect(checkHostname("upstream", DEV)).toEqual({ ok: true, hostname: "upstream" });
  });

  it("still refuses odd spellings of loopback, other private ranges, metadata and internal names", () => {
    for (const host of [
      "127.1",
      "2130706433",
      "0x7f.1",
      "0177.0.0.1",
      "[0:0:0:0:0:0:0:1]",
      "[::ffff:127.0.0.1]",
      "10.0.0.1",
      "192.168.0.1",
      "169.254.169.254",
      "0.0.0.0",
      "metadata",
      "instance-data",
      "metadata.google.internal",
      "foo.localhost",
      "printer.local",
      "8.8.8.8",
    ]) {
      expect(verdictKind(host, DEV), host).toBe("forbidden");
    }
    for (const host of ["localhost.", "a@localhost", "local%68ost"]) expect(verdictKind(host, DEV), host).toBe("malformed");
  });
});
