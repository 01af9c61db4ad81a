/**
 * Redaction at `/proxy`, against the real recording upstream's `/reflect` route (an upstream that
 * echoes the credential it received, as a debug endpoint or an error page does): every value the
 * edge injected or substituted comes back as `[REDACTED:<KEY>]` — in headers, in each encoding,
 * split across the upstream's writes, in an event stream — unless the service turns it off; binary
 * types pass untouched; the request log counts the redactions.
 */
import { describe, expect, it, vi } from "vitest";
import { call } from "./helpers.ts";
import { proxyFetch, proxySetup } from "./proxy-support.ts";
import { requestId } from "./upstream.ts";
import { SMALL_ANSWER, WHOLE_ANSWER_LIMIT, wholeAnswersHeld } from "../../workers/proxy/whole-answers.ts";

const KEY = "sk_live_51HxT2QJ9vK3mLpRsT7uVwXyZ";

/** A service whose bearer credential is `KEY`, plus `rules`. */
async function echoing(rules: Record<string, unknown> = {}, credentials: Record<string, string> = { API_KEY: KEY }, auth?: Record<string, unknown>) {
  const s = await proxySetup({ credentials, ...(auth ? { auth } : {}) });
  if (Object.keys(rules).length) {
    const patched = await call("PATCH", `/v1/vaults/${s.vault}/services/svc`, { token: s.company.ownerKey, body: rules });
    expect(patched.status, patched.text).toBe(200);
  }
  return s;
}

const reflect = (query: string) => `/r/${requestId()}/x?${query}`;

/** The last log entry of the vault (the read writes buffered rows first, in local dev). */
async function lastEntry(s: Awaited<ReturnType<typeof echoing>>) {
  const logs = await call("GET", `/v1/vaults/${s.vault}/logs?limit=1`, { token: s.company.ownerKey });
  return (logs.body.entries as Record<string, unknown>[])[0];
}

