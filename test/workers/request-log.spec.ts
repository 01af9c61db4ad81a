/**
 * `GET /v1/vaults/{vault}/logs` paged both ways: `before` goes older, `after` newer (the closest
 * page above the cursor, newest first, as `vault logs --follow` reads what arrived), with the
 * filters kept and nothing of another vault. Rows are written straight to D1 so ids are known.
 * In local dev a read first writes the isolate's buffered rows (the CLI's suites rely on it).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDatabase } from "../../workers/db/client.ts";
import { writeRequestLogRows } from "../../workers/request-log/request-log.queries.ts";
import { flushRequestLog, logProxyRequest, waitBeforeFlushWith } from "../../workers/request-log/request-log.writer.ts";
import { call, createCompany, createVault } from "./helpers.ts";
import { proxyFetch, proxySetup } from "./proxy-support.ts";
import { requestId } from "./upstream.ts";

type Page = { entries: { id: number; path: string; status: number }[]; next_cursor: number | null; newer_cursor: number | null };

describe("request log paging both ways", () => {
  it("after reads the page just above its cursor, newest first; the cursors of both directions meet", async () => {
    const s = await proxySetup();
    const other = await createVault(s.company.ownerKey);
    const idOf = async (name: string) =>
      (await env.DB.prepare("SELECT id FROM vaults WHERE company_id = ? AND name = ?").bind(s.company.id, name).first<{ id: string }>())?.id;
    const [vaultId, otherId] = [await idOf(s.vault), await idOf(other)];
    const now = Date.now();
    const rows = Array.from({ length: 12 }, (_, i) => ({ vault: i % 4 === 3 ? otherId : vaultId, status: i % 3 === 2 ? 500 : 200, path: `/n/${i}` }));
    await env.DB.batch(
      rows.map((r, i) =>
        env.DB.prepare(
          "INSERT INTO request_log (company_id, vault_id, actor_type, actor_id, service, method, host, path, status, latency_ms, count, created_at) VALUES (?, ?, 'agent', 'agt_x', 'svc', 'GET', 'api.example.com', ?, ?, 1, 1, ?)",
        ).bind(s.company.id, r.vault, r.path, r.status, now + i),
      ),
    );
    // This vault, status 200: /n/0, 1, 4, 6, 9, 10 (3, 7, 11 are the other vault's; 2, 5, 8 failed).
    const read = async (query: string) => {
      const res = await call("GET", `/v1/vaults/${s.vault}/logs?status=200&limit=2&${query}`, { token: s.company.ownerKey });
      expect(res.status, query).toBe(200);
      return res.body as Page;
    };
    const paths = (p: Page) => p.entries.map((e) => e.path);

    const top = await read("");
    expect(paths(top)).toEqual(["/n/10", "/n/9"]);
    expect(top.newer_cursor).toBeNull();
    const middle = await read(`before=${top.next_cursor}`);
    expect(paths(middle)).toEqual(["/n/6", "/n/4"]);
    const bottom = await read(`before=${middle.next_cursor}`);
    expect(paths(bottom)).toEqual(["/n/1", "/n/0"]);
    expect(bottom.next_cursor).toBeNull();
    expect(bottom.newer_cursor).toBe(bottom.entries[0]?.id);

    const up = await read(`after=${bottom.newer_cursor}`);
    expect(paths(up)).toEqual(paths(middle));
    expect(up.next_cursor).toBe(middle.next_cursor);
    const upAgain = await read(`after=${up.newer_cursor}`);
    expect(paths(upAgain)).toEqual(paths(top));
    expect(upAgain.newer_cursor).toBeNull();
    // 0 reads from the oldest entry on, as a follower of an empty log does.
    const fromStart = await read("after=0");
    expect(paths(fromStart)).toEqual(paths(bottom));
    expect(fromStart.newer_cursor).toBe(bottom.newer_cursor);
    expect(fromStart.next_cursor).toBeNull();
    // Following: nothing above the newest entry yet.
    const none = await read(`after=${top.entries[0]?.id}`);
    expect(none).toEqual({ entries: [], next_cursor: null, newer_cursor: null });
  });

  it("before and after together, or a cursor that is not a positive id, is 400 invalid_request", async () => {
    const s = await proxySetup();
    for (const query of ["before=5&after=3", "after=-1", "after=x"]) {
      const res = await call("GET", `/v1/vaults/${s.vault}/logs?${query}`, { token: s.company.ownerKey });
      expect(res.status, query).toBe(400);
      expect(res.body.error, query).toBe("invalid_request");
    }
  });
});

describe("in local dev a read of the request log sees every request answered before it", () => {
  it("without waiting for the batch: the read writes the isolate's pending rows first", async () => {
    const s = await proxySetup();
    const answers = [await proxyFetch(s, `/r/${requestId()}/x`), await proxyFetch(s, "/x", {}, "api.not-configured.com")];
    for (const answer of answers) await answer.arrayBuffer();
    const logs = await call("GET", `/v1/vaults/${s.vault}/logs`, { token: s.company.ownerKey });
    expect((logs.body.entries as { host: string; status: number }[]).map((e) => [e.host, e.status])).toEqual([
      ["api.not-configured.com", 403],
      [s.host, 200],
    ]);
  });
});

describe("the proxy's rows are written in batches of 100, or 2 s after the first row of a batch", () => {
  it("a full batch ends the timed flush its first row started: that timer writes nothing, the next row's writes it", async () => {
    await flushRequestLog();
    const company = await createCompany();
    const waits: (() => void)[] = [];
    const restore = waitBeforeFlushWith(() => new Promise<void>((resolve) => waits.push(resolve)));
    const kept: Promise<unknown>[] = [];
    const waitUntil = (p: Promise<unknown>) => void kept.push(p);
    const written = async () => (await env.DB.prepare("SELECT COUNT(*) AS n FROM request_log WHERE company_id = ?").bind(company.id).first<{ n: number }>())?.n;
    const row = (i: number) => ({
      companyId: company.id,
      vaultId: "vlt_batches",
      actorType: "agent",
      actorId: "agt_x",
      method: "GET",
      host: "api.example.com",
      path: `/${i}`,
      status: 200,
      latencyMs: 1,
    });
    try {
      for (let i = 0; i < 100; i += 1) logProxyRequest(env, row(i), waitUntil);
      // The first row's timed flush, then the 100th row's flush of the full batch.
      expect([waits.length, kept.length]).toEqual([1, 2]);
      await kept[1];
      expect(await written()).toBe(100);
      logProxyRequest(env, row(100), waitUntil);
      expect([waits.length, kept.length]).toEqual([2, 3]);
      // The first timer fires: its batch was written whole already, and the row after it is not its own.
      waits[0]?.();
      await kept[0];
      expect(await written()).toBe(100);
      waits[1]?.();
      await kept[2];
      expect(await written()).toBe(101);
    } finally {
      restore();
    }
  });
});

describe("a batch of log rows is written whole, each row as given and attested", () => {
  it("rows with every value and a row leaving created_at and count to their defaults, in one batch with the prune", async () => {
    const company = await createCompany();
    const db = createDatabase(env.DB);
    const base = { companyId: company.id, vaultId: "vlt_batch", actorType: "agent", actorId: "agt_x", method: "GET", host: "api.example.com", latencyMs: 2 };
    const old = Date.now() - 10_000;
    await writeRequestLogRows(db, [{ ...base, path: "/old", status: 200, createdAt: old - 1 }]);
    const before = Date.now();
    await writeRequestLogRows(
      db,
      [
        { ...base, path: "/a", status: 200, service: "svc", bytesIn: 3, bytesOut: 35, redactions: 1, createdAt: before },
        { ...base, path: "/b", status: 403, denial: "forbidden", count: 4, createdAt: before + 1 },
        { ...base, path: "/c", status: 429 },
      ],
      old,
    );
    const rows = await env.DB.prepare(
      "SELECT path, status, service, bytes_in, bytes_out, denial, redactions, count, created_at FROM request_log WHERE company_id = ? ORDER BY id",
    )
      .bind(company.id)
      .all<Record<string, unknown>>();
    expect(rows.results.map(({ created_at: _, ...row }) => row)).toEqual([
      { path: "/a", status: 200, service: "svc", bytes_in: 3, bytes_out: 35, denial: null, redactions: 1, count: 1 },
      { path: "/b", status: 403, service: null, bytes_in: null, bytes_out: null, denial: "forbidden", redactions: null, count: 4 },
      { path: "/c", status: 429, service: null, bytes_in: null, bytes_out: null, denial: null, redactions: null, count: 1 },
    ]);
    expect(rows.results.map((row) => row.created_at).slice(0, 2)).toEqual([before, before + 1]);
    // Left to the column's default, created_at is the database's now, to the second.
    expect(Number(rows.results[2]?.created_at)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    const attested = await env.DB.prepare("SELECT payload FROM chain_records WHERE company_id = ? AND payload LIKE '%proxy.request%' ORDER BY record_index")
      .bind(company.id)
      .all<{ payload: string }>();
    expect(attested.results.map((r) => (JSON.parse(r.payload) as { path: string }).path)).toEqual(["/old", "/a", "/b", "/c"]);
  });

  it("rows with every value go in one statement per 100 rows, never an INSERT per row; each row as given, in order", async () => {
    const company = await createCompany();
    let statements = 0;
    // The batch as D1 receives it: how many statements it holds.
    const counting = new Proxy(env.DB, {
      get: (target, property) =>
        property === "batch"
          ? (writes: D1PreparedStatement[]) => {
              statements += writes.length;
              return target.batch(writes);
            }
          : (Reflect.get(target, property) as unknown),
    });
    const db = createDatabase(counting as D1Database);
    const row = {
      companyId: company.id,
      vaultId: "vlt_bound",
      actorType: "agent",
      actorId: "agt_x",
      method: "GET",
      host: "h.example",
      latencyMs: 1,
      status: 200,
    };
    const odd = `/it's "quoted" \\ é ${"x".repeat(1000)}`;
    const rows = Array.from({ length: 250 }, (_, i) => ({ ...row, path: i === 7 ? odd : `/${i}`, createdAt: 1_000 + i, bytesIn: i % 2 ? null : i }));
    await writeRequestLogRows(db, rows, 0);
    // 100 + 100 + 50 rows, and the prune.
    expect(statements).toBe(4);
    const written = await env.DB.prepare("SELECT path, bytes_in, created_at, count FROM request_log WHERE company_id = ? ORDER BY id")
      .bind(company.id)
      .all<{ path: string; bytes_in: number | null; created_at: number; count: number }>();
    expect(written.results).toEqual(rows.map((r) => ({ path: r.path, bytes_in: r.bytesIn, created_at: r.createdAt, count: 1 })));
    const attested = await env.DB.prepare(
      "SELECT record_index, payload FROM chain_records WHERE company_id = ? AND payload LIKE '%proxy.request%' ORDER BY record_index",
    )
      .bind(company.id)
      .all<{ record_index: number; payload: string }>();
    expect(attested.results.map((r) => (JSON.parse(r.payload) as { path: string }).path)).toEqual(rows.map((r) => r.path));
    expect(new Set(attested.results.map((r) => r.record_index)).size).toBe(250);
  });
});
