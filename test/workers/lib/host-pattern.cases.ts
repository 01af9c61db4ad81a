import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatServiceHost,
  hasDotSegment,
  hasDotSegmentInAnyRound,
  loopbackUpstreamOf,
  matchService,
  parseProxyTarget,
  parseServiceHost,
  parseUpstreamOrigin,
  type ServiceHost,
} from "../../../workers/lib/http/host-pattern.ts";

const PROD = { allowPrivate: false };
const DEV = { allowPrivate: true };
const host = (hostname: string, extra: Partial<ServiceHost> = {}): ServiceHost => ({ hostname, wildcard: false, port: null, pathPrefix: null, ...extra });

describe("service host patterns: the accepted forms", () => {
  it.each([
    ["api.example.com", host("api.example.com"), "api.example.com"],
    ["API.Example.COM", host("api.example.com"), "api.example.com"],
    ["*.example.com", host("example.com", { wildcard: true }), "*.example.com"],
    ["*.api.example.co.uk", host("api.example.co.uk", { wildcard: true }), "*.api.example.co.uk"],
    ["*.example.co.uk", host("example.co.uk", { wildcard: true }), "*.example.co.uk"],
    ["*.octocat.github.io", host("octocat.github.io", { wildcard: true }), "*.octocat.github.io"],
    ["*.city.kawasaki.jp", host("city.kawasaki.jp", { wildcard: true }), "*.city.kawasaki.jp"],
    ["*.example.test", host("example.test", { wildcard: true }), "*.example.test"],
    ["api.example.com:8443", host("api.example.com", { port: 8443 }), "api.example.com:8443"],
    ["api.example.com:443", host("api.example.com", { port: 443 }), "api.example.com:443"],
    ["slack.com/api/*", host("slack.com", { pathPrefix: "/api" }), "slack.com/api/*"],
    ["slack.com/api", host("slack.com", { pathPrefix: "/api" }), "slack.com/api/*"],
    ["slack.com/api/", host("slack.com", { pathPrefix: "/api" }), "slack.com/api/*"],
    ["slack.com/api/v2.1/chat.postMessage/*", host("slack.com", { pathPrefix: "/api/v2.1/chat.postMessage" }), "slack.com/api/v2.1/chat.postMessage/*"],
    ["slack.com/", host("slack.com"), "slack.com"],
    ["slack.com/*", host("slack.com"), "slack.com"],
    ["*.example.com:8443/v1/*", host("example.com", { wildcard: true, port: 8443, pathPrefix: "/v1" }), "*.example.com:8443/v1/*"],
    ["Example.com/CaseKept", host("example.com", { pathPrefix: "/CaseKept" }), "example.com/CaseKept/*"],
  ])("%s", (raw, parsed, canonical) => {
    expect(parseServiceHost(raw, PROD)).toEqual(parsed);
    expect(formatServiceHost(parsed)).toBe(canonical);
    expect(parseServiceHost(canonical, PROD)).toEqual(parsed);
  });
});

