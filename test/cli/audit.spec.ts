/**
 * `edgevault audit`'s filters against a real edge: --actor by e-mail, API key label or agent name
 * resolved by the edge in the caller's company (another company's person matches nothing), and
 * --since / --until as durations back from now, days or times, sent to the edge as instants (the
 * continuation hint repeats them as such). Bad times are refused before anything is sent.
 */
import assert from "node:assert/strict";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { whenOf } from "../../cli/when.ts";
import { printed, runCli, tempConfigHome, type CliOptions } from "./support/cli.ts";
import { startEdge, type Edge, type TestCompany } from "./support/edge.ts";

type AuditEntry = {
  id: number;
  action: string;
  actor_type: string;
  actor_id: string;
  actor_name: string | null;
  target_name: string | null;
  created_at: string;
};
type AuditJson = { entries: AuditEntry[]; next_cursor: number | null };

describe("edgevault audit: the edge's filters", () => {
  let edge: Edge;
  let company: TestCompany;
  let home: string;
  let ada: { email: string; id: string };
  let strangerEmail = "";
  const cli = (args: readonly string[], options: Omit<CliOptions, "configHome"> = {}) => runCli(args, { configHome: home, ...options });
  const json = async (args: readonly string[]) => {
    const result = await cli([...args, "--json"]);
    assert.equal(result.code, 0, printed(result));
    return JSON.parse(result.stdout) as AuditJson;
  };

  before(async () => {
    edge = await startEdge();
    company = await edge.createCompany();
    home = await tempConfigHome();
    assert.equal((await cli(["login", "--addr", edge.addr, "--save-api-key"], { stdin: company.ownerKey })).code, 0);
    // Ada (an owner) creates a vault with her own session; a labelled API key creates another.
    const user = await edge.createUser(company, "owner");
    const signIn = await edge.call("POST", "/v1/auth/sign-in", undefined, user);
    const session = signIn.body as { token: string; user: { id: string } };
    assert.equal(signIn.status, 200);
    ada = { email: user.email, id: session.user.id };
    assert.equal((await edge.call("POST", "/v1/vaults", session.token, { name: "adas-vault" })).status, 201);
    const key = await edge.call("POST", "/v1/api-keys", company.ownerKey, { label: "release bot" });
    assert.equal(key.status, 201);
    assert.equal((await edge.call("POST", "/v1/vaults", (key.body as { token: string }).token, { name: "bots-vault" })).status, 201);
    // Someone of another company with the same kind of history: never part of this company's answers.
    const other = await edge.createCompany();
    const stranger = await edge.createUser(other, "owner");
    const strangerSession = (await edge.call("POST", "/v1/auth/sign-in", undefined, stranger)).body as { token: string };
    assert.equal((await edge.call("POST", "/v1/vaults", strangerSession.token, { name: "strangers-vault" })).status, 201);
    strangerEmail = stranger.email;
  });
  after(async () => {
    await edge?.stop();
  });

  it("--actor by e-mail, API key label or id; an unknown one or another company's person matches nothing", async () => {
    const byEmail = await json(["audit", "--actor", ada.email]);
    assert.deepEqual(
      byEmail.entries.map((e) => [e.actor_id, e.actor_name, e.action, e.target_name]),
      [[ada.id, ada.email, "vault.create", "adas-vault"]],
    );
    assert.deepEqual(
      (await json(["audit", "--actor", ada.id])).entries.map((e) => e.action),
      ["vault.create"],
    );
    const byLabel = await json(["audit", "--actor", "release bot"]);
    assert.deepEqual(
      byLabel.entries.map((e) => [e.actor_type, e.action, e.target_name]),
      [["company_key", "vault.create", "bots-vault"]],
    );
    const table = await cli(["audit", "--actor", "release bot"]);
    assert.match(table.stdout, /^\S+ +api-key:release bot +vault\.create +vault:bots-vault /m);

    for (const nobody of ["nobody@example.com", "no-such-agent", strangerEmail]) {
      const none = await cli(["audit", "--actor", nobody]);
      assert.equal(none.code, 0, printed(none));
      assert.equal(none.stdout, "", nobody);
      assert.match(none.stderr, /No audit entries match/);
    }
  });

  it("--since and --until: an exact time includes (since) or excludes (until) its entry; durations count back from now", async () => {
    const [entry] = (await json(["audit", "--actor", ada.email])).entries;
    assert.ok(entry);
    const at = entry.created_at;
    assert.deepEqual(
      (await json(["audit", "--actor", ada.email, "--since", at])).entries.map((e) => e.id),
      [entry.id],
    );
    assert.deepEqual((await json(["audit", "--actor", ada.email, "--until", at])).entries, []);
    const later = new Date(Date.parse(at) + 1).toISOString();
    assert.deepEqual(
      (await json(["audit", "--actor", ada.email, "--until", later])).entries.map((e) => e.id),
      [entry.id],
    );
    // An offset is honoured: the same instant written two hours east.
    const east = new Date(Date.parse(at) + 2 * 3600_000).toISOString().replace("Z", "+02:00");
    assert.deepEqual(
      (await json(["audit", "--actor", ada.email, "--since", east])).entries.map((e) => e.id),
      [entry.id],
    );

    assert.deepEqual(
      (await json(["audit", "--actor", ada.email, "--since", "1h"])).entries.map((e) => e.id),
      [entry.id],
    );
    assert.deepEqual((await json(["audit", "--actor", ada.email, "--until", "1h"])).entries, []);
    assert.deepEqual((await json(["audit", "--actor", ada.email, "--since", "2d", "--until", "1d"])).entries, []);
    assert.deepEqual((await json(["audit", "--since", "2000-01-01", "--until", "2000-01-02"])).entries, []);
  });

  it("the continuation hint carries the filters as instants, and running it gives the next entry", async () => {
    const recent = await cli(["audit", "--since", "1h", "--until", "2099-01-01", "--limit", "1"]);
    assert.equal(recent.code, 0, printed(recent));
    assert.equal(recent.stdout.trim().split("\n").length, 2);
    const more = /More entries: (edgevault audit .*)$/m.exec(recent.stderr);
    assert.ok(more, recent.stderr);
    assert.match(more[1] ?? "", /--since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z --until 2099-01-01T00:00:00\.000Z --limit 1 --before \d+$/);
    const next = await cli(more[1]?.split(" ").slice(1) ?? []);
    assert.equal(next.code, 0, printed(next));
    assert.equal(next.stdout.trim().split("\n").length, 2);
    assert.notEqual(next.stdout.split("\n")[1], recent.stdout.split("\n")[1]);
  });

  it("--format ndjson and csv write the entries for a SIEM: the --json entries a line each, or CSV with the edge's header row", async () => {
    const listed = await json(["audit", "--action", "vault.*", "--limit", "3"]);
    const ndjson = await cli(["audit", "--action", "vault.*", "--limit", "3", "--format", "ndjson"]);
    assert.equal(ndjson.code, 0, printed(ndjson));
    const lines = ndjson.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as AuditEntry);
    assert.deepEqual(
      lines.map((e) => [e.id, e.action, e.target_name]),
      listed.entries.map((e) => [e.id, e.action, e.target_name]),
    );
    assert.ok(lines.some((e) => e.target_name === "adas-vault"));
    const csv = await cli(["audit", "--action", "vault.create", "--actor", "release bot", "--format", "csv"]);
    assert.equal(csv.code, 0, printed(csv));
    const [header, row] = csv.stdout.split("\r\n");
    assert.equal(header, "id,created_at,actor_type,actor_id,actor_name,action,target_type,target_id,target_name,detail,session");
    assert.match(row ?? "", /,company_key,key_[0-9a-f]+,release bot,vault\.create,vault,vlt_[0-9a-f]+,bots-vault,/);
    const both = await cli(["audit", "--format", "csv", "--json"]);
    assert.equal(both.code, 2, printed(both));
  });

  it("refuses a time it cannot read, or an --until not after --since, before sending anything (exit 2)", async () => {
    const offline = { configHome: await tempConfigHome(), env: { EDGEVAULT_ADDR: "http://127.0.0.1:9", EDGEVAULT_API_KEY: "evk_x" } };
    for (const [args, message] of [
      [["audit", "--until", "yesterday"], /--until: must be a duration back from now/],
      [["audit", "--since", "2026-02-31"], /--since: must be a duration back from now/],
      [["audit", "--since", "2026-05-01T25:00"], /--since: must be a duration back from now/],
      [["audit", "--since", "1h", "--until", "2h"], /--until \(\S+\) must be later than --since \(\S+\)/],
      [["audit", "--actor", "x".repeat(300)], /--actor: /],
    ] as [string[], RegExp][]) {
      const result = await runCli(args, offline);
      assert.equal(result.code, 2, `${args.join(" ")}: ${printed(result)}`);
      assert.match(result.stderr, message, args.join(" "));
    }
  });
});

