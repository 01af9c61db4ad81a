/**
 * The console's logs page both ways: the traffic page and the audit page go older, newer and
 * back to the newest by id cursor, every link keeping the filters, and a page reached either way
 * shows exactly the rows it would have shown going the other. The request log's and audit log's
 * rows are written straight to D1 here, at chosen times, so which page holds which row is known.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call } from "./helpers.ts";
import { consoleWorld } from "./pages-console-support.ts";
import { type Browser, getPage } from "./pages-support.ts";

/** Both pages show this many rows. */
const PAGE = 50;

type PagerLinks = { newest?: string; newer?: string; older?: string };

/** The pager's links, as a browser would follow them (attribute entities decoded). */
function pagerOf(text: string): PagerLinks {
  const nav = /<nav class="pager"[\s\S]*?<\/nav>/.exec(text)?.[0] ?? "";
  const link = (label: string) => {
    const href = new RegExp(`<a href="([^"]+)"[^>]*>[^<]*${label}`).exec(nav)?.[1];
    return href?.replaceAll("&amp;", "&");
  };
  return { newest: link("Newest"), newer: link("Newer"), older: link("Older") };
}

async function open(path: string | undefined, as: Browser) {
  if (!path) throw new Error("no such link on the page");
  const res = await getPage(path, as);
  expect(res.status, path).toBe(200);
  return res;
}

const agentIdOf = async (companyId: string, name: string) =>
  (await env.DB.prepare("SELECT id FROM agents WHERE company_id = ? AND name = ?").bind(companyId, name).first<{ id: string }>())?.id ?? "";

describe("the traffic page pages both ways, keeping its filters", () => {
  it("older to the end, newer back to the top, newest from anywhere; rows outside the filters never show", async () => {
    const w = await consoleWorld();
    const vaultId = (await env.DB.prepare("SELECT id FROM vaults WHERE company_id = ? AND name = ?").bind(w.company.id, w.vault).first<{ id: string }>())?.id;
    const agentId = await agentIdOf(w.company.id, w.agent.name);
    const now = Date.now();
    // 110 matching requests (status 200 by the agent), each a second apart, and 30 that the filters leave out.
    const rows = [
      ...Array.from({ length: 110 }, (_, i) => ({ actor: agentId, status: 200, path: `/match/${i}`, at: now - (110 - i) * 1000 })),
      ...Array.from({ length: 15 }, (_, i) => ({ actor: agentId, status: 500, path: `/failed/${i}`, at: now - (100 - i) * 1000 })),
      ...Array.from({ length: 15 }, (_, i) => ({ actor: "ses_someone", status: 200, path: `/other/${i}`, at: now - (90 - i) * 1000 })),
    ].sort((a, b) => a.at - b.at);
    await env.DB.batch(
      rows.map((r) =>
        env.DB.prepare(
          "INSERT INTO request_log (company_id, vault_id, actor_type, actor_id, service, method, host, path, status, latency_ms, count, created_at) VALUES (?, ?, 'agent', ?, 'svc', 'GET', ?, ?, ?, 1, 1, ?)",
        ).bind(w.company.id, vaultId, r.actor, w.host, r.path, r.status, r.at),
      ),
    );
    const shown = (text: string) => [...text.matchAll(/GET [^<\s]+?(\/(?:match|failed|other)\/\d+)<\/code>/g)].map((m) => m[1]);
    const matches = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, i) => `/match/${from - i}`);
    const keepsFilters = (href: string | undefined) => {
      const params = new URL(href ?? "", "https://edge.test").searchParams;
      expect(params.get("agent"), href).toBe(w.agent.name);
      expect(params.get("status"), href).toBe("200");
      expect(params.get("range"), href).toBe("1h");
    };

    const first = await open(`/vaults/${w.vault}/traffic?range=1h&agent=${w.agent.name}&status=200`, w.asOwner);
    expect(shown(first.text)).toEqual(matches(109, 60));
    expect(pagerOf(first.text)).toEqual({ older: expect.any(String) });
    keepsFilters(pagerOf(first.text).older);

    const second = await open(pagerOf(first.text).older, w.asOwner);
    expect(shown(second.text)).toEqual(matches(59, 10));
    const third = await open(pagerOf(second.text).older, w.asOwner);
    expect(shown(third.text)).toEqual(matches(9, 0));
    expect(pagerOf(third.text).older).toBeUndefined();
    for (const href of Object.values(pagerOf(second.text))) keepsFilters(href);

    // Newer from the oldest page: the same middle page, then the top, which has no newer link.
    const backUp = await open(pagerOf(third.text).newer, w.asOwner);
    expect(new URL(pagerOf(third.text).newer ?? "", "https://edge.test").searchParams.has("after")).toBe(true);
    expect(shown(backUp.text)).toEqual(matches(59, 10));
    const top = await open(pagerOf(backUp.text).newer, w.asOwner);
    expect(shown(top.text)).toEqual(matches(109, 60));
    expect(pagerOf(top.text).newer).toBeUndefined();
    expect(pagerOf(top.text).older).toBe(pagerOf(first.text).older);

    const newest = await open(pagerOf(third.text).newest, w.asOwner);
    expect(shown(newest.text)).toEqual(matches(109, 60));
    keepsFilters(pagerOf(third.text).newest);
    expect(new URL(pagerOf(third.text).newest ?? "", "https://edge.test").search).not.toMatch(/before|after/);
  });

  it("both cursors at once, or a cursor that is not one, is a page with role=alert and 400", async () => {
    const w = await consoleWorld();
    for (const query of ["before=5&after=3", "after=-1", "after=abc"]) {
      const res = await getPage(`/vaults/${w.vault}/traffic?${query}`, w.asOwner);
      expect(res.status, query).toBe(400);
      expect(res.text, query).toMatch(/class="notice error"[^>]*role="alert"|role="alert"[^>]*class="notice error"/);
    }
  });
});