describe("service host patterns: refused with 400 invalid_host", () => {
  it.each([
    ["", "empty"],
    ["*", "bare wildcard"],
    ["*.", "wildcard over nothing"],
    ["*.com", "wildcard over a TLD"],
    ["*.localhost", "wildcard over localhost"],
    ["*.internal", "wildcard over .internal"],
    ["*.local", "wildcard over .local"],
    ["*.corp.internal", "under .internal"],
    ["**.example.com", "double star"],
    ["*.*.example.com", "two wildcards"],
    ["api.*.example.com", "inner wildcard"],
    ["api*.example.com", "partial wildcard"],
    ["example.*", "last-label wildcard"],
    ["127.0.0.1", "IPv4"],
    ["2130706433", "decimal IPv4"],
    ["0x7f.1", "hex IPv4"],
    ["0177.0.0.1", "octal IPv4"],
    ["127.1", "short IPv4"],
    ["8.8.8.8", "public IPv4"],
    ["[::1]", "IPv6"],
    ["[2606:4700::1111]:443", "IPv6 with port"],
    ["::1", "bare IPv6"],
    ["localhost", "localhost"],
    ["metadata.google.internal", "metadata"],
    ["printer.local", ".local"],
    ["intranet", "single label"],
    ["user@example.com", "userinfo"],
    ["user:pw@example.com", "userinfo with password"],
    ["example.com.", "trailing dot"],
    ["a..example.com", "empty label"],
    ["exa_mple.com", "invalid char"],
    ["exa%6dple.com", "percent-encoding in host"],
    ["example.com/a%2Fb", "percent-encoding in path"],
    ["example.com:0", "port 0"],
    ["example.com:65536", "port too high"],
    ["example.com:08443", "leading zero port"],
    ["example.com:", "empty port"],
    ["example.com:http", "named port"],
    ["example.com:-1", "negative port"],
    ["https://api.example.com", "a URL"],
    ["example.com/api/*/x", "inner star in path"],
    ["example.com/api*", "star inside a segment"],
    ["example.com//api", "empty segment"],
    ["example.com/../admin", "dot-dot"],
    ["example.com/./api", "dot"],
    ["example.com/a b", "space in path"],
    ["example.com/a?b", "query"],
    ["example.com/a#b", "fragment"],
    ["example.com/a\\b", "backslash"],
    [`example.com/${"a".repeat(300)}`, "long path"],
    [`${"a".repeat(600)}.com`, "long pattern"],
  ])("%j (%s)", (raw) => {
    expect(() => parseServiceHost(raw, PROD)).toThrow(expect.objectContaining({ status: 400, code: "invalid_host" }));
  });

  // The Public Suffix List (tldts), private section included: under these anyone can register a
  // name, so a wildcard would hand the vault's credential to every one of them.
  it.each([
    ["*.com", "ICANN top-level"],
    ["*.uk", "ICANN country code"],
    ["*.co.uk", "ICANN second level"],
    ["*.xn--p1ai", "ICANN IDN top-level"],
    ["*.kawasaki.jp", "ICANN wildcard rule (*.kawasaki.jp)"],
    ["*.foo.kawasaki.jp", "under an ICANN wildcard rule"],
    ["*.github.io", "private section: GitHub Pages"],
    ["*.workers.dev", "private section: Cloudflare Workers"],
    ["*.s3.amazonaws.com", "private section: Amazon S3"],
    ["*.blogspot.com", "private section: Blogger"],
    ["*.example", "an unlisted single label (the list's default rule)"],
    ["*.co.uk:8443/api/*", "with a port and a path"],
  ])("%j is refused: a wildcard over a public suffix (%s)", (raw) => {
    expect(() => parseServiceHost(raw, PROD)).toThrow(expect.objectContaining({ status: 400, code: "invalid_host" }));
    // Local dev admits single-label names, so there the suffix rule alone refuses `*.com` too.
    expect(() => parseServiceHost(raw, DEV)).toThrow(
      expect.objectContaining({ status: 400, code: "invalid_host", message: expect.stringContaining("public suffix") }),
    );
  });

  it("a public suffix itself is still a host an exact service may name: only wildcards over it are refused", () => {
    expect(parseServiceHost("github.io", PROD)).toEqual(host("github.io"));
    expect(parseServiceHost("co.uk", PROD)).toEqual(host("co.uk"));
  });

  it("local dev also accepts localhost, loopback literals and single-label names, nothing else private", () => {
    expect(parseServiceHost("localhost:8787", DEV)).toEqual(host("localhost", { port: 8787 }));
    expect(parseServiceHost("127.0.0.1:9000/api", DEV)).toEqual(host("127.0.0.1", { port: 9000, pathPrefix: "/api" }));
    expect(parseServiceHost("[::1]:9000", DEV)).toEqual(host("[::1]", { port: 9000 }));
    expect(parseServiceHost("upstream", DEV)).toEqual(host("upstream"));
    for (const raw of ["*.localhost", "*.127.0.0.1", "*.upstream", "10.0.0.1", "169.254.169.254", "127.1", "metadata", "foo.internal"]) {
      expect(() => parseServiceHost(raw, DEV), raw).toThrow(expect.objectContaining({ code: "invalid_host" }));
    }
  });
});