describe("a credential the upstream echoes back is redacted before the agent sees it", () => {
  it("in a JSON body and a header; the request log counts both", async () => {
    const s = await echoing();
    const res = await proxyFetch(s, reflect("shape=json"), { headers: { "X-Test-Route": "/reflect" } });
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(JSON.parse(body)).toEqual({ debug: { seen: "[REDACTED:API_KEY]" }, ok: false });
    expect(res.headers.get("x-echoed")).toBe("[REDACTED:API_KEY]");
    // Redacted whole (a small answer of declared length): the length is the redacted body's.
    expect(res.headers.get("content-length")).toBe(String(new TextEncoder().encode(body).byteLength));
    expect(await lastEntry(s)).toMatchObject({ status: 200, redactions: 2 });
  });

  it.each(["base64", "base64url", "percent", "json"])("in its %s form", async (form) => {
    const s = await echoing({}, { API_KEY: `${KEY}/+= &"x` });
    const res = await proxyFetch(s, reflect(`form=${form}&shape=text&type=text/plain`), { headers: { "X-Test-Route": "/reflect" } });
    expect(await res.text()).toBe("Unauthorized: the key [REDACTED:API_KEY] was refused\n");
  });

  it("split across the upstream's writes at every byte", async () => {
    const s = await echoing();
    const res = await proxyFetch(s, reflect("shape=json&chunk=1"), { headers: { "X-Test-Route": "/reflect" } });
    expect(JSON.parse(await res.text())).toEqual({ debug: { seen: "[REDACTED:API_KEY]" }, ok: false });
  });

  it("in a gzip-encoded answer: what the edge redacts is the decoded body", async () => {
    const s = await echoing();
    const res = await proxyFetch(s, reflect("shape=json&gzip=1&chunk=64"), { headers: { "X-Test-Route": "/reflect", "Accept-Encoding": "gzip" } });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).not.toContain(KEY);
    expect(JSON.parse(body)).toEqual({ debug: { seen: "[REDACTED:API_KEY]" }, ok: false });
  });

  it("in an event stream, split across writes, the events after it intact", async () => {
    const s = await echoing();
    const res = await proxyFetch(s, reflect("shape=sse&type=text/event-stream&chunk=7"), { headers: { "X-Test-Route": "/reflect" } });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(await res.text()).toBe('data: {"n":1}\n\ndata: {"token":"[REDACTED:API_KEY]"}\n\ndata: [DONE]\n\n');
  });

  it("a substituted value is redacted like an injected one (the upstream echoes the URL it was asked for)", async () => {
    const sid = "AC7f9e2d1c0b3a4958fedcba9876543210";
    const s = await echoing({ substitutions: [{ key: "TW_SID", placeholder: "__sid__", in: ["path"] }] }, { API_KEY: KEY, TW_SID: sid });
    const res = await proxyFetch(s, `/r/${requestId()}/Accounts/__sid__/Calls.json`);
    const echo = (await res.json()) as { url: string };
    expect(echo.url).toMatch(/\/Accounts\/\[REDACTED:TW_SID\]\/Calls\.json$/);
    expect(JSON.stringify(echo)).not.toContain(sid);
  });

  it("basic auth: the Authorization header the upstream echoes (the base64 of user:pass) is redacted", async () => {
    const s = await echoing({}, { USER: "ACcount-user-01", PASS: "pa55word-very-secret" }, { type: "basic", username: "USER", password: "PASS" });
    const res = await proxyFetch(s, `/r/${requestId()}/echo`);
    const echo = (await res.json()) as { headers: Record<string, string> };
    expect(echo.headers.authorization).toBe("Basic [REDACTED:PASS]");
  });

  it("a binary type passes untouched (documented): its bytes are the upstream's", async () => {
    const s = await echoing();
    const res = await proxyFetch(s, reflect("shape=bytes&type=application/octet-stream"), { headers: { "X-Test-Route": "/reflect" } });
    expect(await res.text()).toBe(KEY);
    expect(res.headers.get("content-length")).toBe(String(KEY.length));
    // The header is still redacted: only the body of a binary type is left alone.
    expect(res.headers.get("x-echoed")).toBe("[REDACTED:API_KEY]");
  });

  it("redact_response: false turns it off; the log then records no count", async () => {
    const s = await echoing({ redact_response: false });
    const res = await proxyFetch(s, reflect("shape=json"), { headers: { "X-Test-Route": "/reflect" } });
    expect(JSON.parse(await res.text())).toEqual({ debug: { seen: KEY }, ok: false });
    expect(res.headers.get("x-echoed")).toBe(KEY);
    expect(await lastEntry(s)).toMatchObject({ status: 200, redactions: null });
  });

  it("redact_response: false and a gzip answer: the agent gets the whole decoded body (its declared length was the compressed one)", async () => {
    const s = await echoing({ redact_response: false });
    const res = await proxyFetch(s, reflect("shape=text&type=text/plain&gzip=1&pad=5000"), {
      headers: { "X-Test-Route": "/reflect", "Accept-Encoding": "gzip" },
    });
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(body).toBe(`${".".repeat(5000)}Unauthorized: the key ${KEY} was refused\n`);
    expect(res.headers.get("content-length")).toBeNull();
  });

  it("a response that echoes nothing passes byte for byte, its length kept only when nothing could change it", async () => {
    const s = await echoing();
    const res = await proxyFetch(s, `/r/${requestId()}/big/100000`, { headers: { "X-Test-Route": "/big/100000" } });
    expect((await res.arrayBuffer()).byteLength).toBe(100000);
    expect(await lastEntry(s)).toMatchObject({ status: 200, redactions: 0, bytes_out: 100000 });
  });

  it("a small answer of declared length is redacted whole: the agent gets its exact Content-Length", async () => {
    const s = await echoing({ substitutions: [{ key: "API_KEY", placeholder: "__key__", in: ["path"] }] });
    const res = await proxyFetch(s, `/r/${requestId()}/echo/__key__`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const echoed = new TextDecoder().decode(bytes);
    expect(res.status).toBe(200);
    expect(echoed).not.toContain(KEY);
    expect((JSON.parse(echoed) as { url: string }).url).toMatch(/\/echo\/\[REDACTED:API_KEY\]$/);
    expect(res.headers.get("content-length")).toBe(String(bytes.byteLength));
    expect(await lastEntry(s)).toMatchObject({ status: 200, bytes_out: bytes.byteLength });
  });
});