describe("the audit page pages both ways and filters by actor and time", () => {
  it("an actor by e-mail and a UTC range; older, newer and newest keep them", async () => {
    const w = await consoleWorld();
    const T0 = Date.UTC(2026, 4, 1, 9, 0, 0);
    // 60 entries by the owner a minute apart, and 20 by the member interleaved.
    await env.DB.batch(
      [
        ...Array.from({ length: 60 }, (_, i) => ({ actor: w.owner.id, action: `paged.o${i}`, at: T0 + i * 60_000 })),
        ...Array.from({ length: 20 }, (_, i) => ({ actor: w.member.id, action: `paged.m${i}`, at: T0 + i * 60_000 + 1 })),
      ]
        .sort((a, b) => a.at - b.at)
        .map((r) =>
          env.DB.prepare(
            "INSERT INTO audit_log (company_id, actor_type, actor_id, action, target_type, target_id, created_at) VALUES (?, 'user', ?, ?, 'vault', 'v', ?)",
          ).bind(w.company.id, r.actor, r.action, r.at),
        ),
    );
    const actions = (text: string) => [...text.matchAll(/<code class="whole">(paged\.[om]\d+)<\/code>/g)].map((m) => m[1]);
    const owners = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, i) => `paged.o${from - i}`);
    // since 09:05 (entry o5 included), until 10:00 (o60 would be excluded; there is none).
    const query = `actor=${encodeURIComponent(w.owner.email)}&since=2026-05-01T09:05&until=2026-05-01T10:00`;
    const keepsFilters = (href: string | undefined) => {
      const params = new URL(href ?? "", "https://edge.test").searchParams;
      expect(params.get("actor"), href).toBe(w.owner.email);
      expect(params.get("since"), href).toBe("2026-05-01T09:05");
      expect(params.get("until"), href).toBe("2026-05-01T10:00");
    };

    const first = await open(`/audit?${query}`, w.asOwner);
    expect(first.text).toContain(
      '<label for="since">Since (UTC)</label><input id="since" name="since" type="datetime-local" step="1" value="2026-05-01T09:05">',
    );
    expect(first.text).toContain('<label for="actor">');
    expect(actions(first.text)).toEqual(owners(59, 10));
    expect(pagerOf(first.text)).toEqual({ older: expect.any(String) });
    keepsFilters(pagerOf(first.text).older);

    const older = await open(pagerOf(first.text).older, w.asOwner);
    expect(actions(older.text)).toEqual(owners(9, 5));
    expect(pagerOf(older.text).older).toBeUndefined();
    keepsFilters(pagerOf(older.text).newer);
    keepsFilters(pagerOf(older.text).newest);

    const newer = await open(pagerOf(older.text).newer, w.asOwner);
    expect(actions(newer.text)).toEqual(owners(59, 10));
    expect(pagerOf(newer.text).newer).toBeUndefined();
    expect(pagerOf(newer.text).older).toBe(pagerOf(first.text).older);
    expect(actions((await open(pagerOf(older.text).newest, w.asOwner)).text)).toEqual(owners(59, 10));

    // The API answers the same filter with the same entries.
    const api = await call("GET", `/v1/audit?limit=${PAGE}&actor=${encodeURIComponent(w.owner.email)}&since=2026-05-01T09:05:00Z&until=2026-05-01T10:00:00Z`, {
      token: w.company.ownerKey,
    });
    expect((api.body.entries as { action: string }[]).map((e) => e.action)).toEqual(owners(59, 10));
  });

  it("a time it cannot read, an until before since or both cursors is a 400 page with role=alert; an unknown actor says so", async () => {
    const w = await consoleWorld();
    for (const query of ["since=2026-02-31T09:00", "until=tomorrow", "since=2026-05-02T00:00&until=2026-05-01T00:00", "before=5&after=3"]) {
      const res = await getPage(`/audit?${query}`, w.asOwner);
      expect(res.status, query).toBe(400);
      expect(res.text, query).toContain('role="alert"');
    }
    const unknown = await getPage("/audit?actor=nobody%40example.com", w.asOwner);
    expect(unknown.status).toBe(200);
    expect(unknown.text).toContain("No one in this company is called &quot;nobody@example.com&quot;.");
  });

  it("a member cannot see the company's audit page, whatever the filters", async () => {
    const w = await consoleWorld();
    const res = await getPage(`/audit?actor=${encodeURIComponent(w.owner.email)}&after=1`, w.asMember);
    expect(res.status).toBe(403);
    expect(res.text).toContain("A member cannot do this");
    expect(res.text).not.toContain("<table");
  });
});
