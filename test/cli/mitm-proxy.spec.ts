/**
 * `edgevault proxy`: the real listener in front of a real edge (wrangler dev), a real plain-http
 * upstream for the service and a real TLS server for a host without one. Clients are curl,
 * Node's https over a CONNECT, and python3's urllib, as agents would run them.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes, X509Certificate } from "node:crypto";
import { once } from "node:events";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { tempConfigHome } from "./support/cli.ts";
import { startEdge, type Edge, type TestCompany } from "./support/edge.ts";
import {
  basic,
  connect,
  createServiceVault,
  execClient,
  httpsThroughProxy,
  mintSession,
  readTextFrames,
  startProxyCli,
  startTlsServer,
  startUpstream,
  textFrame,
  type ProxyProcess,
  type ServiceVault,
  type TlsServer,
  type Upstream,
  WEBSOCKET_GUID,
} from "./support/mitm.ts";

/** Reads an HTTP response head off a raw socket; whatever follows it is put back. */
function readResponseHead(socket: Duplex): Promise<string> {
  return new Promise((resolve) => {
    let buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf("\r\n\r\n");
      if (end === -1) return;
      socket.off("data", onData);
      socket.pause();
      if (buffer.length > end + 4) socket.unshift(buffer.subarray(end + 4));
      resolve(buffer.subarray(0, end).toString("latin1"));
    };
    socket.on("data", onData);
  });
}

const SERVICE_HOST = "api.service.test";

