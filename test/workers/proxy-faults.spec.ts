/**
 * Faults upstream: an upstream that refuses, hangs, resets mid-body, sends oversize headers or an
 * endless body. Each gets a clean answer (a 502/504 JSON error, or a body that ends in an error
 * instead of hanging), a request-log row, and its in-flight slot back: under
 * `max_concurrent: 1` the next request is admitted, never 429 too_many_in_flight.
 */
import { describe, expect, it } from "vitest";
import { flushRequestLog } from "../../workers/request-log/request-log.writer.ts";
import { call, redeem } from "./helpers.ts";
import { type ProxySetup, proxyFetch, proxySetup } from "./proxy-support.ts";
import { requestId } from "./upstream.ts";

async function oneAtATime(upstream?: string): Promise<ProxySetup> {
  const s = await proxySetup(upstream ? { upstream } : {});
  await call("PATCH", `/v1/vaults/${s.vault}`, { token: s.company.ownerKey, body: { rate_limit: { max_concurrent: 1 } } });
  return s;
}

/** The vault's request-log rows with this status, after the buffered rows are written. */
async function loggedWith(s: ProxySetup, status: number): Promise<number> {
  await flushRequestLog();
  const logs = await call("GET", `/v1/vaults/${s.vault}/logs`, { token: s.company.ownerKey });
  return (logs.body.entries as { status: number }[]).filter((entry) => entry.status === status).length;
}

/** The caller's next request is admitted (its slot came back), never 429 too_many_in_flight. */
async function expectNextAdmitted(s: ProxySetup): Promise<void> {
  const next = await proxyFetch(s, `/r/${requestId()}/x`);
  expect(next.status).toBe(200);
  await next.arrayBuffer();
}

/** Reads a body to its end or its error; true when it ended in an error. */
async function bodyFails(response: Response): Promise<boolean> {
  try {
    await response.arrayBuffer();
    return false;
  } catch {
    return true;
  }
}

