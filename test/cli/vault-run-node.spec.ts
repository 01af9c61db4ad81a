/**
 * `vault run` with a Node.js child: Node's own `fetch` and `https` reach the vault's services
 * through the local proxy on every supported Node version. Node 20 (the CLI's minimum, and the
 * one running these tests) ignores NODE_USE_ENV_PROXY: without the preload `vault run` puts in
 * NODE_OPTIONS, `fetch("https://<service host>/…")` fails with ENOTFOUND, or against a real host
 * goes straight out without its credential.
 */
import assert from "node:assert/strict";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { bypassesProxy, nativeProxySupport } from "../../cli/node-proxy/proxy-rules.js";
import { nodeOptionsWithPreload } from "../../cli/node-proxy/node-options.ts";
import { printed, runCli, tempConfigHome, type CliOptions, type CliResult } from "./support/cli.ts";
import { startEdge, type Edge, type TestCompany } from "./support/edge.ts";
import { createServiceVault, startUpstream, type ServiceVault, type Upstream } from "./support/mitm.ts";

const SERVICE_HOST = "api.node-run.test";

/** A child script that prints what its request got back, or the error's code, as one JSON line. */
const FETCH = `fetch("https://${SERVICE_HOST}/v1/from-fetch?q=1", { method: "POST", body: "hello" })
  .then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.json() })))
  .catch((e) => { console.log(JSON.stringify({ error: e.cause?.code ?? e.message })); process.exitCode = 1; })`;
const HTTPS_GET = `require("node:https").get("https://${SERVICE_HOST}/v1/from-https-get", (r) => {
    let text = ""; r.setEncoding("utf8"); r.on("data", (c) => (text += c));
    r.on("end", () => console.log(JSON.stringify({ status: r.statusCode, body: JSON.parse(text) })));
  }).on("error", (e) => { console.log(JSON.stringify({ error: e.code ?? e.message })); process.exitCode = 1; })`;