describe("matching a proxy target to a service", () => {
  type S = { name: string; host: ServiceHost };
  const svc = (name: string, pattern: string): S => ({ name, host: parseServiceHost(pattern, PROD) });
  const target = (hostname: string, path = "/", port: number | null = null) => ({ hostname, port, path });
  const match = (services: S[], t: ReturnType<typeof target>) => matchService(services, t)?.name;

  it("exact beats wildcard, whatever the order", () => {
    const services = [svc("wild", "*.example.com"), svc("exact", "api.example.com")];
    expect(match(services, target("api.example.com"))).toBe("exact");
    expect(match(services.reverse(), target("api.example.com"))).toBe("exact");
    expect(match(services, target("other.example.com"))).toBe("wild");
  });

  it("a wildcard covers exactly one label", () => {
    const services = [svc("wild", "*.example.com")];
    expect(match(services, target("a.example.com"))).toBe("wild");
    expect(match(services, target("example.com"))).toBeUndefined();
    expect(match(services, target("a.b.example.com"))).toBeUndefined();
    expect(match(services, target("aexample.com"))).toBeUndefined();
    expect(match(services, target("a.example.com.evil.com"))).toBeUndefined();
  });

  it("a service without a port matches only the default port; with a port, only that port", () => {
    const services = [svc("plain", "api.example.com"), svc("alt", "api.example.com:8443")];
    expect(match(services, target("api.example.com"))).toBe("plain");
    expect(match(services, target("api.example.com", "/", 443))).toBe("plain");
    expect(match(services, target("api.example.com", "/", 8443))).toBe("alt");
    expect(match(services, target("api.example.com", "/", 9000))).toBeUndefined();
    expect(match([svc("alt", "api.example.com:8443")], target("api.example.com"))).toBeUndefined();
  });

  it("an explicit matching port beats none", () => {
    const services = [svc("plain", "api.example.com"), svc("explicit", "api.example.com:443")];
    expect(match(services, target("api.example.com"))).toBe("explicit");
    expect(match(services, target("api.example.com", "/", 443))).toBe("explicit");
  });

  it("exact host beats a port or a path on a wildcard", () => {
    const services = [svc("wild-path", "*.example.com/v1/*"), svc("exact", "api.example.com")];
    expect(match(services, target("api.example.com", "/v1/x"))).toBe("exact");
  });

  it("longest path prefix wins, on segment boundaries", () => {
    const services = [svc("root", "slack.com"), svc("api", "slack.com/api/*"), svc("chat", "slack.com/api/chat.postMessage")];
    expect(match(services, target("slack.com", "/api/chat.postMessage"))).toBe("chat");
    expect(match(services, target("slack.com", "/api/chat.postMessage/x"))).toBe("chat");
    expect(match(services, target("slack.com", "/api/users.list"))).toBe("api");
    expect(match(services, target("slack.com", "/api"))).toBe("api");
    expect(match(services, target("slack.com", "/apis"))).toBe("root");
    expect(match(services, target("slack.com", "/API/x"))).toBe("root");
    expect(match(services, target("slack.com", "/"))).toBe("root");
    expect(match([svc("api", "slack.com/api")], target("slack.com", "/apis"))).toBeUndefined();
    expect(match([svc("api", "slack.com/api")], target("slack.com", "/%61pi/x"))).toBeUndefined();
  });

  it("otherwise the earlier service wins", () => {
    const first = { name: "first", host: parseServiceHost("api.example.com", PROD) };
    const second = { name: "second", host: parseServiceHost("api.example.com", PROD) };
    expect(match([first, second], target("api.example.com"))).toBe("first");
    expect(match([second, first], target("api.example.com"))).toBe("second");
  });

  it("returns the element itself and undefined when nothing matches", () => {
    const services = [svc("a", "a.example.com")];
    expect(matchService(services, target("a.example.com"))).toBe(services[0]);
    expect(matchService([], target("a.example.com"))).toBeUndefined();
    expect(matchService(services, target("b.example.com"))).toBeUndefined();
  });
});

