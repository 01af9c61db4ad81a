/**
 * A service's per-request rules at `/proxy`, against the real recording upstream: substitutions
 * (a credential placed where a placeholder stands, only in its declared surfaces, URL-encoded in
 * path and query, with every auth type) and method rules (any other method is 403
 * `method_not_allowed` and never reaches the upstream).
 */
import { describe, expect, it } from "vitest";
import { call, createCompany, createVault, inviteAgent, unique } from "./helpers.ts";
import { proxyFetch, proxySetup } from "./proxy-support.ts";
import { recorded, requestId, upstreamUrl } from "./upstream.ts";

const TW_SID = "AC0123456789abcdef0123456789abcdef";

/** A vault whose one service carries `rules`, with `credentials` stored. */
async function ruledService(rules: Record<string, unknown>, credentials: Record<string, string> = { API_KEY: "secret-api-key-value", TW_SID }, auth?: unknown) {
  const s = await proxySetup({ credentials, ...(auth ? { auth: auth as Record<string, unknown> } : {}) });
  const patched = await call("PATCH", `/v1/vaults/${s.vault}/services/svc`, { token: s.company.ownerKey, body: rules });
  expect(patched.status, patched.text).toBe(200);
  return s;
}

describe("a credential goes where its placeholder stands, in its declared surfaces only", () => {
  it("path: Twilio's account SID into /Accounts/__sid__/, the rest of the URL byte for byte", async () => {
    const s = await ruledService({ substitutions: [{ key: "TW_SID", placeholder: "__sid__", in: ["path"] }] });
    const id = requestId();
    expect((await proxyFetch(s, `/r/${id}/2010-04-01/Accounts/__sid__/Calls.json?PageSize=20`)).status).toBe(200);
    expect((await recorded(id))[0]?.url).toBe(`/r/${id}/2010-04-01/Accounts/${TW_SID}/Calls.json?PageSize=20`);
  });

  it("the value is URL-encoded in the path (one segment) and in the query", async () => {
    const odd = "a b/c?d&e=f#g%";
    const s = await ruledService({ substitutions: [{ key: "ODD", placeholder: "__odd__" }] }, { API_KEY: "secret-api-key-value", ODD: odd });
    const id = requestId();
    expect((await proxyFetch(s, `/r/${id}/x/__odd__/y?api_key=__odd__&q=1`)).status).toBe(200);
    expect((await recorded(id))[0]?.url).toBe(`/r/${id}/x/a%20b%2Fc%3Fd&e=f%23g%25/y?api_key=a%20b%2Fc%3Fd%26e%3Df%23g%25&q=1`);
  });

  it("query: a legacy ?api_key= gets the key", async () => {
    const s = await ruledService({ substitutions: [{ key: "API_KEY", placeholder: "__key__", in: ["query"] }] });
    const id = requestId();
    await proxyFetch(s, `/r/${id}/v1/search?api_key=__key__&q=cats`);
    expect((await recorded(id))[0]?.url).toBe(`/r/${id}/v1/search?api_key=secret-api-key-value&q=cats`);
  });

  it("header: a header the agent writes gets the value, never the header's name", async () => {
    const s = await ruledService({ substitutions: [{ key: "TW_SID", placeholder: "__sid__", in: ["header"] }] });
    const id = requestId();
    await proxyFetch(s, `/r/${id}/x`, { headers: { "X-Account": "account=__sid__", "X-Other": "plain" } });
    const got = (await recorded(id))[0]?.headers ?? {};
    expect(got["x-account"]).toBe(`account=${TW_SID}`);
    expect(got["x-other"]).toBe("plain");
  });

  it("a placeholder outside its surfaces passes literally (query, header and body of a path-only substitution)", async () => {
    const s = await ruledService({ substitutions: [{ key: "TW_SID", placeholder: "__sid__", in: ["path"] }] });
    const id = requestId();
    await proxyFetch(s, `/r/${id}/__sid__?sid=__sid__`, { method: "POST", body: "sid=__sid__", headers: { "X-Sid": "__sid__" } });
    const got = (await recorded(id))[0];
    expect(got?.url).toBe(`/r/${id}/${TW_SID}?sid=__sid__`);
    expect(got?.headers["x-sid"]).toBe("__sid__");
    expect(got?.bodyText).toBe("sid=__sid__");
  });

  it("a placeholder written in another case, or percent-encoded, is not the placeholder", async () => {
    const s = await ruledService({ substitutions: [{ key: "TW_SID", placeholder: "__sid__" }] });
    const id = requestId();
    await proxyFetch(s, `/r/${id}/__SID__/%5F%5Fsid%5F%5F`);
    expect((await recorded(id))[0]?.url).toBe(`/r/${id}/__SID__/%5F%5Fsid%5F%5F`);
  });

  const auths: [string, Record<string, unknown>, string | undefined][] = [
    ["bearer", { type: "bearer", token: "API_KEY" }, "Bearer secret-api-key-value"],
    ["basic", { type: "basic", username: "TW_SID", password: "API_KEY" }, `Basic ${btoa(`${TW_SID}:secret-api-key-value`)}`],
    ["api-key", { type: "api-key", key: "API_KEY", header: "X-Api-Key" }, undefined],
    ["custom", { type: "custom", headers: { "X-Auth": "k={{ API_KEY }}" } }, undefined],
    ["passthrough", { type: "passthrough" }, undefined],
  ];
  for (const [name, auth, authorization] of auths) {
    it(`composes with ${name} auth`, async () => {
      const s = await ruledService({ auth, substitutions: [{ key: "TW_SID", placeholder: "__sid__", in: ["path"] }] });
      const id = requestId();
      expect((await proxyFetch(s, `/r/${id}/Accounts/__sid__`)).status).toBe(200);
      const got = (await recorded(id))[0];
      expect(got?.url).toBe(`/r/${id}/Accounts/${TW_SID}`);
      expect(got?.headers.authorization).toBe(authorization);
    });
  }

  it("a substitution's key missing from the vault is 502 credential_not_found naming it, and nothing is forwarded", async () => {
    const s = await ruledService({ substitutions: [{ key: "NOT_STORED", placeholder: "__gone__" }] });
    const id = requestId();
    const res = await proxyFetch(s, `/r/${id}/__gone__`);
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: "credential_not_found", key: "NOT_STORED" });
    expect(await recorded(id)).toEqual([]);
  });

  it("a value that cannot go in a header is 502 credential_invalid naming its key, and nothing is forwarded", async () => {
    const s = await ruledService({ substitutions: [{ key: "BAD", placeholder: "__bad__", in: ["header"] }] }, { API_KEY: "x-value", BAD: "v\nX-Evil: 1" });
    const id = requestId();
    const res = await proxyFetch(s, `/r/${id}/x`, { headers: { "X-A": "__bad__" } });
    expect(res.status).toBe(502);
    const body = await res.text();
    expect(JSON.parse(body)).toMatchObject({ error: "credential_invalid", key: "BAD" });
    expect(body).not.toContain("X-Evil");
    expect(await recorded(id)).toEqual([]);
  });

  it("the request log keeps the path the agent wrote, never the value", async () => {
    const s = await ruledService({ substitutions: [{ key: "TW_SID", placeholder: "__sid__", in: ["path"] }] });
    // The row is written once the body has been handed on.
    await (await proxyFetch(s, `/r/${requestId()}/Accounts/__sid__`)).text();
    const logs = await call("GET", `/v1/vaults/${s.vault}/logs`, { token: s.company.ownerKey });
    expect((logs.body.entries as { path: string }[]).map((e) => e.path).join(" ")).toContain("/Accounts/__sid__");
    expect(logs.text).not.toContain(TW_SID);
  });
});

