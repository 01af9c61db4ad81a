import { describe, expect, it } from "vitest";
import { clientResponseHeaders, isInjectableHeaderName, upstreamRequestHeaders } from "../../../workers/lib/http/forward-headers.ts";

const names = (headers: Headers) => [...headers.keys()].sort();

describe("request headers sent upstream", () => {
  it("strips the agent's token and injects the service credential", () => {
    const out = upstreamRequestHeaders(new Headers({ Authorization: "Bearer eva_agent_token", Accept: "application/json" }), {
      Authorization: "Bearer sk_live_x",
    });
    expect(out.get("authorization")).toBe("Bearer sk_live_x");
    expect(out.get("accept")).toBe("application/json");
  });

  it("never forwards Authorization when nothing is injected (passthrough)", () => {
    const out = upstreamRequestHeaders(new Headers({ Authorization: "Bearer eva_agent_token", "x-api-key": "client-own" }), {});
    expect(out.has("authorization")).toBe(false);
    expect(out.get("x-api-key")).toBe("client-own");
  });

  it("forwards vendor headers untouched (no allowlist: anthropic-version, tracing, content headers)", () => {
    const incoming = new Headers({
      "anthropic-version": "2023-06-01",
      "anthropic-beta": "tools-2024-04-04",
      "openai-organization": "org-1",
      traceparent: "00-abc-def-01",
      "content-type": "application/json",
      "content-length": "12",
      "user-agent": "agent/1.0",
      accept: "*/*",
      "accept-encoding": "gzip",
      "idempotency-key": "k1",
      "x-custom-thing": "v",
    });
    const out = upstreamRequestHeaders(incoming, {});
    expect(names(out)).toEqual(names(incoming));
    expect(out.get("anthropic-version")).toBe("2023-06-01");
  });

  it("drops hop-by-hop headers and every header Connection names", () => {
    const incoming = new Headers({
      Connection: "keep-alive, X-Named-Hop, Upgrade",
      "X-Named-Hop": "1",
      "Keep-Alive": "timeout=5",
      "Proxy-Authenticate": "Basic",
      "Proxy-Authorization": "Basic dG9rOnZhdWx0",
      "Proxy-Connection": "keep-alive",
      TE: "trailers",
      Trailer: "Expires",
      "Transfer-Encoding": "chunked",
      Upgrade: "websocket",
      "X-Kept": "yes",
    });
    expect(names(upstreamRequestHeaders(incoming, {}))).toEqual(["x-kept"]);
  });

  it("drops the agent's X-Edgevault-* headers in any case, and keeps an injected one", () => {
    const incoming = new Headers({ "X-Edgevault-Signature": "forged", "x-edgevault-event": "e", "X-EDGEVAULT-ANY": "1", "X-Kept": "yes" });
    expect(names(upstreamRequestHeaders(incoming, {}))).toEqual(["x-kept"]);
    const injected = upstreamRequestHeaders(incoming, { "X-Edgevault-Tenant": "acme" });
    expect(names(injected)).toEqual(["x-edgevault-tenant", "x-kept"]);
    expect(injected.get("x-edgevault-tenant")).toBe("acme");
  });

  it("judges names as CGI-style servers read them: X_Edgevault_*, X-Edgevault_* and X_Forwarded_For are dropped too", () => {
    const incoming = new Headers({ X_Edgevault_Signature: "forged", "X-Edgevault_Event": "e", X_Forwarded_For: "10.0.0.1", X_Vault: "v", "X-Kept_Too": "yes" });
    expect(names(upstreamRequestHeaders(incoming, {}))).toEqual(["x-kept_too"]);
    expect(names(clientResponseHeaders(new Headers({ X_Edgevault_Error: "forbidden", "X-Upstream": "1" })))).toEqual(["x-upstream"]);
  });

  it("drops Host, X-Vault, Cloudflare and forwarding headers", () => {
    const incoming = new Headers({
      Host: "edge.example",
      "X-Vault": "prod",
      "CF-Connecting-IP": "203.0.113.9",
      "CF-IPCountry": "FR",
      "CF-Ray": "abc",
      "CF-Visitor": '{"scheme":"https"}',
      "CDN-Loop": "cloudflare",
      "X-Forwarded-For": "203.0.113.9",
      "X-Forwarded-Proto": "https",
      "X-Forwarded-Host": "edge.example",
      Forwarded: "for=203.0.113.9",
      "X-Real-IP": "203.0.113.9",
      "True-Client-IP": "203.0.113.9",
      "X-Kept": "yes",
    });
    expect(names(upstreamRequestHeaders(incoming, {}))).toEqual(["x-kept"]);
  });

  it("removes any client copy of an injected header, case-insensitively; the injected value wins", () => {
    const incoming = new Headers({ "X-API-KEY": "agent-guess", "x-api-key-other": "kept" });
    const out = upstreamRequestHeaders(incoming, { "X-Api-Key": "real" });
    expect(out.get("x-api-key")).toBe("real");
    expect(out.get("x-api-key-other")).toBe("kept");
    expect([...out.entries()].filter(([n]) => n === "x-api-key")).toEqual([["x-api-key", "real"]]);
  });

  it("an agent cannot unset the injected header through Connection", () => {
    const out = upstreamRequestHeaders(new Headers({ Connection: "authorization" }), { Authorization: "Bearer real" });
    expect(out.get("authorization")).toBe("Bearer real");
  });

  it("keeps the agent's cookies but never Edgevault's session cookie", () => {
    const out = upstreamRequestHeaders(new Headers({ Cookie: "a=1; edgevault_session=evu_secret; b=2" }), {});
    expect(out.get("cookie")).toBe("a=1; b=2");
    const only = upstreamRequestHeaders(new Headers({ Cookie: "edgevault_session=evu_secret" }), {});
    expect(only.has("cookie")).toBe(false);
    const prefixed = upstreamRequestHeaders(new Headers({ Cookie: "__Host-edgevault_x=1;keep=1" }), {});
    expect(prefixed.get("cookie")).toBe("keep=1");
  });

  it("does not modify the incoming headers", () => {
    const incoming = new Headers({ Authorization: "Bearer t", Connection: "x-a", "x-a": "1" });
    upstreamRequestHeaders(incoming, { Authorization: "Bearer real" });
    expect(incoming.get("authorization")).toBe("Bearer t");
    expect(incoming.get("x-a")).toBe("1");
  });

  it("refuses to inject a header the forwarder owns", () => {
    expect(() => upstreamRequestHeaders(new Headers(), { Host: "evil" })).toThrow(TypeError);
    expect(() => upstreamRequestHeaders(new Headers(), { "X-Forwarded-For": "1.2.3.4" })).toThrow(TypeError);
  });
});