describe("Node's own fetch and https reach a vault's services through vault run, on Node 20", { timeout: 120_000 }, () => {
  let edge: Edge;
  let company: TestCompany;
  let upstream: Upstream;
  let work: ServiceVault;
  let cli: (args: readonly string[], options?: Omit<CliOptions, "configHome">) => Promise<CliResult>;

  before(async () => {
    [edge, upstream] = await Promise.all([startEdge(), startUpstream()]);
    company = await edge.createCompany();
    work = await createServiceVault(edge.call, company.ownerKey, { vault: "node", host: SERVICE_HOST, upstreamOrigin: upstream.origin });
    const home = await tempConfigHome();
    cli = (args, options = {}) =>
      runCli(args, { configHome: home, ...options, env: { EDGEVAULT_ADDR: edge.addr, EDGEVAULT_API_KEY: company.ownerKey, ...options.env } });
  });
  after(async () => {
    await Promise.all([edge?.stop(), upstream?.close()]);
  });

  it("the tests run on a Node that ignores NODE_USE_ENV_PROXY, so what follows proves the preload", () => {
    assert.deepEqual(nativeProxySupport(process.versions.node), { fetch: false, https: false }, `Node ${process.versions.node}`);
  });

  it("fetch() gets the upstream's answer, and the upstream got the credential and the body", async () => {
    const result = await cli(["vault", "run", "--vault", "node", "--", process.execPath, "-e", FETCH]);
    assert.equal(result.code, 0, printed(result));
    assert.deepEqual(JSON.parse(result.stdout), { status: 200, body: { upstream: true, method: "POST", url: "/v1/from-fetch?q=1", bytes: 5 } });
    const got = upstream.received.at(-1);
    assert.equal(got?.headers.authorization, `Bearer ${work.credential}`);
    assert.equal(got?.body.toString("utf8"), "hello");
    assert.ok(!JSON.stringify(got?.rawHeaders).includes("evs_"), "no session token reaches the upstream");
  });

  it("https.get() goes through the proxy too, with the credential injected", async () => {
    const result = await cli(["vault", "run", "--vault", "node", "--", process.execPath, "-e", HTTPS_GET]);
    assert.equal(result.code, 0, printed(result));
    assert.deepEqual(JSON.parse(result.stdout), { status: 200, body: { upstream: true, method: "GET", url: "/v1/from-https-get", bytes: 0 } });
    assert.equal(upstream.received.at(-1)?.headers.authorization, `Bearer ${work.credential}`);
  });

  it("the child's stderr stays its own: no warning from the preload", async () => {
    const result = await cli(["vault", "run", "--vault", "node", "--", process.execPath, "-e", `${FETCH}.then(() => ${HTTPS_GET.replace(/\n/g, " ")})`]);
    assert.equal(result.code, 0, printed(result));
    // vault run's own progress line is the only line on stderr.
    assert.deepEqual(
      result.stderr
        .split("\n")
        .filter(Boolean)
        .filter((line) => !line.startsWith("edgevault: running")),
      [],
    );
  });

  it("an existing NODE_OPTIONS is kept, and the preload is added once", async () => {
    const script = `console.log(JSON.stringify({ options: process.env.NODE_OPTIONS, heap: require("node:v8").getHeapStatistics().heap_size_limit }))`;
    const result = await cli(["vault", "run", "--vault", "node", "--", process.execPath, "-e", script], { env: { NODE_OPTIONS: "--max-old-space-size=96" } });
    assert.equal(result.code, 0, printed(result));
    const seen = JSON.parse(result.stdout) as { options: string; heap: number };
    assert.match(seen.options, /^--max-old-space-size=96 --import=file:\/\/\S+\/preload\.js$/);
    assert.ok(seen.heap < 200 * 1024 * 1024, "the parent's option still applies in the child");
    assert.equal(nodeOptionsWithPreload(seen.options, seen.options.split(" ")[1]?.slice("--import=".length)), seen.options, "a nested vault run adds nothing");
  });

  it("a proxy's refusal reaches the child as an error with the proxy's reason, not a hang", async () => {
    // Nothing listens on 127.0.0.3:9 (loopback, but not in NO_PROXY): the proxy's tunnel fails and it answers 502.
    const script = `require("node:https").get("https://127.0.0.3:9/").on("error", (e) => console.log(JSON.stringify({ code: e.code, message: e.message })))`;
    const result = await cli(["vault", "run", "--vault", "node", "--", process.execPath, "-e", script]);
    assert.equal(result.code, 0, printed(result));
    const seen = JSON.parse(result.stdout) as { code: string; message: string };
    assert.equal(seen.code, "ERR_PROXY_CONNECT");
    assert.match(seen.message, /^The proxy refused CONNECT 127\.0\.0\.3:9 with HTTP 502: \S/);
  });
});

describe("the preload honours NO_PROXY as undici does", () => {
  it("exact hosts, suffixes, ports and the wildcard", () => {
    const noProxy = "localhost,127.0.0.1 .internal.test,*.corp.test,db.test:5432";
    assert.equal(bypassesProxy(noProxy, "localhost", 443), true);
    assert.equal(bypassesProxy(noProxy, "127.0.0.1", 14321), true);
    assert.equal(bypassesProxy(noProxy, "api.internal.test", 443), true);
    assert.equal(bypassesProxy(noProxy, "a.b.corp.test", 443), true);
    assert.equal(bypassesProxy(noProxy, "db.test", 5432), true);
    assert.equal(bypassesProxy(noProxy, "db.test", 443), false, "another port of a host:port entry is proxied");
    assert.equal(bypassesProxy(noProxy, "api.stripe.com", 443), false);
    assert.equal(bypassesProxy(noProxy, "notlocalhost", 443), false, "an entry without a dot matches only itself");
    assert.equal(bypassesProxy("*", "api.stripe.com", 443), true);
    assert.equal(bypassesProxy("", "localhost", 443), false);
  });

  it("Node versions that honour NODE_USE_ENV_PROXY themselves are left alone", () => {
    assert.deepEqual(nativeProxySupport("20.20.2"), { fetch: false, https: false });
    assert.deepEqual(nativeProxySupport("22.20.0"), { fetch: false, https: false });
    assert.deepEqual(nativeProxySupport("22.21.0"), { fetch: true, https: true });
    assert.deepEqual(nativeProxySupport("24.4.0"), { fetch: true, https: false });
    assert.deepEqual(nativeProxySupport("24.5.0"), { fetch: true, https: true });
    assert.deepEqual(nativeProxySupport("26.1.0"), { fetch: true, https: true });
  });
});
