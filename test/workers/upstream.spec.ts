import { describe, expect, it } from "vitest";
import { recorded, recordedSettled, requestId, upstreamUrl } from "./upstream.ts";

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("the recording upstream (test support)", () => {
  it("echoes a request and records it under the test's id", async () => {
    const id = requestId();
    const response = await fetch(upstreamUrl(`/r/${id}/echo?x=1`), { method: "POST", headers: { "anthropic-version": "2023-06-01" }, body: "hello" });
    expect(response.status).toBe(200);
    const echo = (await response.json()) as { method: string; url: string; bodyText: string };
    expect(echo).toMatchObject({ method: "POST", url: `/r/${id}/echo?x=1`, bodyText: "hello" });

    const [request, ...more] = await recordedSettled(id);
    expect(more).toEqual([]);
    expect(request).toMatchObject({ method: "POST", bodyBytes: 5, bodyText: "hello", complete: true });
    expect(request?.headers["anthropic-version"]).toBe("2023-06-01");
    expect(request?.bodySha256).toBe(await sha256Hex(new TextEncoder().encode("hello")));
    expect(await recorded(requestId())).toEqual([]);
  });

  it("records by x-test-id too, and serves status, redirect, cookies and big bodies", async () => {
    const id = requestId();
    expect((await fetch(upstreamUrl("/status/418"), { headers: { "x-test-id": id } })).status).toBe(418);
    expect((await fetch(upstreamUrl("/status/204"), { headers: { "x-test-id": id } })).status).toBe(204);

    const redirect = await fetch(upstreamUrl(`/r/${id}/redirect`), { redirect: "manual" });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe(`/r/${id}/redirected`);

    const cookies = await fetch(upstreamUrl(`/r/${id}/set-cookie`));
    expect(cookies.headers.get("set-cookie")).toContain("session=upstream-secret");
    await cookies.arrayBuffer();

    const big = await fetch(upstreamUrl(`/r/${id}/big/200000`));
    const bytes = new Uint8Array(await big.arrayBuffer());
    expect(bytes.length).toBe(200000);
    expect(bytes[0]).toBe(97);
    expect(bytes[199999]).toBe(97 + (199999 % 26));

    expect((await recorded(id)).map((r) => r.url)).toEqual(["/status/418", "/status/204", `/r/${id}/redirect`, `/r/${id}/set-cookie`, `/r/${id}/big/200000`]);
  });

  it("streams a large upload without keeping it: counted, hashed, 64 KiB kept as text", async () => {
    const id = requestId();
    const body = new Uint8Array(3 * 1024 * 1024).fill(120);
    const response = await fetch(upstreamUrl(`/r/${id}/upload`), { method: "PUT", body });
    expect(response.status).toBe(200);
    const [request] = await recordedSettled(id);
    expect(request?.bodyBytes).toBe(body.length);
    expect(request?.bodySha256).toBe(await sha256Hex(body));
    expect(request?.bodyText.length).toBe(64 * 1024);
  });

  it("delays with /slow and never answers /hang", async () => {
    const id = requestId();
    const started = Date.now();
    expect((await fetch(upstreamUrl(`/r/${id}/slow/150`))).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    const controller = new AbortController();
    const hung = fetch(upstreamUrl(`/r/${id}/hang`), { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    await expect(hung).rejects.toThrow();
    expect((await recorded(id)).map((r) => r.url)).toEqual([`/r/${id}/slow/150`, `/r/${id}/hang`]);
  });
});