describe("proxy targets (/proxy/<host>/<path>)", () => {
  it("parses host, port and path", () => {
    expect(parseProxyTarget("API.Stripe.com", "/v1/charges", PROD)).toEqual({ hostname: "api.stripe.com", port: null, path: "/v1/charges" });
    expect(parseProxyTarget("api.stripe.com", "v1/charges", PROD)).toEqual({ hostname: "api.stripe.com", port: null, path: "/v1/charges" });
    expect(parseProxyTarget("api.stripe.com", "", PROD)).toEqual({ hostname: "api.stripe.com", port: null, path: "/" });
    expect(parseProxyTarget("api.example.com:8443", "/x", PROD)).toEqual({ hostname: "api.example.com", port: 8443, path: "/x" });
    expect(parseProxyTarget("gitlab.com", "/api/v4/projects/group%2Fproject", PROD).path).toBe("/api/v4/projects/group%2Fproject");
    expect(parseProxyTarget("127.0.0.1:9000", "/", DEV)).toEqual({ hostname: "127.0.0.1", port: 9000, path: "/" });
    expect(parseProxyTarget("localhost:9000", "/", DEV)).toEqual({ hostname: "localhost", port: 9000, path: "/" });
  });

  it.each([
    "127.0.0.1",
    "2130706433",
    "0x7f.1",
    "0177.0.0.1",
    "127.1",
    "169.254.169.254",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "[::1]:443",
    "::1",
    "localhost",
    "localhost:80",
    "metadata.google.internal",
    "foo.internal",
    "intranet",
    "10.0.0.1:8080",
    "8.8.8.8",
  ])("403 forbidden_host for %s", (segment) => {
    expect(() => parseProxyTarget(segment, "/", PROD)).toThrow(expect.objectContaining({ status: 403, code: "forbidden_host" }));
  });

  it.each([
    "",
    "evil.com@127.0.0.1",
    "a@b",
    "localhost.",
    "example.com.",
    "exa%6dple.com",
    "127.0.0.1%2f",
    "a\\b.com",
    "*.example.com",
    "*",
    "example.com:0",
    "example.com:99999",
    "example.com:",
    "example.com:x",
    "a:b:c",
    "[::1",
    "exa mple.com",
  ])("400 invalid_host for %j", (segment) => {
    expect(() => parseProxyTarget(segment, "/", PROD)).toThrow(expect.objectContaining({ status: 400, code: "invalid_host" }));
  });

  it.each([
    "/api/../admin",
    "/api/%2e%2e/admin",
    "/api/%2E%2E/admin",
    "/api/.%2e/admin",
    "/api/x%2F..%2Fadmin",
    "/./x",
    "/a\\b",
    "/a%5Cb",
    "/a%00b",
    "/a%0d%0aX-Injected:%201",
    "/a b",
    "/a\tb",
    "/bad%zz",
    "/a?b",
    "/a#b",
  ])("400 invalid_path for %j", (path) => {
    expect(() => parseProxyTarget("api.example.com", path, PROD)).toThrow(expect.objectContaining({ status: 400, code: "invalid_path" }));
  });

  // Dot segments with path parameters (Tomcat, Spring), encoded twice, or as Unicode look-alikes
  // that a normalising server folds into dots.
  it.each([
    "/api/..;/admin",
    "/api/..;x=1/admin",
    "/api/.;x/admin",
    "/api/%2E%2e;/admin",
    "/api/%2e%2e%3b/admin",
    "/api/..;",
    "/api/%252e%252e/admin",
    "/api/%EF%BC%8E%EF%BC%8E/admin",
    "/api/\uFF0E\uFF0E/admin",
  ])("400 invalid_path for the dot segment %j", (path) => {
    expect(() => parseProxyTarget("api.example.com", path, PROD)).toThrow(expect.objectContaining({ status: 400, code: "invalid_path" }));
  });

  it.each(["/v1/charges", "/.well-known/jwks.json", "/a/.../b", "/repos/o/r/compare/main...dev", "/v1.2/items;v=1", "/files/..hidden", "/a/%2e%2ex", "/a/%25"])(
    "dot-like but not dot segments pass: %j",
    (path) => {
      expect(parseProxyTarget("api.example.com", path, PROD).path).toBe(path);
    },
  );
});