describe("a large answer: read whole while the isolate has room, else streamed; redacted either way", () => {
  it.each([
    ["read whole (over 64 KiB, up to 1 MiB)", SMALL_ANSWER * 3, "shape=text&type=text/plain"],
    ["streamed (over 1 MiB)", WHOLE_ANSWER_LIMIT + 10, "shape=text&type=text/plain"],
    ["streamed (content-encoded: its declared length is the compressed one)", SMALL_ANSWER * 3, "shape=text&type=text/plain&gzip=1&chunk=65536"],
  ])("%s", async (_way, pad, query) => {
    const s = await echoing();
    const res = await proxyFetch(s, reflect(`${query}&pad=${pad}`), { headers: { "X-Test-Route": "/reflect", "Accept-Encoding": "gzip" } });
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(body.length).toBe(pad + "Unauthorized: the key [REDACTED:API_KEY] was refused\n".length);
    expect(body.endsWith("Unauthorized: the key [REDACTED:API_KEY] was refused\n")).toBe(true);
    expect(body).not.toContain(KEY);
    expect(await lastEntry(s)).toMatchObject({ status: 200, redactions: 2, bytes_out: body.length });
    // Whatever the isolate held whole is given back once the answer is handed on.
    await vi.waitFor(() => expect(wholeAnswersHeld()).toBe(0));
  });
});

describe("an agent that leaves a large answer half read", () => {
  it("costs the isolate's budget nothing once the answer is handed on", async () => {
    const s = await echoing();
    const res = await proxyFetch(s, reflect(`shape=text&type=text/plain&pad=${SMALL_ANSWER * 4}`), { headers: { "X-Test-Route": "/reflect" } });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    expect((await reader.read()).done).toBe(false);
    await reader.cancel();
    expect(wholeAnswersHeld()).toBe(0);
  });
});

describe("a value the edge put into the URL comes back redacted in the form the edge wrote it", () => {
  it("path: an AWS secret key substituted into a segment (`/` escaped, `+` kept) and echoed as the upstream received it", async () => {
    const secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const s = await echoing({ substitutions: [{ key: "AWS_SECRET", placeholder: "__aws__", in: ["path"] }] }, { API_KEY: KEY, AWS_SECRET: secret });
    const res = await proxyFetch(s, `/r/${requestId()}/keys/__aws__/x`);
    const echoed = await res.text();
    expect(echoed).not.toContain("wJalrXUtnFEMI%2FK7MDENG+bPxRfiCYEXAMPLEKEY");
    expect((JSON.parse(echoed) as { url: string }).url).toMatch(/\/keys\/\[REDACTED:AWS_SECRET\]\/x$/);
  });

  it("query: a value with ! * ( ) substituted into the query (escaped there) and echoed as received", async () => {
    const value = "tok!en*val(ue)99";
    const s = await echoing({ substitutions: [{ key: "Q", placeholder: "__q__", in: ["query"] }] }, { API_KEY: KEY, Q: value });
    const res = await proxyFetch(s, `/r/${requestId()}/search?key=__q__&n=1`);
    const echoed = await res.text();
    expect(echoed).not.toContain("tok%21en%2Aval%28ue%2999");
    expect((JSON.parse(echoed) as { url: string }).url).toMatch(/\?key=\[REDACTED:Q\]&n=1$/);
  });

  it.each(["application/javascript", "application/yaml", "multipart/mixed; boundary=b", "text/x-anything"])("a body of type %s is redacted", async (type) => {
    const s = await echoing();
    const res = await proxyFetch(s, reflect(`shape=text&type=${encodeURIComponent(type)}`), { headers: { "X-Test-Route": "/reflect" } });
    expect(await res.text()).toBe("Unauthorized: the key [REDACTED:API_KEY] was refused\n");
  });
});
