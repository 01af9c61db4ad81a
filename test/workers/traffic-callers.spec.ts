/**
 * Traffic names who called: an agent by its name, a vault session by the person behind it with
 * the session's label, in `GET /v1/vaults/{vault}/logs` (ids kept) and on the traffic page, which
 * also totals requests, errors and the median time per service and per caller. /agents says what
 * "online" means: a channel open, and when the agent was last seen whatever it called.
 */
import { describe, expect, it, vi } from "vitest";
import { LAST_SEEN_BATCH_MS } from "../../durable-objects/last-seen-writes.ts";
import { flushRequestLog } from "../../workers/request-log/request-log.writer.ts";
import { call, createUser } from "./helpers.ts";
import { getPage, signInCookie } from "./pages-support.ts";
import { proxyFetch, proxySetup } from "./proxy-support.ts";
import { requestId } from "./upstream.ts";

type Entry = { actor_type: string; actor_id: string; actor_name: string | null; session_label: string | null; session_minted_by: string | null; path: string };

/** A vault whose agent made two calls (one the upstream failed), and a person's `vault run curl` session one more. */
async function trafficSetup() {
  const s = await proxySetup();
  const owner = await createUser(s.company, "owner");
  const minted = await call("POST", "/v1/sessions", { token: owner.token, body: { vault: s.vault, label: "vault run curl" } });
  const sessionToken = minted.body.token as string;
  const calls: [string, string][] = [
    [s.agent.token, `/r/${requestId()}/agent-ok`],
    [s.agent.token, `/r/${requestId()}/status/500`],
    [sessionToken, `/r/${requestId()}/person-ok`],
  ];
  for (const [token, path] of calls) await (await proxyFetch({ ...s, agent: { token } }, path)).text();
  // A host no service answers for: refused by the edge, logged without a service.
  await (await proxyFetch(s, "/nothing", {}, "api.unserved.example.com")).text();
  await flushRequestLog();
  return { ...s, owner, sessionId: minted.body.id as string };
}

describe("the request log names who called, and keeps the ids", () => {
  it("an agent by its name; a vault session by the person behind it and its label", async () => {
    const s = await trafficSetup();
    const res = await call("GET", `/v1/vaults/${s.vault}/logs`, { token: s.company.ownerKey });
    expect(res.status).toBe(200);
    const entries = res.body.entries as Entry[];
    const byAgent = entries.find((e) => e.path.endsWith("/agent-ok"));
    expect(byAgent).toMatchObject({ actor_type: "agent", actor_name: s.agent.name, session_label: null, session_minted_by: null });
    expect(byAgent?.actor_id).toMatch(/^agt_/);
    const bySession = entries.find((e) => e.path.endsWith("/person-ok"));
    expect(bySession).toMatchObject({
      actor_type: "vault_session",
      actor_id: s.sessionId,
      actor_name: s.owner.email,
      session_label: "vault run curl",
      session_minted_by: s.owner.id,
    });
  });
});

describe("the traffic page names callers and totals each service and caller", () => {
  it("shows the person and the session's label, and per service and caller: requests, errors and p50", async () => {
    const s = await trafficSetup();
    const page = await getPage(`/vaults/${s.vault}/traffic?range=1h`, await signInCookie(s.owner.email));
    expect(page.status).toBe(200);
    expect(page.text).toContain('<th scope="col">Caller</th>');
    expect(page.text).toContain(`<span title="${s.sessionId}">${s.owner.email}</span><div class="meta">session “vault run curl”</div>`);
    expect(page.text).not.toMatch(/<code>ses_[0-9a-f]+<\/code>/);
    const totals = page.text.slice(page.text.indexOf('id="totals-heading"'), page.text.indexOf('id="log-heading"'));
    const row = (label: string) =>
      new RegExp(`<tr><td>${label}</td><td class="num">(\\d+)</td><td class="num">(\\d+)</td><td class="num">(–|\\d+ ms)</td></tr>`).exec(totals);
    // The service: three calls, one of them a 500 from the upstream.
    expect(row("svc")?.slice(1, 3)).toEqual(["3", "1"]);
    expect(row("svc")?.[3]).toMatch(/^\d+ ms$/);
    // The refused host: one request, one error, no time (nothing was forwarded).
    expect(row('<span class="meta">no service</span>')?.slice(1)).toEqual(["1", "1", "–"]);
    // By caller: the agent (two calls and the refusal), and the person's session.
    expect(row(`<span title="[^"]+">${s.agent.name}</span>`)?.slice(1, 3)).toEqual(["3", "2"]);
    expect(row(`<span title="${s.sessionId}">${s.owner.email}</span><div class="meta">session “vault run curl”</div>`)?.slice(1, 3)).toEqual(["1", "0"]);
  });
});

describe("/agents says what online means: a channel open, and seen N s ago whatever the agent called", () => {
  it("an agent that just made calls without a channel reads 'no channel' and 'seen N s ago'", async () => {
    const s = await trafficSetup();
    const cookie = await signInCookie(s.owner.email);
    // Last-seen reaches D1 in the gates' next batch, within LAST_SEEN_BATCH_MS (last-seen-writes.ts).
    await vi.waitFor(
      async () => {
        const page = await getPage(`/agents?q=${encodeURIComponent(s.agent.name)}`, cookie);
        const row = page.text.slice(page.text.indexOf(`href="/agents/${s.agent.name}"`));
        expect(row).toContain('<span class="badge offline">no channel</span>');
        expect(row).toMatch(/<div class="meta" title="[^"]+ UTC">seen \d+ s ago<\/div>/);
      },
      { timeout: LAST_SEEN_BATCH_MS * 10, interval: 100 },
    );
    const detail = await getPage(`/agents/${s.agent.name}`, cookie);
    expect(detail.text).toMatch(/no channel<\/span> <span class="meta" title="[^"]+">seen \d+ s ago<\/span>/);
  });
});
