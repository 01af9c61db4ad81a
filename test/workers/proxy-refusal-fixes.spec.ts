/**
 * A refusal a person meets in the first ten minutes says what to do: a failed upstream names the
 * URL it tried (never a query string or a substituted credential) and the likely fix, in the
 * answer and in the edge's log; a service on a loopback host in dev reaches a plain-http server.
 */
import { SELF } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { call, createCompany, createVault, inviteAgent } from "./helpers.ts";
import { proxyFetch, proxySetup } from "./proxy-support.ts";
import { recorded, requestId, upstreamPort, upstreamUrl } from "./upstream.ts";

type ErrorBody = { error: string; message: string } & Record<string, unknown>;

afterEach(() => vi.restoreAllMocks());

/** Every console.warn line the edge wrote, parsed. */
function warnings(spy: { mock: { calls: unknown[][] } }): Record<string, unknown>[] {
  return spy.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
}

describe("a failed upstream names the URL it tried and what to do, in the answer and in the log", () => {
  it("502 upstream_unreachable names the service's origin and the path asked for, never the query", async () => {
    const s = await proxySetup({ upstream: "http://127.0.0.1:9" });
    const warn = vi.spyOn(console, "warn");
    const res = await proxyFetch(s, "/v1/charges?api_key=query-secret-value");
    const body = (await res.json()) as ErrorBody;
    expect(res.status).toBe(502);
    expect(body).toMatchObject({ error: "upstream_unreachable", upstream_url: "http://127.0.0.1:9/v1/charges", service: "svc" });
    expect(body.message).toContain('Could not reach http://127.0.0.1:9/v1/charges for service "svc"');
    expect(body.message).toContain(`edgevault vault service update svc --vault ${s.vault} --upstream`);
    expect(JSON.stringify(body)).not.toContain("query-secret-value");
    const logged = warnings(warn).find((entry) => entry.code === "upstream_unreachable");
    expect(logged?.message).toBe(body.message);
    expect(JSON.stringify(warnings(warn))).not.toContain("query-secret-value");
  });

  it("an https upstream on a loopback host that speaks plain http is told to switch to http://", async () => {
    const s = await proxySetup({ upstream: `https://127.0.0.1:${upstreamPort()}` });
    const body = (await (await proxyFetch(s, "/hello")).json()) as ErrorBody;
    expect(body.error).toBe("upstream_unreachable");
    expect(body.upstream_url).toBe(`https://127.0.0.1:${upstreamPort()}/hello`);
    expect(body.message).toContain(`--upstream http://127.0.0.1:${upstreamPort()}`);
  });

  it("a substituted credential in the path never appears in the URL a refusal names", async () => {
    const s = await proxySetup({
      upstream: "http://127.0.0.1:9",
      auth: { type: "passthrough" },
      credentials: { PATH_KEY: "path-secret-value" },
    });
    await call("PATCH", `/v1/vaults/${s.vault}/services/svc`, {
      token: s.company.ownerKey,
      body: { substitutions: [{ key: "PATH_KEY", placeholder: "__KEY__", in: ["path"] }] },
    });
    const res = await proxyFetch(s, "/bot__KEY__/send");
    const text = await res.text();
    expect(res.status).toBe(502);
    expect(text).toContain("/bot__KEY__/send");
    expect(text).not.toContain("path-secret-value");
  });
});

describe("in dev a service on a loopback host reaches a plain-http server without being told", () => {
  it("created without an upstream, it gets http://<host>:<port>, and a proxied call arrives with the credential", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const host = `127.0.0.1:${upstreamPort()}`;
    const created = await call("POST", `/v1/vaults/${vault}/services`, {
      token: company.ownerKey,
      body: { name: "echo", host, auth: { type: "bearer", token: "ECHO_KEY" } },
    });
    expect(created.status).toBe(201);
    expect(created.body.service).toMatchObject({ host, upstream: upstreamUrl() });
    await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials: { ECHO_KEY: "echo-secret" } } });
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
    const id = requestId();
    const res = await SELF.fetch(`https://edge.test/proxy/${host}/r/${id}/hello`, { headers: { Authorization: `Bearer ${agent.token}`, "X-Vault": vault } });
    expect(res.status).toBe(200);
    const [seen] = await recorded(id);
    expect(seen?.headers.authorization).toBe("Bearer echo-secret");
  });

  it("a loopback host with an upstream of its own keeps it; a public host still defaults to https", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const given = await call("POST", `/v1/vaults/${vault}/services`, {
      token: company.ownerKey,
      body: { name: "given", host: "localhost:9443", upstream: "https://localhost:9443", auth: { type: "passthrough" } },
    });
    expect(given.body.service).toMatchObject({ upstream: "https://localhost:9443" });
    const publicHost = await call("POST", `/v1/vaults/${vault}/services`, {
      token: company.ownerKey,
      body: { name: "public", host: "api.example.com", auth: { type: "passthrough" } },
    });
    expect(publicHost.body.service).toMatchObject({ upstream: null });
  });
});