describe("faults upstream: clean answers, logged, slot released (max_concurrent: 1)", () => {
  it("refused connection → 502 upstream_unreachable", async () => {
    const s = await oneAtATime("http://127.0.0.1:1");
    const refused = await proxyFetch(s, "/x");
    expect(refused.status).toBe(502);
    expect(((await refused.json()) as { error: string }).error).toBe("upstream_unreachable");
    const next = await proxyFetch(s, "/x");
    await next.arrayBuffer();
    expect(next.status).toBe(502);
    expect(await loggedWith(s, 502)).toBe(2);
  });

  it("an upstream that never answers → 504 upstream_timeout", async () => {
    const s = await oneAtATime();
    const hung = await proxyFetch(s, `/r/${requestId()}/hang`);
    expect(hung.status).toBe(504);
    expect(((await hung.json()) as { error: string }).error).toBe("upstream_timeout");
    await expectNextAdmitted(s);
    expect(await loggedWith(s, 504)).toBe(1);
  });

  it("a reset mid-body of a streamed answer (over 1 MiB) ends the client's body in an error, not a hang", async () => {
    const s = await oneAtATime();
    const reset = await proxyFetch(s, `/r/${requestId()}/reset/2000000`);
    expect(reset.status).toBe(200);
    expect(await bodyFails(reset)).toBe(true);
    await expectNextAdmitted(s);
    // Both are logged: the reset one with the status its head carried, and no byte count (it failed part-way).
    expect(await loggedWith(s, 200)).toBe(2);
    const logs = await call("GET", `/v1/vaults/${s.vault}/logs`, { token: s.company.ownerKey });
    expect((logs.body.entries as { bytes_out: number | null }[]).map((entry) => entry.bytes_out)).toContain(null);
  });

  it("an answer read whole to be redacted that breaks off before its declared end → 502 upstream_unreachable, never a short 200", async () => {
    const s = await oneAtATime();
    const reset = await proxyFetch(s, `/r/${requestId()}/reset/5000`);
    expect(reset.status).toBe(502);
    const refusal = (await reset.json()) as { error: string; message: string };
    expect(refusal.error).toBe("upstream_unreachable");
    expect(refusal.message).toContain("broke off before its declared end");
    await expectNextAdmitted(s);
    expect(await loggedWith(s, 502)).toBe(1);
  });

  it("an answer read whole that is still arriving after the wait streams from where it is: the agent gets the head, not a hang", async () => {
    const s = await oneAtATime();
    const partial = await proxyFetch(s, `/r/${requestId()}/partial/5000`);
    expect(partial.status).toBe(200);
    expect(partial.headers.get("content-length")).toBeNull();
    const reader = (partial.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("the first part of a body that is still coming\n");
    await reader.cancel();
  });

  it("an interim answer (103 Early Hints) is never a 500: the final answer, or 502 upstream_unreachable saying so", async () => {
    const s = await oneAtATime();
    const res = await proxyFetch(s, `/r/${requestId()}/early-hints`);
    const body = (await res.json()) as { after?: string; error?: string; message?: string };
    expect([200, 502]).toContain(res.status);
    if (res.status === 200) expect(body.after).toBe("early hints");
    else expect([body.error, body.message?.includes("interim 103")]).toEqual(["upstream_unreachable", true]);
    const next = await proxyFetch(s, `/r/${requestId()}/x`);
    await next.arrayBuffer();
    expect(next.status).toBe(200);
  });

  it("oversize response headers → 502, never the headers", async () => {
    const s = await oneAtATime();
    const huge = await proxyFetch(s, `/r/${requestId()}/huge-headers/300000`);
    expect(huge.status).toBe(502);
    const body = await huge.text();
    expect(body).not.toContain("hhhhhhhh");
    expect((JSON.parse(body) as { error: string }).error).toBe("upstream_unreachable");
    await expectNextAdmitted(s);
    expect(await loggedWith(s, 502)).toBe(1);
  });

  it("an endless body the client abandons gives the slot back", async () => {
    const s = await oneAtATime();
    const endless = await proxyFetch(s, `/r/${requestId()}/endless`);
    expect(endless.status).toBe(200);
    const reader = endless.body?.getReader();
    const first = await reader?.read();
    expect(first?.value?.byteLength ?? 0).toBeGreaterThan(0);
    await reader?.cancel();
    await expectNextAdmitted(s);
  });
});

/** The vault's newest request-log row, after the buffered rows are written. */
async function newestEntry(s: ProxySetup): Promise<Record<string, unknown> | undefined> {
  await flushRequestLog();
  const logs = await call("GET", `/v1/vaults/${s.vault}/logs?limit=1`, { token: s.company.ownerKey });
  return (logs.body.entries as Record<string, unknown>[])[0];
}

describe("a body of declared length that is not redacted passes through the runtime's own stream (max_concurrent: 1)", () => {
  it("byte for byte, its Content-Length kept, its length logged, its slot back", async () => {
    const s = await oneAtATime();
    const big = await proxyFetch(s, `/r/${requestId()}/big/100000`);
    expect(big.headers.get("content-length")).toBe("100000");
    const bytes = new Uint8Array(await big.arrayBuffer());
    expect(bytes.byteLength).toBe(100000);
    expect(new TextDecoder().decode(bytes.subarray(0, 6))).toBe("abcdef");
    expect(await newestEntry(s)).toMatchObject({ status: 200, bytes_out: 100000 });
    const next = await proxyFetch(s, `/r/${requestId()}/big/16`);
    expect(next.status).toBe(200);
    expect((await next.arrayBuffer()).byteLength).toBe(16);
  });

  it("a reset mid-body of an unredacted answer over 1 MiB ends the client's body in an error, logged with no byte count, and the slot comes back", async () => {
    const s = await oneAtATime();
    const unredacted = await call("PATCH", `/v1/vaults/${s.vault}/services/svc`, { token: s.company.ownerKey, body: { redact_response: false } });
    expect(unredacted.status).toBe(200);
    const reset = await proxyFetch(s, `/r/${requestId()}/reset/2000000`);
    expect(reset.status).toBe(200);
    expect(await bodyFails(reset)).toBe(true);
    expect(await newestEntry(s)).toMatchObject({ status: 200, bytes_out: null });
    await expectNextAdmitted(s);
  });
});

describe("races", () => {
  it("rotation during in-flight requests: those admitted finish, the old token is refused from the next request on, one redemption wins", async () => {
    const s = await proxySetup();
    const inFlight = Array.from({ length: 4 }, () => proxyFetch(s, `/r/${requestId()}/slow/600`));
    const rotation = await call("POST", `/v1/agents/${s.agent.name}/rotate`, { token: s.company.ownerKey, body: {} });
    expect(rotation.status).toBe(201);
    const redemptions = await Promise.all([redeem(rotation.body.invite_url as string), redeem(rotation.body.invite_url as string)]);
    expect(redemptions.map((r) => r.status).sort()).toEqual([200, 410]);
    const fresh = redemptions.find((r) => r.status === 200)?.body.token as string;

    const finished = await Promise.all(inFlight);
    expect(finished.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    await Promise.all(finished.map((r) => r.arrayBuffer()));
    expect((await proxyFetch(s, `/r/${requestId()}/x`)).status).toBe(401);
    const withNew = await proxyFetch({ ...s, agent: { token: fresh } }, `/r/${requestId()}/x`);
    expect(withNew.status).toBe(200);
    await withNew.arrayBuffer();
  });
});