describe("an unsafe placeholder is refused before anything is written", () => {
  it.each([
    ["account_sid", "an ordinary URL word"],
    ["_s_", "too short"],
    ["____", "no letter or digit"],
    ["__a/b__", "a reserved character"],
    ["__%41__", "percent-encoding"],
  ])("%s (%s): 400 on create, on change and in a proposal", async (placeholder) => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const host = `${unique("ph").slice(0, 30)}.example.com`;
    const service = { name: "svc", host, upstream: upstreamUrl(), auth: { type: "passthrough" } };
    const created = await call("POST", `/v1/vaults/${vault}/services`, {
      token: company.ownerKey,
      body: { ...service, substitutions: [{ key: "K", placeholder }] },
    });
    expect(created.status).toBe(400);
    expect(created.body.message).toContain("placeholder");
    expect((await call("POST", `/v1/vaults/${vault}/services`, { token: company.ownerKey, body: service })).status).toBe(201);
    const changed = await call("PATCH", `/v1/vaults/${vault}/services/svc`, { token: company.ownerKey, body: { substitutions: [{ key: "K", placeholder }] } });
    expect(changed.status).toBe(400);
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
    const proposed = await call("POST", "/v1/proposals", {
      token: agent.token,
      headers: { "X-Vault": vault },
      body: {
        services: [{ name: "other", host: `x.${host}`, auth: { type: "passthrough" }, substitutions: [{ key: "K", placeholder }] }],
        credentials: [{ key: "K" }],
      },
    });
    expect(proposed.status).toBe(400);
    expect((await call("GET", `/v1/vaults/${vault}/services/svc`, { token: company.ownerKey })).body.service).toMatchObject({ substitutions: [] });
  });
});

