/**
 * The audit log reads like a story: names beside the ids, a vault session told once ("vault run
 * curl by alice@…, 3 s, 2 requests") when folded, a kind of action as a filter, and the same
 * entries exported for a SIEM as NDJSON or CSV. The console's /audit page tells it the same way.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { flushRequestLog } from "../../workers/request-log/request-log.writer.ts";
import { call, createUser, unique } from "./helpers.ts";
import { getPage, signInCookie } from "./pages-support.ts";
import { proxyFetch, proxySetup } from "./proxy-support.ts";
import { requestId } from "./upstream.ts";

type Session = { id: string; label: string; minted_by: string; minted_by_name: string | null; ended_at: string | null; requests: number; summary: string };
type Entry = {
  id: number;
  action: string;
  actor_id: string;
  actor_name: string | null;
  target_type: string;
  target_id: string;
  target_name: string | null;
  session: Session | null;
};

/** A vault with a service, an owner who signs in, and a `vault run curl` session of theirs that made two calls and was revoked. */
async function storySetup() {
  const s = await proxySetup();
  const owner = await createUser(s.company, "owner");
  const minted = await call("POST", "/v1/sessions", { token: owner.token, body: { vault: s.vault, label: "vault run curl" } });
  expect(minted.status).toBe(201);
  const session = { token: minted.body.token as string, id: minted.body.id as string };
  for (const path of ["/one", "/two"]) {
    const res = await proxyFetch({ ...s, agent: { token: session.token } }, `/r/${requestId()}${path}`);
    expect(res.status).toBe(200);
    // Its log row is buffered once the body has been handed on.
    await res.text();
  }
  await flushRequestLog();
  expect((await call("DELETE", `/v1/sessions/${session.id}`, { token: owner.token })).status).toBe(200);
  return { ...s, owner, session };
}

const entriesOf = async (token: string, query: string) => {
  const res = await call("GET", `/v1/audit?${query}`, { token });
  expect(res.status, res.text).toBe(200);
  return res.body.entries as Entry[];
};

describe("the audit log names who and what, and keeps the ids", () => {
  it("vaults and services by name, people by e-mail, agents by name, API keys by label", async () => {
    const s = await storySetup();
    const entries = await entriesOf(s.company.ownerKey, "limit=200");
    const vaultCreate = entries.find((e) => e.action === "vault.create");
    expect(vaultCreate).toMatchObject({ target_type: "vault", target_name: s.vault });
    expect(vaultCreate?.target_id).toMatch(/^vlt_/);
    expect(entries.find((e) => e.action === "service.create")).toMatchObject({ target_name: "svc" });
    // The company's first key is labelled by POST /v1/companies; the owner user by e-mail.
    const keyLabel = ((await call("GET", "/v1/api-keys", { token: s.company.ownerKey })).body.api_keys as { id: string; label: string }[])[0];
    expect(vaultCreate).toMatchObject({ actor_id: keyLabel?.id, actor_name: keyLabel?.label });
    expect(entries.find((e) => e.action === "user.create" && e.target_id === s.owner.id)?.target_name).toBe(s.owner.email);
    const invite = entries.find((e) => e.actor_id.startsWith("agt_"));
    if (invite) expect(invite.actor_name).toBe(s.agent.name);
  });
});