describe("edgevault proxy (the local MITM listener)", { timeout: 120_000 }, () => {
  let edge: Edge;
  let company: TestCompany;
  let upstream: Upstream;
  let realServer: TlsServer;
  let proxy: ProxyProcess;
  let caPem: string;
  let caPath: string;
  let realServerCertPath: string;
  let open: ServiceVault;
  let token: string;
  /** HTTPS_PROXY for the `open` vault's session, as `vault run` would set it. */
  let proxyEnv: Record<string, string>;

  before(async () => {
    [edge, upstream, realServer] = await Promise.all([startEdge(), startUpstream(), startTlsServer()]);
    company = await edge.createCompany();
    open = await createServiceVault(edge.call, company.ownerKey, { vault: "open", host: SERVICE_HOST, upstreamOrigin: upstream.origin });
    token = await mintSession(edge.call, company.ownerKey, "open");
    const home = await tempConfigHome();
    proxy = await startProxyCli(home, { EDGEVAULT_ADDR: edge.addr });
    caPath = path.join(home, "edgevault", "ca", "ca.pem");
    caPem = await readFile(caPath, "utf8");
    realServerCertPath = path.join(home, "real-server.pem");
    await writeFile(realServerCertPath, realServer.certPem);
    proxyEnv = { HTTPS_PROXY: `http://${token}:open@127.0.0.1:${proxy.port}`, HTTP_PROXY: `http://${token}:open@127.0.0.1:${proxy.port}` };
  });
  after(async () => {
    await proxy?.stop();
    await Promise.all([edge?.stop(), upstream?.close(), realServer?.close()]);
  });

  /** The last request the service's upstream received, and a check that no Edgevault token reached it. */
  const lastUpstreamRequest = () => {
    const last = upstream.received.at(-1);
    assert.ok(last, "the upstream received a request");
    const everything = JSON.stringify(last.rawHeaders);
    assert.ok(!everything.includes(token), "the session token never reaches the upstream");
    assert.equal(last.headers["proxy-authorization"], undefined);
    return last;
  };

  describe("a host with a service is intercepted and forwarded through the edge", () => {
    it("curl through HTTPS_PROXY with the local CA gets the upstream's answer; the upstream gets the credential", async () => {
      const result = await execClient(
        "curl",
        ["-sS", "--fail-with-body", "--cacert", caPath, `https://${SERVICE_HOST}/v1/items?limit=3&q=a%20b`, "-H", "anthropic-version: 2023-06-01"],
        proxyEnv,
      );
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), { upstream: true, method: "GET", url: "/v1/items?limit=3&q=a%20b", bytes: 0 });
      const got = lastUpstreamRequest();
      assert.equal(got.headers.authorization, `Bearer ${open.credential}`);
      assert.equal(got.headers["anthropic-version"], "2023-06-01");
    });

    it("curl without the CA refuses our certificate (error 60), so nothing is sent", async () => {
      const before = upstream.received.length;
      const result = await execClient("curl", ["-sS", `https://${SERVICE_HOST}/v1/never`], proxyEnv);
      assert.equal(result.code, 60, result.stderr);
      assert.equal(upstream.received.length, before);
    });

    it("Node https over its own CONNECT: the certificate is ours for that host, bodies stream both ways intact", async () => {
      const body = Buffer.alloc(3 * 1024 * 1024 + 7, "abcdefghij");
      const result = await httpsThroughProxy({
        proxyPort: proxy.port,
        proxyAuthorization: basic(token, "open"),
        host: SERVICE_HOST,
        ca: caPem,
        method: "POST",
        path: "/echo?n=1",
        headers: { "content-type": "application/octet-stream", "x-trace-id": "t-1" },
        body,
      });
      assert.equal(result.status, 200);
      assert.equal(result.body.length, body.length);
      assert.ok(result.body.equals(body), "the echoed body is byte for byte the one sent");
      assert.equal(result.peerCertificate.subjectaltname, `DNS:${SERVICE_HOST}`);
      assert.match(String(result.peerCertificate.issuer.CN), /^Edgevault local CA/);
      const got = lastUpstreamRequest();
      assert.equal(got.url, "/echo?n=1");
      assert.equal(got.headers["x-trace-id"], "t-1");
      assert.equal(got.headers.authorization, `Bearer ${open.credential}`);
    });

    it("Bearer proxy credentials work too (a session carries its vault)", async () => {
      const result = await httpsThroughProxy({ proxyPort: proxy.port, proxyAuthorization: `Bearer ${token}`, host: SERVICE_HOST, ca: caPem, path: "/bearer" });
      assert.equal(result.status, 200);
      assert.equal(lastUpstreamRequest().url, "/bearer");
    });

    it("python3 urllib with a ProxyHandler and the CA in its SSL context", async () => {
      const script = [
        "import json, os, ssl, urllib.request",
        "ctx = ssl.create_default_context(cafile=os.environ['CA'])",
        "opener = urllib.request.build_opener(urllib.request.ProxyHandler({'https': os.environ['PROXY']}), urllib.request.HTTPSHandler(context=ctx))",
        "req = urllib.request.Request('https://api.service.test/py?lang=python', data=b'{\"a\":1}', headers={'Content-Type': 'application/json'})",
        "with opener.open(req, timeout=30) as res: print(res.status, res.read().decode())",
      ].join("\n");
      const result = await execClient("python3", ["-c", script], { CA: caPath, PROXY: proxyEnv.HTTPS_PROXY ?? "" });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^200 /);
      assert.deepEqual(JSON.parse(result.stdout.slice(4)), { upstream: true, method: "POST", url: "/py?lang=python", bytes: 7 });
      assert.equal(lastUpstreamRequest().headers.authorization, `Bearer ${open.credential}`);
    });

    it("plain http:// through HTTP_PROXY goes through the edge the same way", async () => {
      const result = await execClient("curl", ["-sS", "--fail-with-body", `http://${SERVICE_HOST}/plain?x=1`], { http_proxy: proxyEnv.HTTP_PROXY ?? "" });
      assert.equal(result.code, 0, result.stderr);
      assert.equal((JSON.parse(result.stdout) as { url: string }).url, "/plain?x=1");
      assert.equal(lastUpstreamRequest().headers.authorization, `Bearer ${open.credential}`);
    });

    it("edge errors reach the client unchanged: a missing credential is the edge's 502 JSON", async () => {
      assert.equal((await edge.call("DELETE", "/v1/credentials", company.ownerKey, { vault: "open", keys: ["UPSTREAM_KEY"] })).status, 200);
      try {
        const result = await httpsThroughProxy({
          proxyPort: proxy.port,
          proxyAuthorization: basic(token, "open"),
          host: SERVICE_HOST,
          ca: caPem,
          path: "/needs-key",
        });
        assert.equal(result.status, 502);
        assert.equal(result.headers["x-edgevault-error"], "credential_not_found");
        const body = JSON.parse(result.body.toString("utf8")) as { error: string; key: string };
        assert.equal(body.error, "credential_not_found");
        assert.equal(body.key, "UPSTREAM_KEY");
      } finally {
        await edge.call("POST", "/v1/credentials", company.ownerKey, { vault: "open", credentials: { UPSTREAM_KEY: open.credential } });
      }
    });
  });

  describe("a host without a service", () => {
    it("is tunnelled as raw TCP: the client sees the real server's own certificate", async () => {
      const target = `https://${realServer.host}:${realServer.port}/direct`;
      // Trusting only the real server's certificate: this succeeds only if nothing intercepted it.
      const curl = await execClient(
        "curl",
        ["-sS", "--fail-with-body", "--cacert", realServerCertPath, "--write-out", "\n%{ssl_verify_result}", target],
        proxyEnv,
      );
      assert.equal(curl.code, 0, curl.stderr);
      assert.equal(curl.stdout, "hello from the real server\n\n0");
      const got = realServer.received.at(-1);
      assert.equal(got?.url, "/direct");
      assert.ok(!JSON.stringify(got?.rawHeaders).includes(token), "no token reaches a tunnelled host");

      const node = await httpsThroughProxy({
        proxyPort: proxy.port,
        proxyAuthorization: basic(token, "open"),
        host: realServer.host,
        port: realServer.port,
        ca: realServer.certPem,
        path: "/node",
      });
      assert.equal(node.status, 200);
      assert.equal(node.peerCertificate.subject.CN, "The real tunnel test server");
      assert.equal(node.peerCertificate.fingerprint256, new X509Certificate(realServer.certPem).fingerprint256);
    });

    it("that cannot be reached is answered 502 saying no service answers for it and how to add one, on the socket and on stderr", async () => {
      // Nothing listens on port 9 (discard): the direct connection is refused, as a host without DNS would fail.
      const refused = await connect(proxy.port, "127.0.0.1:9", basic(token, "open"));
      assert.equal(refused.status, 502);
      const body = JSON.parse(refused.body) as { error: string; message: string };
      assert.equal(body.error, "upstream_unreachable");
      assert.match(body.message, /^Could not reach 127\.0\.0\.1:9 \(ECONNREFUSED\)\. No service in vault "open" answers for 127\.0\.0\.1:9/);
      assert.ok(body.message.includes("edgevault vault service add <name> --host 127.0.0.1:9 --auth bearer:<KEY> --vault open"), body.message);
      // curl shows only "CONNECT tunnel failed, response 502": the same words reach the terminal.
      assert.ok(proxy.stderr().includes(`edgevault: ${body.message}`), proxy.stderr());
    });

    it("is refused by the edge with 403 forbidden and a proposal_hint when the vault's policy is deny", async () => {
      await createServiceVault(edge.call, company.ownerKey, { vault: "locked", host: "api.locked.test", upstreamOrigin: upstream.origin, policy: "deny" });
      const locked = await mintSession(edge.call, company.ownerKey, "locked");
      const result = await execClient("curl", ["-sS", "--cacert", caPath, "--write-out", "\n%{http_code}", "https://denied.example.test/v1/anything"], {
        HTTPS_PROXY: `http://${locked}:locked@127.0.0.1:${proxy.port}`,
      });
      assert.equal(result.code, 0, result.stderr);
      const [body, status] = result.stdout.split("\n");
      assert.equal(status, "403");
      const parsed = JSON.parse(body ?? "") as { error: string; proposal_hint: { host: string; endpoint: string } };
      assert.equal(parsed.error, "forbidden");
      assert.deepEqual(
        { host: parsed.proposal_hint.host, endpoint: parsed.proposal_hint.endpoint },
        { host: "denied.example.test", endpoint: "POST /v1/proposals" },
      );
      // Its own service still works under deny.
      const ok = await execClient("curl", ["-sS", "--fail-with-body", "--cacert", caPath, "https://api.locked.test/ok"], {
        HTTPS_PROXY: `http://${locked}:locked@127.0.0.1:${proxy.port}`,
      });
      assert.equal(ok.code, 0, ok.stderr);
    });
  });

  describe("a host whose service is disabled", () => {
    it("is still intercepted, and the client sees the edge's 403 service_disabled (never a tunnel to the real host)", async () => {
      await createServiceVault(edge.call, company.ownerKey, { vault: "dormant", host: "api.dormant.test", upstreamOrigin: upstream.origin });
      assert.equal((await edge.call("PATCH", "/v1/vaults/dormant/services/api", company.ownerKey, { enabled: false })).status, 200);
      const dormant = await mintSession(edge.call, company.ownerKey, "dormant");
      const before = upstream.received.length;
      const result = await execClient("curl", ["-sS", "--cacert", caPath, "--write-out", "\n%{http_code}", "https://api.dormant.test/v1/anything"], {
        HTTPS_PROXY: `http://${dormant}:dormant@127.0.0.1:${proxy.port}`,
      });
      // Exit 0 with our CA: the listener answered with its own certificate for the host, so it intercepted.
      assert.equal(result.code, 0, result.stderr);
      const [body, status] = result.stdout.split("\n");
      assert.equal(status, "403");
      assert.equal((JSON.parse(body ?? "") as { error: string }).error, "service_disabled");
      assert.equal(upstream.received.length, before, "nothing reached the upstream");
    });
  });

  describe("proxy authentication", () => {
    it("answers 407 with Proxy-Authenticate and a JSON body without credentials", async () => {
      const result = await connect(proxy.port, `${SERVICE_HOST}:443`);
      assert.equal(result.status, 407);
      assert.match(String(result.headers["proxy-authenticate"]), /Basic realm="edgevault"/);
      assert.equal(result.headers["x-edgevault-error"], "proxy_auth_required");
      const body = JSON.parse(result.body) as { error: string; message: string };
      assert.equal(body.error, "proxy_auth_required");
    });

    it("answers 407 to a wrong token, a malformed header, and a session presented for another vault", async () => {
      for (const header of [
        basic(`evs_AAAAAAAAAAAA_${"x".repeat(43)}`, "open"),
        basic("not-a-token", "open"),
        "Basic !!!",
        `Bearer ${token.slice(0, -2)}xx`,
        basic(token, "locked"),
      ]) {
        const result = await connect(proxy.port, `${SERVICE_HOST}:443`, header);
        assert.equal(result.status, 407, `${header.slice(0, 12)}…: ${result.body}`);
        assert.ok(!result.body.includes(token), "a token is never echoed");
      }
      const curl = await execClient("curl", ["-sS", "--cacert", caPath, `https://${SERVICE_HOST}/x`], {
        HTTPS_PROXY: `http://wrong:open@127.0.0.1:${proxy.port}`,
      });
      assert.notEqual(curl.code, 0);
      assert.match(curl.stderr, /407/);
      const plain = await execClient("curl", ["-sS", "--write-out", "%{http_code}", "-o", "/dev/null", `http://${SERVICE_HOST}/x`], {
        http_proxy: `http://127.0.0.1:${proxy.port}`,
      });
      assert.equal(plain.stdout, "407");
    });
  });

  describe("WebSocket upgrades", () => {
    it("to a service host go through the edge: the handshake completes and frames pass both ways", async () => {
      const tunnel = await connect(proxy.port, `${SERVICE_HOST}:443`, basic(token, "open"));
      const secure = tls.connect({ socket: tunnel.socket, servername: SERVICE_HOST, ca: caPem });
      await once(secure, "secureConnect");
      const key = randomBytes(16).toString("base64");
      secure.write(
        `GET /socket?room=1 HTTP/1.1\r\nHost: ${SERVICE_HOST}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      const head = await readResponseHead(secure);
      assert.match(head, /^HTTP\/1\.1 101 /);
      const accept = createHash("sha1").update(`${key}${WEBSOCKET_GUID}`).digest("base64");
      assert.ok(head.toLowerCase().includes(`sec-websocket-accept: ${accept.toLowerCase()}`), head);
      const echoed = new Promise<string>((resolve) => readTextFrames(secure, resolve));
      secure.write(textFrame("hello", true));
      assert.equal(await echoed, "echo:hello");
      secure.destroy();
      const got = lastUpstreamRequest();
      assert.equal(got.url, "/socket?room=1");
      assert.equal(got.headers.authorization, `Bearer ${open.credential}`);
    });
  });

  describe("rate limits", () => {
    it("the edge's 429 passes through with Retry-After", async () => {
      await createServiceVault(edge.call, company.ownerKey, { vault: "limited", host: "api.limited.test", upstreamOrigin: upstream.origin });
      const patched = await edge.call("PATCH", "/v1/vaults/limited", company.ownerKey, { rate_limit: { burst: 1, rate_per_second: 0.01 } });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      const limited = await mintSession(edge.call, company.ownerKey, "limited");
      const request = () =>
        httpsThroughProxy({ proxyPort: proxy.port, proxyAuthorization: basic(limited, "limited"), host: "api.limited.test", ca: caPem, path: "/limited" });
      assert.equal((await request()).status, 200);
      const refused = await request();
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers["retry-after"]) >= 1, `Retry-After: ${refused.headers["retry-after"]}`);
      assert.equal(refused.headers["x-edgevault-error"], "too_many_requests");
      assert.equal((JSON.parse(refused.body.toString("utf8")) as { error: string }).error, "too_many_requests");
    });
  });
});