describe("--since / --until values (cli/when.ts)", () => {
  it("durations count back from now; a day is UTC; a time without offset is local; offsets are honoured", () => {
    const now = Date.UTC(2026, 4, 10, 12, 0, 0);
    assert.equal(whenOf("30m", now), now - 30 * 60_000);
    assert.equal(whenOf("1h", now), now - 3600_000);
    assert.equal(whenOf("2d", now), now - 2 * 86_400_000);
    assert.equal(whenOf("1h30m", now), now - 5400_000);
    assert.equal(whenOf("2026-05-01"), Date.UTC(2026, 4, 1));
    assert.equal(whenOf("2026-05-01T09:00"), new Date(2026, 4, 1, 9, 0).getTime());
    assert.equal(whenOf("2026-05-01 09:00:30"), new Date(2026, 4, 1, 9, 0, 30).getTime());
    assert.equal(whenOf("2026-05-01T09:00:00Z"), Date.UTC(2026, 4, 1, 9));
    assert.equal(whenOf("2026-05-01T11:00:00+02:00"), Date.UTC(2026, 4, 1, 9));
    for (const bad of ["yesterday", "1w", "2026-02-30", "2026-02-30T09:00", "2026-05-01T09:61", "2026-05-01T09:00:00+25:00", ""]) {
      assert.equal(whenOf(bad, now), undefined, bad);
    }
  });
});