describe("a vault session is one line of the story when folded, and two raw rows when not", () => {
  it("fold=sessions leaves out its revoke row and tells the session on its create row: who, how long, how many calls", async () => {
    const s = await storySetup();
    const raw = (await entriesOf(s.company.ownerKey, "action=session.*")).map((e) => e.action);
    expect(raw).toEqual(["session.revoke", "session.create"]);
    const folded = await entriesOf(s.company.ownerKey, "action=session.*&fold=sessions");
    expect(folded.map((e) => e.action)).toEqual(["session.create"]);
    const told = folded[0]?.session;
    expect(told).toMatchObject({ id: s.session.id, label: "vault run curl", minted_by: s.owner.id, minted_by_name: s.owner.email, requests: 2 });
    expect(told?.ended_at).not.toBeNull();
    expect(told?.summary).toMatch(new RegExp(`^vault run curl by ${s.owner.email.replace(/[.]/g, "\\.")}, \\d+ s, 2 requests$`));
  });

  it("the /audit page tells the session once, with names, and every row when asked", async () => {
    const s = await storySetup();
    const browser = await signInCookie(s.owner.email);
    const page = await getPage("/audit", browser);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/vault run curl by [^<]+, \d+ s, 2 requests/);
    expect(page.text).not.toContain('<code class="whole">session.revoke</code>');
    // The vault's name is shown, its id only on hover.
    expect(page.text).toContain(`title="`);
    expect(page.text).toMatch(new RegExp(`vault <span title="vlt_[0-9a-f]+">${s.vault}</span>`));
    // Actions are one word each: never broken inside.
    expect(page.text).toContain('<code class="whole">vault run</code>');
    // The page links the API's export of what it shows, which a signed-in owner's browser downloads.
    const csvHref = /<a href="(\/v1\/audit\?format=csv[^"]*)" download>CSV<\/a>/.exec(page.text)?.[1]?.replaceAll("&amp;", "&");
    expect(csvHref).toContain("fold=sessions");
    const csv = await getPage(csvHref ?? "", browser);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect(csv.text).toContain(",session.create,");
    expect(csv.text).not.toContain(",session.revoke,");
    const rows = await getPage("/audit?sessions=rows", browser);
    expect(rows.text).toContain('<code class="whole">session.revoke</code>');
    expect(rows.text).toContain('<code class="whole">session.create</code>');
  });
});

describe("the audit log filters by a kind of action", () => {
  it("proposal.* or vault.* matches every action of that kind and nothing else", async () => {
    const s = await storySetup();
    const vaults = await entriesOf(s.company.ownerKey, "action=vault.*");
    expect(vaults.length).toBeGreaterThan(0);
    expect(vaults.every((e) => e.action.startsWith("vault."))).toBe(true);
    expect(await entriesOf(s.company.ownerKey, "action=nothing.*")).toEqual([]);
    // `_` is a letter here, not a wildcard.
    expect(await entriesOf(s.company.ownerKey, "action=sessio_.*")).toEqual([]);
  });
});

describe("the audit log exports for a SIEM as NDJSON and CSV", () => {
  it("ndjson: one entry a line, the same entries as the JSON page, the older page's cursor in X-Next-Cursor", async () => {
    const s = await storySetup();
    const page = await call("GET", "/v1/audit?limit=3", { token: s.company.ownerKey });
    const res = await call("GET", "/v1/audit?limit=3&format=ndjson", { token: s.company.ownerKey });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    expect(res.headers.get("x-next-cursor")).toBe(String(page.body.next_cursor));
    expect(res.text.endsWith("\n")).toBe(true);
    const lines = res.text
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Entry);
    expect(lines.map((e) => e.id)).toEqual((page.body.entries as Entry[]).map((e) => e.id));
    expect(lines[0]).toHaveProperty("target_name");
  });

  it("csv: a header row, then one row an entry; a cell a spreadsheet would run as a formula is defused", async () => {
    const s = await storySetup();
    const label = `=HYPERLINK("x",${unique("k").length})`;
    const made = await call("POST", "/v1/api-keys", { token: s.company.ownerKey, body: { label } });
    expect(made.status).toBe(201);
    const res = await call("GET", "/v1/audit?limit=1&action=api_key.create&format=csv", { token: s.company.ownerKey });
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8; header=present");
    const [header, row, end] = res.text.split("\r\n");
    expect(header).toBe("id,created_at,actor_type,actor_id,actor_name,action,target_type,target_id,target_name,detail,session");
    expect(row).toContain(",api_key.create,");
    // The new key's label is its target's name: quoted, its quotes doubled, and never starting with "=".
    expect(row).toContain(`"'=HYPERLINK(""x"",`);
    expect(end).toBe("");
    expect(res.headers.get("x-next-cursor")).not.toBeNull();
  });

  it("an unknown format is 400, and the export is for owners only like the log", async () => {
    const s = await storySetup();
    expect((await call("GET", "/v1/audit?format=xml", { token: s.company.ownerKey })).status).toBe(400);
    const member = await createUser(s.company);
    expect((await call("GET", "/v1/audit?format=ndjson", { token: member.token })).status).toBe(403);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE company_id = ?").bind(s.company.id).first<{ n: number }>();
    expect(rows?.n).toBeGreaterThan(0);
  });
});