describe("dot segments: a plain ASCII path is looked at once, and says what every decoding round would", () => {
  it("agrees with every round for paths of dots, slashes, `;`, `%`, hex and look-alikes (fast-check)", () => {
    const piece = fc.constantFrom("/", "\\", ".", "..", ";", "a", "x=1", "%", "%2e", "%2E", "%25", "2e", "%3b", "\uFF0E", "é", " ", "~");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const path = pieces.join("");
        expect(hasDotSegment(path)).toBe(hasDotSegmentInAnyRound(path));
      }),
      { numRuns: 2000 },
    );
  });

  it.each(["/a/../b", "/a/./b", "/..", "/a\\..\\b", "/a/..;x/b"])("a plain %j has one", (path) => expect(hasDotSegment(path)).toBe(true));
  it.each(["/a/b.c", "/a/...", "/a/..b", "/v1.2/x;y", ""])("a plain %j has none", (path) => expect(hasDotSegment(path)).toBe(false));
});

describe("a loopback service's default upstream in dev is plain http at the same host and port", () => {
  it.each([
    ["127.0.0.1:17555", "http://127.0.0.1:17555"],
    ["localhost:8080", "http://localhost:8080"],
    ["localhost", "http://localhost"],
    ["[::1]:9000", "http://[::1]:9000"],
  ])("%s in dev → %s", (pattern, upstream) => {
    expect(loopbackUpstreamOf(parseServiceHost(pattern, DEV), DEV)).toBe(upstream);
    // The same origin is one an upstream override may name in dev.
    expect(parseUpstreamOrigin(upstream, DEV)).toBe(upstream);
  });

  it.each(["api.example.com", "intranet", "*.example.com", "api.example.com:8443"])("%s keeps the https default", (pattern) => {
    expect(loopbackUpstreamOf(parseServiceHost(pattern, DEV), DEV)).toBeNull();
  });

  it("production refuses a loopback host, saying only a local dev edge serves one", () => {
    expect(() => parseServiceHost("127.0.0.1:17555", PROD)).toThrow(/served only by a local dev edge/);
    expect(() => parseServiceHost("localhost", PROD)).toThrow(/served only by a local dev edge/);
    expect(loopbackUpstreamOf(host("localhost"), PROD)).toBeNull();
  });
});

describe("upstream origin overrides", () => {
  it("accepts an https origin and normalises it", () => {
    expect(parseUpstreamOrigin("https://eu.api.example.com", PROD)).toBe("https://eu.api.example.com");
    expect(parseUpstreamOrigin("https://EU.api.example.com/", PROD)).toBe("https://eu.api.example.com");
    expect(parseUpstreamOrigin("https://api.example.com:443", PROD)).toBe("https://api.example.com");
    expect(parseUpstreamOrigin("https://api.example.com:8443", PROD)).toBe("https://api.example.com:8443");
  });

  it.each([
    "http://api.example.com",
    "https://api.example.com/v1",
    "https://api.example.com?x=1",
    "https://api.example.com#f",
    "https://user:pw@api.example.com",
    "https://user@api.example.com",
    "https://127.0.0.1",
    "https://localhost",
    "https://[::1]",
    "https://169.254.169.254",
    "https://metadata.google.internal",
    "https://*.example.com",
    "https://api.example.com:0",
    "https://api.example.com:",
    "HTTPS://api.example.com",
    "ftp://api.example.com",
    "api.example.com",
    "//api.example.com",
    "https://",
    "https://exa%6dple.com",
    "https://example.com\\@evil.com",
  ])("400 invalid_upstream for %j in production", (raw) => {
    expect(() => parseUpstreamOrigin(raw, PROD)).toThrow(expect.objectContaining({ status: 400, code: "invalid_upstream" }));
  });

  it("local dev also takes plain http and loopback", () => {
    expect(parseUpstreamOrigin("http://127.0.0.1:9000", DEV)).toBe("http://127.0.0.1:9000");
    expect(parseUpstreamOrigin("http://localhost:80/", DEV)).toBe("http://localhost");
    expect(parseUpstreamOrigin("http://[::1]:9000", DEV)).toBe("http://[::1]:9000");
    for (const raw of ["http://10.0.0.1", "http://169.254.169.254", "http://127.1:9000", "ws://localhost"]) {
      expect(() => parseUpstreamOrigin(raw, DEV), raw).toThrow(expect.objectContaining({ code: "invalid_upstream" }));
    }
  });
});
