/**
 * A service's `methods` rule holds every method a request asks its upstream to run, not only the
 * request line's: an override header (X-HTTP-Method-Override, X-HTTP-Method, X-Method-Override,
 * however spelt) or a `_method` field in the query or a form body naming a method outside the
 * list is 403 `method_not_allowed` like the method itself, and the upstream never hears it. An
 * override naming an allowed method passes on unchanged. Against the real recording upstream.
 */
import { describe, expect, it } from "vitest";
import { call } from "./helpers.ts";
import { proxyFetch, proxySetup } from "./proxy-support.ts";
import { recorded, requestId } from "./upstream.ts";

async function getPostService() {
  const s = await proxySetup();
  const patched = await call("PATCH", `/v1/vaults/${s.vault}/services/svc`, { token: s.company.ownerKey, body: { methods: ["GET", "POST"] } });
  expect(patched.status, patched.text).toBe(200);
  return s;
}

async function expectRefusedAs(response: Response, method: string) {
  expect(response.status).toBe(403);
  expect(response.headers.get("x-edgevault-error")).toBe("method_not_allowed");
  const body = (await response.json()) as { error: string; message: string; proposal_hint: { methods: string[] } };
  expect(body.error).toBe("method_not_allowed");
  expect(body.message).toContain(`${method} is not allowed`);
  expect(body.proposal_hint.methods).toEqual(["GET", "POST", method]);
}

describe("a method override naming a method outside the service's list is refused like the method itself", () => {
  it("X-HTTP-Method-Override, X-HTTP-Method, X-Method-Override (any case, _ for -) and ?_method=DELETE: 403, nothing reaches the upstream", async () => {
    const s = await getPostService();
    const id = requestId();
    const asked: [string, RequestInit & { headers?: Record<string, string> }][] = [
      ["/x", { method: "POST", body: "{}", headers: { "X-HTTP-Method-Override": "DELETE" } }],
      ["/x", { method: "POST", body: "{}", headers: { "X-HTTP-Method": "delete" } }],
      ["/x", { method: "POST", body: "{}", headers: { "x-method-override": " Delete " } }],
      ["/x", { method: "POST", body: "{}", headers: { X_HTTP_Method_Override: "DELETE" } }],
      ["/x", { method: "GET", headers: { "X-HTTP-Method-Override": "GET, DELETE" } }],
      ["/x?_method=DELETE", { method: "POST", body: "{}" }],
      ["/x?a=1&%5Fmethod=DELETE", { method: "GET" }],
    ];
    for (const [path, init] of asked) await expectRefusedAs(await proxyFetch(s, `/r/${id}${path}`, init), "DELETE");
    expect(await recorded(id)).toEqual([]);
  });

  it("a _method field in a form body (urlencoded or multipart) naming DELETE is refused; the upstream never hears it", async () => {
    const s = await getPostService();
    const id = requestId();
    const urlencoded = await proxyFetch(s, `/r/${id}/x`, {
      method: "POST",
      body: "name=a&_method=DELETE",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    await expectRefusedAs(urlencoded, "DELETE");
    const form = new FormData();
    form.set("name", "a");
    form.set("_method", "DELETE");
    await expectRefusedAs(await proxyFetch(s, `/r/${id}/x`, { method: "POST", body: form }), "DELETE");
    expect(await recorded(id)).toEqual([]);
  });

  it("an override naming an allowed method passes on unchanged, and a form's body still reaches the upstream whole", async () => {
    const s = await getPostService();
    const id = requestId();
    expect((await proxyFetch(s, `/r/${id}/a`, { method: "POST", body: "{}", headers: { "X-HTTP-Method-Override": "GET" } })).status).toBe(200);
    const body = `name=a&_method=POST&blob=${"x".repeat(10_000)}`;
    const posted = await proxyFetch(s, `/r/${id}/b`, { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(posted.status).toBe(200);
    const got = await recorded(id);
    expect(got.map((r) => [r.method, r.url, r.headers["x-http-method-override"]])).toEqual([
      ["POST", `/r/${id}/a`, "GET"],
      ["POST", `/r/${id}/b`, undefined],
    ]);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)));
    expect(got[1]?.bodySha256).toBe([...digest].map((b) => b.toString(16).padStart(2, "0")).join(""));
  });

  it("without a methods rule nothing is checked or read: an override passes as any header does", async () => {
    const s = await proxySetup();
    const id = requestId();
    expect((await proxyFetch(s, `/r/${id}/x?_method=DELETE`, { method: "POST", body: "{}", headers: { "X-HTTP-Method-Override": "DELETE" } })).status).toBe(
      200,
    );
    expect((await recorded(id)).map((r) => r.headers["x-http-method-override"])).toEqual(["DELETE"]);
  });
});