describe("a service's methods are the only ones that reach its upstream", () => {
  it("read-only GitHub: GET and HEAD pass; DELETE is 403 method_not_allowed with a proposal_hint, and the upstream never hears it", async () => {
    const s = await ruledService({ methods: ["GET", "HEAD"] });
    const id = requestId();
    expect((await proxyFetch(s, `/r/${id}/repos/o/r`)).status).toBe(200);
    expect((await proxyFetch(s, `/r/${id}/repos/o/r`, { method: "HEAD" })).status).toBe(200);
    for (const method of ["DELETE", "POST", "PUT", "PATCH", "OPTIONS"]) {
      const refused = await proxyFetch(s, `/r/${id}/repos/o/r`, { method, ...(method === "OPTIONS" ? {} : { body: "{}" }) });
      expect(refused.status, method).toBe(403);
      expect(refused.headers.get("x-edgevault-error")).toBe("method_not_allowed");
      expect(refused.headers.get("allow")).toBe("GET, HEAD");
      expect(await refused.json()).toMatchObject({
        error: "method_not_allowed",
        allowed_methods: ["GET", "HEAD"],
        proposal_hint: { host: s.host, service: "svc", endpoint: "POST /v1/proposals", methods: ["GET", "HEAD", method] },
      });
    }
    expect((await recorded(id)).map((r) => r.method)).toEqual(["GET", "HEAD"]);
  });

  it("a refused method is refused before any credential is read: a missing one is never the answer", async () => {
    const s = await ruledService({ methods: ["GET"], auth: { type: "bearer", token: "NEVER_STORED" } });
    expect((await proxyFetch(s, "/x", { method: "DELETE" })).status).toBe(403);
    expect((await proxyFetch(s, "/x")).status).toBe(502);
  });

  it("widening the rule takes effect on the next request; null means every method again", async () => {
    const s = await ruledService({ methods: ["GET"] });
    expect((await proxyFetch(s, "/x", { method: "POST", body: "a" })).status).toBe(403);
    await call("PATCH", `/v1/vaults/${s.vault}/services/svc`, { token: s.company.ownerKey, body: { methods: ["GET", "POST"] } });
    expect((await proxyFetch(s, "/x", { method: "POST", body: "a" })).status).toBe(200);
    expect((await proxyFetch(s, "/x", { method: "DELETE" })).status).toBe(403);
    await call("PATCH", `/v1/vaults/${s.vault}/services/svc`, { token: s.company.ownerKey, body: { methods: null } });
    expect((await proxyFetch(s, "/x", { method: "DELETE" })).status).toBe(200);
  });

  it("the refusal is in the request log as method_not_allowed", async () => {
    const s = await ruledService({ methods: ["GET"] });
    await proxyFetch(s, "/refused", { method: "DELETE" });
    const logs = await call("GET", `/v1/vaults/${s.vault}/logs?denied=true`, { token: s.company.ownerKey });
    expect((logs.body.entries as { denial: string; method: string }[]).map((e) => [e.method, e.denial])).toContainEqual(["DELETE", "method_not_allowed"]);
  });

  it("an empty or unknown method list is refused when the service is written", async () => {
    const s = await proxySetup();
    for (const methods of [[], ["TRACE"], ["get"], ["GET", "GET"]]) {
      expect(
        (await call("PATCH", `/v1/vaults/${s.vault}/services/svc`, { token: s.company.ownerKey, body: { methods } })).status,
        JSON.stringify(methods),
      ).toBe(400);
    }
  });
});

describe("/discover shows placeholders and methods, never values", () => {
  it("the service's placeholders, keys and methods; the seed's fields unchanged; no value anywhere", async () => {
    const s = await ruledService({ methods: ["GET", "HEAD"], substitutions: [{ key: "TW_SID", placeholder: "__sid__", in: ["path"] }] });
    const res = await call("GET", "/discover", { token: s.agent.token, headers: { "X-Vault": s.vault } });
    expect(res.status).toBe(200);
    expect(res.body.services).toEqual([
      {
        host: s.host,
        description: "Test API",
        enabled: true,
        substitutions: [{ placeholder: "__sid__", key: "TW_SID", in: ["path"] }],
        methods: ["GET", "HEAD"],
      },
    ]);
    expect(res.text).not.toContain(TW_SID);
    expect(res.text).not.toContain("secret-api-key-value");
  });

  it("a service without rules is listed with the seed's fields alone", async () => {
    const s = await proxySetup();
    const res = await call("GET", "/discover", { token: s.agent.token, headers: { "X-Vault": s.vault } });
    expect(res.body.services).toEqual([{ host: s.host, description: "Test API", enabled: true }]);
  });
});
