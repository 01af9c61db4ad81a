/**
 * SSRF under production rules. The suite's Worker runs as local dev (`ALLOW_PRIVATE_UPSTREAMS=true`:
 * loopback and single-label names are services' hosts there), so these requests go to the same
 * Worker entry with the deployment's settings instead: `ENVIRONMENT=production`,
 * `ALLOW_PRIVATE_UPSTREAMS=false`, every binding (D1, Durable Objects, secrets) unchanged. The
 * services are made in dev, pointing at the recording upstream, so a target the rules failed to
 * refuse would really be forwarded, with the credential, and recorded.
 *
 * Scripted mutation check (done when this file was written; repeat it after changing the rules):
 * delete the `403 forbidden_host` line of `parseProxyTarget` (workers/lib/http/host-pattern.ts) and run
 * `npx vitest run --project workers test/workers/proxy-ssrf.spec.ts test/workers/proxy-errors.spec.ts`:
 * both go red (those targets fall through to 400 invalid_host), where proxy-errors.spec.ts once
 * stayed green because a generic 403 for "no service" passed in its place.
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../workers/index.ts";
import { BASE, call } from "./helpers.ts";
import { proxySetup, type ProxySetup } from "./proxy-support.ts";
import { recorded, requestId, upstreamPort, upstreamUrl } from "./upstream.ts";

const PRODUCTION = { ...env, ENVIRONMENT: "production", ALLOW_PRIVATE_UPSTREAMS: "false" };

/** Execution contexts whose `waitUntil` work (the request log's batch, 2 s later) each test awaits once at its end. */
const contexts: ExecutionContext[] = [];

/** The Worker's own fetch under production settings, as a deployed edge would answer. */
async function underProductionRules(path: string, init: RequestInit = {}): Promise<{ status: number; marked: string | null; body: Record<string, unknown> }> {
  const ctx = createExecutionContext();
  contexts.push(ctx);
  const response = await worker.fetch(new Request(`${BASE}${path}`, { redirect: "manual", ...init }), PRODUCTION, ctx);
  const text = await response.text();
  return { status: response.status, marked: response.headers.get("x-edgevault-error"), body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const agentHeaders = (s: ProxySetup, id: string) => ({ Authorization: `Bearer ${s.agent.token}`, "X-Vault": s.vault, "x-test-id": id });

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(contexts.splice(0).map((ctx) => waitOnExecutionContext(ctx)));
});

describe("under production rules the proxy never reaches a private host", () => {
  it("a service made in dev for loopback, localhost or a single label forwards there in dev, and is 403 forbidden_host in production with nothing sent", async () => {
    const s = await proxySetup();
    const port = upstreamPort();
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, "upstream"]) {
      const name = `private-${host.split(/[.:]/)[0]}`;
      const made = await call("POST", `/v1/vaults/${s.vault}/services`, {
        token: s.company.ownerKey,
        body: { name, host, upstream: upstreamUrl(), auth: { type: "bearer", token: "API_KEY" } },
      });
      expect(made.status, host).toBe(201);

      const inDev = requestId();
      const dev = await SELF.fetch(`${BASE}/proxy/${host}/x`, { headers: agentHeaders(s, inDev) });
      await dev.arrayBuffer();
      expect(dev.status, host).toBe(200);
      expect((await recorded(inDev)).map((r) => r.headers.authorization)).toEqual(["Bearer secret-api-key-value"]);

      const inProduction = requestId();
      const production = await underProductionRules(`/proxy/${host}/x`, { headers: agentHeaders(s, inProduction) });
      expect(production, host).toMatchObject({ status: 403, marked: "forbidden_host", body: { error: "forbidden_host" } });
      expect(await recorded(inProduction), host).toEqual([]);
    }
  });

  // [target, status, code] with production's rules: every IP literal and internal name is forbidden_host.
  const TARGETS: [target: string, status: number, code: string][] = [
    ["127.0.0.1", 403, "forbidden_host"],
    ["[::1]", 403, "forbidden_host"],
    ["localhost", 403, "forbidden_host"],
    ["intranet", 403, "forbidden_host"],
    ["metadata", 403, "forbidden_host"],
    ["10.0.0.1", 403, "forbidden_host"],
    ["169.254.169.254", 403, "forbidden_host"],
    ["2130706433", 403, "forbidden_host"],
    ["0x7f.1", 403, "forbidden_host"],
    ["0177.0.0.1", 403, "forbidden_host"],
    ["127.1", 403, "forbidden_host"],
    ["0.0.0.0", 403, "forbidden_host"],
    ["[::ffff:169.254.169.254]", 403, "forbidden_host"],
    ["[fd00::1]", 403, "forbidden_host"],
    ["8.8.8.8", 403, "forbidden_host"],
    ["metadata.google.internal", 403, "forbidden_host"],
    ["printer.local", 403, "forbidden_host"],
    ["router.home.arpa", 403, "forbidden_host"],
    ["db.corp", 403, "forbidden_host"],
    ["localhost.", 400, "invalid_host"],
    ["user@localhost", 400, "invalid_host"],
    ["127.0.0.1%2f", 400, "invalid_host"],
    ["api.not-configured.com", 403, "forbidden"],
  ];

  it("each target answers its exact code, and none reaches fetch; the service's own host still forwards", async () => {
    const s = await proxySetup();
    const spy = vi.spyOn(globalThis, "fetch");
    const answers: [string, number, unknown][] = [];
    for (const [target] of TARGETS) {
      const res = await underProductionRules(`/proxy/${target}/x`, { headers: agentHeaders(s, requestId()) });
      expect(res.marked, target).toBe(res.body.error);
      answers.push([target, res.status, res.body.error]);
    }
    expect(answers).toEqual(TARGETS);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();

    // The same edge, same settings, forwards a public service host: the refusals above are the rules, not a broken setup.
    const id = requestId();
    expect(await underProductionRules(`/proxy/${s.host}/x`, { headers: agentHeaders(s, id) })).toMatchObject({ status: 200 });
    expect((await recorded(id)).map((r) => r.headers.authorization)).toEqual(["Bearer secret-api-key-value"]);
  });

  it("nobody can add a private host or a plain-http upstream in production, by API or proposal", async () => {
    const s = await proxySetup();
    const post = (body: Record<string, unknown>) =>
      underProductionRules(`/v1/vaults/${s.vault}/services`, {
        method: "POST",
        headers: { Authorization: `Bearer ${s.company.ownerKey}`, "Content-Type": "application/json" },
        body: JSON.stringify({ name: "private", auth: { type: "passthrough" }, ...body }),
      });
    for (const host of ["127.0.0.1", "localhost:8787", "upstream", "metadata.google.internal", "*.co.uk"])
      expect(await post({ host }), host).toMatchObject({ status: 400, body: { error: "invalid_host" } });
    expect(await post({ host: "api.example.com", upstream: upstreamUrl() })).toMatchObject({ status: 400, body: { error: "invalid_upstream" } });
    expect(await post({ host: "api.example.com", upstream: "https://127.0.0.1" })).toMatchObject({ status: 400, body: { error: "invalid_upstream" } });

    const proposal = await underProductionRules("/v1/proposals", {
      method: "POST",
      headers: { ...agentHeaders(s, requestId()), "Content-Type": "application/json" },
      body: JSON.stringify({ services: [{ name: "loop", host: "localhost", auth: { type: "passthrough" } }], message: "please" }),
    });
    expect(proposal).toMatchObject({ status: 400, body: { error: "invalid_host" } });
  });
});
