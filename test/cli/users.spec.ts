/**
 * The company's people and keys through the CLI against a real edge: `user invite` prints the
 * accept link once (the token appears only inside it, and accepting it through the API makes a
 * working login), `user list|set-role|remove` by email or id, `api-key create|list|revoke` (the
 * token printed once and working until revoked), and `audit` showing who did it by name.
 * Owners only: a member's login is refused by the edge.
 */
import assert from "node:assert/strict";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { COMMANDS } from "../../cli/main.ts";
import { inviteAgent } from "./support/agent.ts";
import { printed, runCli, tempConfigHome, type CliOptions, type CliResult } from "./support/cli.ts";
import { startEdge, type Edge, type TestCompany } from "./support/edge.ts";
import { assertHelpWithExamples } from "./support/help.ts";

type User = { id: string; email: string; role: string; status: string };
type ApiKey = { id: string; label: string; prefix: string; last_used_at: string | null };
type AuditEntry = { action: string; actor_type: string; actor_id: string; actor_name: string | null; target_id: string; target_name: string | null };

const PASSWORD = "a long enough password for the test";

describe("edgevault user, api-key and audit", () => {
  let edge: Edge;
  let company: TestCompany;
  let home: string;
  /** Every CLI result: shown-once secrets are checked against all of them at the end. */
  const results: CliResult[] = [];
  const cli = async (args: readonly string[], options: Omit<CliOptions, "configHome"> = {}) => {
    const result = await runCli(args, { configHome: home, ...options });
    results.push(result);
    return result;
  };
  const usersOnEdge = async () => ((await edge.call("GET", "/v1/users", company.ownerKey)).body as { users: User[] }).users;
  /** The invite token of grace@example.com, an owner, accepted later. */
  let graceToken = "";
  /** Every secret the edge minted for these tests, with where it was allowed to be printed. */
  const shownOnce: { secret: string; result: CliResult }[] = [];

  before(async () => {
    edge = await startEdge();
    company = await edge.createCompany();
    home = await tempConfigHome();
    const login = await cli(["login", "--addr", edge.addr, "--save-api-key"], { stdin: company.ownerKey });
    assert.equal(login.code, 0, printed(login));
  });
  after(async () => {
    await edge?.stop();
    // A secret printed once appears in exactly one result, and nowhere else.
    for (const { secret, result } of shownOnce) {
      const where = results.filter((r) => printed(r).includes(secret));
      assert.deepEqual(where, [result], "a shown-once secret was printed by another command");
    }
  });

  describe("user", () => {
    it("invite prints only the accept link on stdout; the token is in no other place; accepting it makes a login", async () => {
      const invite = await cli(["user", "invite", "ada@example.com", "--name", "Ada"]);
      assert.equal(invite.code, 0, printed(invite));
      const link = invite.stdout.trim();
      assert.match(link, new RegExp(`^${edge.addr.replace(/\./g, "\\.")}/accept/[A-Za-z0-9_-]+$`));
      assert.equal(invite.stdout, `${link}\n`);
      const token = decodeURIComponent(link.slice(link.lastIndexOf("/") + 1));
      assert.ok(!invite.stderr.includes(token), "the token is printed only inside the link");
      assert.match(invite.stderr, /Invited ada@example\.com as a member of the company; the link above works once, until \S+Z\./);
      shownOnce.push({ secret: token, result: invite });

      const listed = await cli(["user", "list"]);
      assert.equal(listed.code, 0, printed(listed));
      assert.match(listed.stdout, /^EMAIL +NAME +ROLE +STATUS +ID +CREATED$/m);
      assert.match(listed.stdout, /^ada@example\.com +Ada +member +invited +usr_\S+ +\S+$/m);

      const accepted = await edge.call("POST", "/v1/users/accept", undefined, { token, password: PASSWORD });
      assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
      const adaHome = await tempConfigHome();
      const adaLogin = await runCli(["login", "--addr", edge.addr, "--email", "ada@example.com"], { configHome: adaHome, stdin: PASSWORD });
      assert.equal(adaLogin.code, 0, printed(adaLogin));
      // A member: the edge refuses user management (owners only).
      const refused = await runCli(["user", "list"], { configHome: adaHome });
      assert.equal(refused.code, 1, printed(refused));
      assert.match(refused.stderr, /\(forbidden, HTTP 403\)/);
    });

    it("invite --json gives {user, accept_url, expires_at}; --role owner", async () => {
      const invite = await cli(["user", "invite", "grace@example.com", "--role", "owner", "--json"]);
      assert.equal(invite.code, 0, printed(invite));
      const body = JSON.parse(invite.stdout) as { user: User; accept_url: string; expires_at: string };
      assert.deepEqual(Object.keys(body).sort(), ["accept_url", "expires_at", "user"]);
      assert.equal(body.user.role, "owner");
      assert.equal(body.user.status, "invited");
      assert.ok(body.accept_url.startsWith(`${edge.addr}/accept/`));
      graceToken = decodeURIComponent(body.accept_url.slice(body.accept_url.lastIndexOf("/") + 1));
      shownOnce.push({ secret: graceToken, result: invite });
    });

    it("set-role by email or id; remove asks, needs --yes without a terminal, then the user is gone", async () => {
      // Grace, another owner, accepts first: the edge keeps at least one owner user.
      assert.equal((await edge.call("POST", "/v1/users/accept", undefined, { token: graceToken, password: PASSWORD })).status, 200);
      const toOwner = await cli(["user", "set-role", "ADA@example.com", "owner"]);
      assert.equal(toOwner.code, 0, printed(toOwner));
      assert.equal(toOwner.stdout, "User ada@example.com is now an owner of the company.\n");
      const ada = (await usersOnEdge()).find((u) => u.email === "ada@example.com");
      assert.equal(ada?.role, "owner");
      const toMember = await cli(["user", "set-role", ada?.id ?? "", "member", "--json"]);
      assert.equal(toMember.code, 0, printed(toMember));
      assert.equal((JSON.parse(toMember.stdout) as User).role, "member");

      const noTerminal = await cli(["user", "remove", "ada@example.com"]);
      assert.equal(noTerminal.code, 2, printed(noTerminal));
      assert.match(noTerminal.stderr, /Refusing to remove user ada@example\.com without confirmation: stdin is not a terminal, so pass --yes/);
      assert.ok((await usersOnEdge()).some((u) => u.email === "ada@example.com"));

      const removed = await cli(["user", "remove", "ada@example.com", "--yes"]);
      assert.equal(removed.code, 0, printed(removed));
      assert.match(removed.stdout, /^Removed user ada@example\.com \(usr_\S+\); their sessions are revoked\.$/m);
      assert.ok(!(await usersOnEdge()).some((u) => u.email === "ada@example.com"));

      const again = await cli(["user", "remove", "ada@example.com", "--yes"]);
      assert.equal(again.code, 1, printed(again));
      assert.match(again.stderr, /No user with email ada@example\.com in the company/);
    });

    it("refuses malformed arguments before sending anything (exit 2)", async () => {
      const offline = { configHome: await tempConfigHome(), env: { EDGEVAULT_ADDR: "http://127.0.0.1:9", EDGEVAULT_API_KEY: "evk_x" } };
      for (const [args, message] of [
        [["user", "invite", "not-an-email"], /<email> must be an email address/],
        [["user", "invite", "a@example.com", "--role", "admin"], /--role: must be owner or member/],
        [["user", "set-role", "a@example.com", "admin"], /<role> must be owner or member/],
        [["user", "set-role", "a@example.com"], /Missing argument <role>/],
        [["user", "remove", "bad id!"], /<user> must be an email address or a user id/],
        [["api-key", "create", "--label", ""], /--label: must not be empty/],
        [["api-key", "revoke", "bad id!"], /<id> must be a key id/],
        [["audit", "--since", "yesterday"], /--since: must be a duration back from now/],
        [["audit", "--action", "Vault Create"], /--action: must be an action as the log shows it/],
      ] as [string[], RegExp][]) {
        const result = await runCli(args, offline);
        assert.equal(result.code, 2, `${args.join(" ")}: ${printed(result)}`);
        assert.match(result.stderr, message, args.join(" "));
      }
    });
  });

  describe("api-key", () => {
    let key: { id: string; token: string };

    it("create prints the token once, alone on stdout; it works as EDGEVAULT_API_KEY; list shows label and prefix only", async () => {
      const created = await cli(["api-key", "create", "--label", "deploy pipeline"]);
      assert.equal(created.code, 0, printed(created));
      const token = created.stdout.trim();
      assert.equal(created.stdout, `${token}\n`);
      const id = /API key (key_\S+) \("deploy pipeline"\)/.exec(created.stderr)?.[1];
      assert.ok(id, created.stderr);
      key = { id, token };
      shownOnce.push({ secret: token, result: created });

      const whoami = await runCli(["whoami", "--json"], { configHome: await tempConfigHome(), env: { EDGEVAULT_ADDR: edge.addr, EDGEVAULT_API_KEY: token } });
      assert.equal(whoami.code, 0, printed(whoami));
      assert.equal((JSON.parse(whoami.stdout) as { id: string }).id, id);

      const listed = await cli(["api-key", "list"]);
      assert.equal(listed.code, 0, printed(listed));
      assert.match(listed.stdout, /^ID +LABEL +PREFIX +CREATED +LAST USED$/m);
      assert.match(listed.stdout, new RegExp(`^${id} +deploy pipeline +\\S+… +\\S+ +\\S+$`, "m"));
      const json = await cli(["api-key", "list", "--json"]);
      const keys = JSON.parse(json.stdout) as ApiKey[];
      assert.ok(keys.some((k) => k.id === id && k.label === "deploy pipeline"));
      assert.ok(!json.stdout.includes(token));
    });

    it("create --json gives the edge's fields, token included; the default label", async () => {
      const created = await cli(["api-key", "create", "--json"]);
      assert.equal(created.code, 0, printed(created));
      const issued = JSON.parse(created.stdout) as ApiKey & { token: string };
      assert.equal(issued.label, "edgevault cli");
      shownOnce.push({ secret: issued.token, result: created });
      const revoked = await cli(["api-key", "revoke", issued.id, "--yes", "--json"]);
      assert.deepEqual(JSON.parse(revoked.stdout), { revoked: issued.id });
    });

    it("revoke needs --yes without a terminal; afterwards the token is refused", async () => {
      const noTerminal = await cli(["api-key", "revoke", key.id]);
      assert.equal(noTerminal.code, 2, printed(noTerminal));
      assert.match(noTerminal.stderr, /pass --yes/);
      const revoked = await cli(["api-key", "revoke", key.id, "--yes"]);
      assert.equal(revoked.code, 0, printed(revoked));
      assert.equal(revoked.stdout, `Revoked API key ${key.id}.\n`);
      const refused = await runCli(["whoami"], { configHome: await tempConfigHome(), env: { EDGEVAULT_ADDR: edge.addr, EDGEVAULT_API_KEY: key.token } });
      assert.equal(refused.code, 1, printed(refused));
      assert.match(refused.stderr, /HTTP 401/);
      const again = await cli(["api-key", "revoke", key.id, "--yes"]);
      assert.equal(again.code, 1, printed(again));
      assert.match(again.stderr, /not found|HTTP 404/);
    });
  });

  describe("audit", () => {
    it("lists what was done, newest first, with actors and targets by name", async () => {
      assert.equal((await cli(["vault", "create", "audited"])).code, 0);
      const agent = await inviteAgent(edge, company.ownerKey, "audited-agent", [{ vault: "audited" }]);
      // Something the agent itself does, so it is an actor in the log.
      const raised = await fetch(`${edge.addr}/v1/proposals`, {
        method: "POST",
        headers: { Authorization: `Bearer ${agent.token}`, "X-Vault": "audited", "Content-Type": "application/json" },
        body: JSON.stringify({ credentials: [{ key: "AUDITED_KEY" }], message: "for the audit test" }),
      });
      assert.equal(raised.status, 201, await raised.text());
      const log = await cli(["audit", "--limit", "200"]);
      assert.equal(log.code, 0, printed(log));
      const lines = log.stdout.trim().split("\n");
      assert.match(lines[0] ?? "", /^TIME +ACTOR +ACTION +TARGET +DETAIL$/);
      assert.match(lines[1] ?? "", /^\S+ +agent:audited-agent +proposal\.raise +/);
      assert.match(log.stdout, /^\S+ +api-key:\S+.* +vault\.create +vault:audited +/m);
      assert.match(log.stdout, /^\S+ +invite:\S+ +agent\.invite\.redeem +agent:audited-agent /m);
      assert.match(log.stdout, /user\.delete/);
      assert.match(log.stdout, / agent:audited-agent /);

      const json = await cli(["audit", "--action", "vault.create", "--json"]);
      assert.equal(json.code, 0, printed(json));
      const body = JSON.parse(json.stdout) as { entries: AuditEntry[]; next_cursor: number | null };
      assert.ok(body.entries.length >= 1);
      assert.ok(body.entries.every((e) => e.action === "vault.create"));
      assert.equal(body.entries[0]?.target_name, "audited");
    });

    it("--actor by name, --since and --limit with a continuation hint", async () => {
      const byAgent = await cli(["audit", "--actor", "audited-agent", "--json"]);
      assert.equal(byAgent.code, 0, printed(byAgent));
      const entries = (JSON.parse(byAgent.stdout) as { entries: AuditEntry[] }).entries;
      assert.ok(entries.length >= 1);
      assert.ok(entries.every((e) => e.actor_type === "agent" && e.actor_name === "audited-agent"));

      const none = await cli(["audit", "--since", "2000-01-01", "--actor", "nobody-at-all"]);
      assert.equal(none.code, 0, printed(none));
      assert.equal(none.stdout, "");
      assert.match(none.stderr, /No audit entries match/);

      const recent = await cli(["audit", "--since", "1h", "--limit", "1"]);
      assert.equal(recent.code, 0, printed(recent));
      assert.equal(recent.stdout.trim().split("\n").length, 2);
      const more = /More entries: (edgevault audit .*--before \d+)/.exec(recent.stderr);
      assert.ok(more, recent.stderr);
      const next = await cli(more[1]?.split(" ").slice(1) ?? []);
      assert.equal(next.code, 0, printed(next));
      assert.notEqual(next.stdout.split("\n")[1], recent.stdout.split("\n")[1]);
    });
  });

  it("every user, api-key and audit command has --help with an example", async () => {
    await assertHelpWithExamples(COMMANDS.filter((c) => ["user", "api-key", "audit"].includes(c.path[0] ?? "")));
  });
});
