import { describe, expect, it } from "vitest";
import { call } from "./helpers.ts";
import { proxyFetch, proxySetup } from "./proxy-support.ts";
import { recorded, recordedSettled, requestId, upstreamUrl } from "./upstream.ts";

describe("credential injection, one auth type at a time", () => {
  const cases: [string, Record<string, unknown>, Record<string, string>, Record<string, string>][] = [
    ["bearer", { type: "bearer", token: "API_KEY" }, { API_KEY: "k-1" }, { authorization: "Bearer k-1" }],
    ["basic", { type: "basic", username: "USER", password: "PASS" }, { USER: "ada", PASS: "pw:1" }, { authorization: `Basic ${btoa("ada:pw:1")}` }],
    [
      "api-key with header and prefix",
      { type: "api-key", key: "API_KEY", header: "X-Api-Key", prefix: "Token " },
      { API_KEY: "k-2" },
      { "x-api-key": "Token k-2" },
    ],
    [
      "custom templates",
      { type: "custom", headers: { "X-Account": "acct-{{ ACCOUNT }}", "X-Signature": "{{SIG}}" } },
      { ACCOUNT: "42", SIG: "s-3" },
      { "x-account": "acct-42", "x-signature": "s-3" },
    ],
  ];
  for (const [name, auth, credentials, expected] of cases) {
    it(name, async () => {
      const s = await proxySetup({ auth, credentials });
      const id = requestId();
      expect((await proxyFetch(s, `/r/${id}/x`)).status).toBe(200);
      const [got] = await recorded(id);
      for (const [header, value] of Object.entries(expected)) expect(got?.headers[header], header).toBe(value);
      expect(JSON.stringify(got?.headers)).not.toContain(s.agent.token);
    });
  }

  it("passthrough injects nothing and still strips the agent token", async () => {
    const s = await proxySetup({ auth: { type: "passthrough" }, credentials: {} });
    const id = requestId();
    expect((await proxyFetch(s, `/r/${id}/x`, { headers: { "X-Client-Key": "client-own" } })).status).toBe(200);
    const [got] = await recorded(id);
    expect(got?.headers.authorization).toBeUndefined();
    expect(got?.headers["x-client-key"]).toBe("client-own");
  });

  it("a client copy of the injected header loses to the injected value", async () => {
    const s = await proxySetup({ auth: { type: "api-key", key: "API_KEY", header: "X-Api-Key" }, credentials: { API_KEY: "real" } });
    const id = requestId();
    await proxyFetch(s, `/r/${id}/x`, { headers: { "x-api-key": "spoofed" } });
    expect((await recorded(id))[0]?.headers["x-api-key"]).toBe("real");
  });
});

describe("what is forwarded and what is not", () => {
  it("strips hop-by-hop headers, the ones Connection names, and X-Vault; keeps vendor headers", async () => {
    const s = await proxySetup();
    const id = requestId();
    await proxyFetch(s, `/r/${id}/x`, {
      headers: {
        Connection: "x-private-hop",
        "X-Private-Hop": "secret",
        "Keep-Alive": "timeout=5",
        TE: "trailers",
        "Proxy-Authorization": "Basic x",
        "anthropic-version": "2023-06-01",
        "X-Request-Id": "r-1",
      },
    });
    const h = (await recorded(id))[0]?.headers ?? {};
    for (const gone of ["x-private-hop", "keep-alive", "te", "proxy-authorization", "x-vault"]) expect(h[gone], gone).toBeUndefined();
    expect(h["anthropic-version"]).toBe("2023-06-01");
    expect(h["x-request-id"]).toBe("r-1");
  });

  it("every method, with query and body as-is", async () => {
    const s = await proxySetup();
    for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
      const id = requestId();
      const body = method === "GET" || method === "OPTIONS" ? undefined : JSON.stringify({ method });
      const res = await proxyFetch(s, `/r/${id}/items/7?expand=a&expand=b`, { method, body, headers: body ? { "Content-Type": "application/json" } : {} });
      expect(res.status, method).toBe(200);
      const [got] = await recordedSettled(id);
      expect(got?.method).toBe(method);
      expect(got?.url).toBe(`/r/${id}/items/7?expand=a&expand=b`);
      if (body) expect(got?.bodyText).toBe(body);
    }
  });

  it("responses: status and headers pass, Set-Cookie and hop-by-hop do not; upstream errors are not Edgevault's", async () => {
    const s = await proxySetup();
    const cookies = await proxyFetch(s, `/r/${requestId()}/set-cookie`);
    expect(cookies.headers.get("set-cookie")).toBeNull();
    expect(cookies.headers.get("x-upstream")).toBe("kept");
    const hop = await proxyFetch(s, `/r/${requestId()}/hop-by-hop`);
    expect(hop.headers.get("x-hop-named")).toBeNull();
    expect(hop.headers.get("proxy-authenticate")).toBeNull();
    expect(hop.headers.get("x-end-to-end")).toBe("kept");
    const notFound = await proxyFetch(s, `/r/${requestId()}/status/404`);
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get("x-edgevault-error")).toBeNull();
  });

  it("redirects are returned to the agent, never followed", async () => {
    const s = await proxySetup();
    const id = requestId();
    const res = await proxyFetch(s, `/r/${id}/redirect`);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`/r/${id}/redirected`);
    expect((await recorded(id)).map((r) => r.url)).toEqual([`/r/${id}/redirect`]);
  });

  it("a vault session needs no X-Vault", async () => {
    const s = await proxySetup();
    const session = await call("POST", "/v1/sessions", { token: s.company.ownerKey, body: { vault: s.vault } });
    const id = requestId();
    const res = await proxyFetch({ ...s, agent: { token: session.body.token as string } }, `/r/${id}/x`, { headers: { "X-Vault": "" } });
    expect(res.status).toBe(200);
    expect((await recorded(id))[0]?.headers.authorization).toBe("Bearer secret-api-key-value");
  });
});