describe("injectable header names", () => {
  it.each(["Authorization", "X-Api-Key", "api-key", "Cookie", "anthropic-version", "X-Auth-Token"])("%s may be injected", (name) => {
    expect(isInjectableHeaderName(name)).toBe(true);
  });
  it.each([
    "Host",
    "Content-Length",
    "Connection",
    "Transfer-Encoding",
    "TE",
    "Upgrade",
    "Proxy-Authorization",
    "Keep-Alive",
    "X-Vault",
    "CF-Connecting-IP",
    "X-Forwarded-For",
    "Forwarded",
    "X-Real-IP",
    "CDN-Loop",
    "",
    "Bad Name",
    "X\nY",
    "Bad:Name",
  ])("%j may not", (name) => {
    expect(isInjectableHeaderName(name)).toBe(false);
  });
});

describe("response headers returned to the agent", () => {
  it("drops hop-by-hop, Connection-named, Set-Cookie, Set-Cookie2 and Alt-Svc; keeps Location and the rest", () => {
    const upstream = new Headers({
      Connection: "X-Named",
      "X-Named": "1",
      "Keep-Alive": "timeout=5",
      "Transfer-Encoding": "chunked",
      "Proxy-Authenticate": "Basic",
      Upgrade: "h2c",
      Trailer: "X",
      "Set-Cookie2": "legacy=1",
      "Alt-Svc": 'h3=":443"',
      Location: "https://api.example.com/next",
      "Content-Type": "application/json",
      "X-RateLimit-Remaining": "99",
      "Request-Id": "req_1",
      "WWW-Authenticate": 'Bearer error="invalid_token"',
    });
    upstream.append("Set-Cookie", "session=upstream; HttpOnly");
    upstream.append("Set-Cookie", "other=1");
    upstream.append("Vary", "Accept");
    upstream.append("Vary", "Origin");
    const out = clientResponseHeaders(upstream);
    expect(names(out)).toEqual(["content-type", "location", "request-id", "vary", "www-authenticate", "x-ratelimit-remaining"]);
    expect(out.get("vary")).toBe("Accept, Origin");
    expect(out.get("location")).toBe("https://api.example.com/next");
  });

  it("never passes an upstream's X-Edgevault-* headers: only the edge marks its own errors", () => {
    const upstream = new Headers({
      "X-Edgevault-Error": "unauthorized",
      "x-edgevault-anything": "1",
      "X-Edgevaultish": "kept",
      "Content-Type": "application/json",
    });
    expect(names(clientResponseHeaders(upstream))).toEqual(["content-type", "x-edgevaultish"]);
  });
});