describe("upstreams cannot impersonate the edge", () => {
  it("an upstream's X-Edgevault-Error (or any X-Edgevault-* header) never reaches the agent; its other headers do", async () => {
    const s = await proxySetup();
    const id = requestId();
    const forged = new URLSearchParams({ "X-Edgevault-Error": "unauthorized", "X-Edgevault-Anything": "1", "X-Upstream": "kept" });
    const res = await proxyFetch(s, `/r/${id}/headers?${forged.toString()}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    // The upstream really answered through the edge, and asked directly it does send the forgery.
    expect((await recorded(id)).map((r) => r.url)).toEqual([`/r/${id}/headers?${forged.toString()}`]);
    const direct = await fetch(upstreamUrl(`/r/${requestId()}/headers?${forged.toString()}`));
    await direct.arrayBuffer();
    expect(direct.headers.get("x-edgevault-error")).toBe("unauthorized");
    expect(res.headers.get("x-upstream")).toBe("kept");
    expect(res.headers.get("x-edgevault-error")).toBeNull();
    expect(res.headers.get("x-edgevault-anything")).toBeNull();
  });
});

describe("agent headers in the X-Edgevault- namespace never reach the upstream", () => {
  it("an agent's X-Edgevault-Signature, -Event or any other X-Edgevault-* header is dropped; its other headers pass", async () => {
    const s = await proxySetup();
    const id = requestId();
    const res = await proxyFetch(s, `/r/${id}/hook`, {
      method: "POST",
      body: "{}",
      headers: {
        "X-Edgevault-Signature": "t=1,v1=forged",
        "X-Edgevault-Event": "proposal.applied",
        "x-edgevault-anything": "1",
        // CGI-style upstreams (PHP, WSGI, Rack) read these as HTTP_X_EDGEVAULT_…: the same namespace.
        X_Edgevault_Delivery: "forged",
        "X-Edgevault_Event": "forged",
        "X-Agent-Own": "kept",
      },
    });
    expect(res.status).toBe(200);
    const [got] = await recorded(id);
    expect(Object.keys(got?.headers ?? {}).filter((name) => name.replaceAll("_", "-").startsWith("x-edgevault-"))).toEqual([]);
    expect(got?.headers["x-agent-own"]).toBe("kept");
  });

  it("a service may still inject one (its configuration is the edge speaking), and the agent's copy loses", async () => {
    const s = await proxySetup({ auth: { type: "custom", headers: { "X-Edgevault-Tenant": "{{ TENANT }}" } }, credentials: { TENANT: "acme" } });
    const id = requestId();
    expect((await proxyFetch(s, `/r/${id}/x`, { headers: { "X-Edgevault-Tenant": "spoofed" } })).status).toBe(200);
    expect((await recorded(id))[0]?.headers["x-edgevault-tenant"]).toBe("acme");
  });
});

describe("large bodies stream both ways", () => {
  const SIZE = 50 * 1024 * 1024;

  it("a 50 MB upload arrives whole", async () => {
    const s = await proxySetup();
    const id = requestId();
    const chunk = new Uint8Array(1024 * 1024).fill(97);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= SIZE) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const res = await proxyFetch(s, `/r/${id}/upload`, {
      method: "POST",
      body,
      headers: { "Content-Type": "application/octet-stream", "Content-Length": String(SIZE) },
    });
    expect(res.status).toBe(200);
    const [got] = await recordedSettled(id, 1, 30_000);
    expect(got?.bodyBytes).toBe(SIZE);
  });

  it("a 50 MB download arrives whole", async () => {
    const s = await proxySetup();
    const res = await proxyFetch(s, `/r/${requestId()}/big/${SIZE}`);
    expect(res.status).toBe(200);
    let received = 0;
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
    }
    expect(received).toBe(SIZE);
  });
});

describe("WebSocket upgrades", () => {
  it("are forwarded with the credential on the handshake, and frames flow both ways", async () => {
    const s = await proxySetup();
    const id = requestId();
    const res = await proxyFetch(s, `/r/${id}/socket`, { headers: { Upgrade: "websocket" } });
    expect(res.status).toBe(101);
    const socket = res.webSocket!;
    socket.accept();
    const reply = new Promise<string>((resolve) => socket.addEventListener("message", (event) => resolve(String(event.data))));
    socket.send("hello");
    expect(await reply).toBe("echo:hello");
    socket.close();
    const [handshake] = await recorded(id);
    expect(handshake?.headers.authorization).toBe("Bearer secret-api-key-value");
    expect(JSON.stringify(handshake?.headers)).not.toContain(s.agent.token);
  });
});
