/**
 * A vault's settings and reports through the CLI against a real edge: `vault set` (policy and
 * rate limit, read back with GET /v1/vaults/<v>), `vault logs` after real proxied requests to a
 * local upstream, `vault webhook` (the printed secret signs real deliveries), and vault sessions
 * whose printed token works at the proxy until it is revoked.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { COMMANDS } from "../../cli/main.ts";
import { inviteAgent, proxyFetch, type TestAgent } from "./support/agent.ts";
import { printed, runCli, tempConfigHome, type CliOptions, type CliResult } from "./support/cli.ts";
import { startEdge, type Edge, type TestCompany } from "./support/edge.ts";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import { assertHelpWithExamples } from "./support/help.ts";

type VaultView = { name: string; unmatched_host_policy: string; rate_limit: Record<string, number> | null };
type LogEntry = { id: number; actor_type: string; method: string; host: string; path: string; status: number; service: string | null; denial: string | null };

describe("edgevault vault set, logs, webhook and session", () => {
  let edge: Edge;
  let company: TestCompany;
  let upstream: Upstream;
  let home: string;
  /** Runs the CLI logged in as the company's owner key. */
  let cli: (args: readonly string[], options?: Omit<CliOptions, "configHome">) => Promise<CliResult>;
  /** Every CLI result, checked at the end: secrets printed once, and only where asked for. */
  const results: CliResult[] = [];

  const vaultOnEdge = async (vault: string): Promise<VaultView> => {
    const res = await edge.call("GET", `/v1/vaults/${vault}`, company.ownerKey);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body as { vault: VaultView }).vault;
  };

  before(async () => {
    [edge, upstream] = await Promise.all([startEdge(), startUpstream()]);
    company = await edge.createCompany();
    home = await tempConfigHome();
    cli = async (args, options = {}) => {
      const result = await runCli(args, { configHome: home, ...options });
      results.push(result);
      return result;
    };
    const login = await cli(["login", "--addr", edge.addr, "--save-api-key"], { stdin: company.ownerKey });
    assert.equal(login.code, 0, printed(login));
  });
  after(async () => {
    await Promise.all([edge?.stop(), upstream?.close()]);
  });

  describe("vault set", () => {
    it("changes the unmatched-host policy", async () => {
      assert.equal((await cli(["vault", "create", "settings"])).code, 0);
      const deny = await cli(["vault", "set", "--vault", "settings", "--policy", "deny"]);
      assert.equal(deny.code, 0, printed(deny));
      assert.match(deny.stdout, /^Vault "settings": unmatched hosts deny; rate limit default \(20 req\/s, burst 200, 64 concurrent\)\.$/m);
      assert.equal((await vaultOnEdge("settings")).unmatched_host_policy, "deny");
      assert.equal((await cli(["vault", "set", "--policy", "passthrough"], { env: { EDGEVAULT_VAULT: "settings" } })).code, 0);
      assert.equal((await vaultOnEdge("settings")).unmatched_host_policy, "passthrough");
    });

    it("sets a rate limit, with or without concurrency, and drops it with default", async () => {
      const full = await cli(["vault", "set", "--vault", "settings", "--rate-limit", "5/10/4"]);
      assert.equal(full.code, 0, printed(full));
      assert.match(full.stdout, /rate limit 5 req\/s, burst 10, 4 concurrent\.$/m);
      assert.deepEqual((await vaultOnEdge("settings")).rate_limit, { rate_per_second: 5, burst: 10, max_concurrent: 4 });
      const listed = (JSON.parse((await cli(["vault", "list", "--json"])).stdout) as VaultView[]).find((v) => v.name === "settings");
      assert.deepEqual(listed?.rate_limit, { rate_per_second: 5, burst: 10, max_concurrent: 4 });

      const partial = await cli(["vault", "set", "--vault", "settings", "--rate-limit", "0.5/5", "--policy", "deny"]);
      assert.equal(partial.code, 0, printed(partial));
      assert.match(partial.stdout, /unmatched hosts deny; rate limit 0\.5 req\/s, burst 5, 64 concurrent \(default\)\.$/m);
      const view = await vaultOnEdge("settings");
      assert.deepEqual([view.rate_limit, view.unmatched_host_policy], [{ rate_per_second: 0.5, burst: 5 }, "deny"]);

      const reset = await cli(["vault", "set", "--vault", "settings", "--rate-limit", "default"]);
      assert.equal(reset.code, 0, printed(reset));
      assert.equal((await vaultOnEdge("settings")).rate_limit, null);
      assert.equal((await vaultOnEdge("settings")).unmatched_host_policy, "deny", "what is not given is kept");
    });

    it("refuses bad values with exit 2 before any request, and the edge's refusals with exit 1", async () => {
      const offline = {
        configHome: await tempConfigHome(),
        env: { EDGEVAULT_ADDR: "http://127.0.0.1:9", EDGEVAULT_API_KEY: "evk_unused", EDGEVAULT_VAULT: "settings" },
      };
      const cases: [string[], RegExp][] = [
        [["vault", "set"], /Nothing to change: give --policy and\/or --rate-limit/],
        [["vault", "set", "--policy", "maybe"], /--policy: must be passthrough or deny/],
        [["vault", "set", "--rate-limit", "5"], /--rate-limit: "5" is not a rate limit \(format: <rps>\/<burst>\[\/<concurrent>\]/],
        [["vault", "set", "--rate-limit", "0/10"], /--rate-limit: the rate must be a number of requests per second above 0/],
        [["vault", "set", "--rate-limit", "5/0"], /--rate-limit: the burst must be a whole number from 1 to 100000/],
        [["vault", "set", "--rate-limit", "5/2.5"], /--rate-limit: the burst must be a whole number/],
        [["vault", "set", "--rate-limit", "5/10/0"], /--rate-limit: the concurrency must be a whole number from 1 to 10000/],
        [["vault", "set", "--rate-limit", "5/10/4/1"], /--rate-limit: "5\/10\/4\/1" is not a rate limit/],
        [["vault", "logs", "--limit", "0"], /--limit: must be at least 1/],
        [["vault", "logs", "--limit", "ten"], /--limit: must be a whole number from 1 to 500/],
        [["vault", "logs", "--before", "-3"], /--before/],
        [["vault", "webhook", "add", "ftp://hooks.example.com"], /<url> must be an https URL/],
        [
          ["vault", "webhook", "add", "https://hooks.example.com", "--events", "approved"],
          /--events: unknown event "proposal\.approved"; use any of proposal\.created/,
        ],
        [["vault", "webhook", "add", "https://hooks.example.com", "--events", ","], /--events: name at least one event/],
        [["vault", "webhook", "remove", "not an id"], /<id> must be a webhook id/],
        [["session", "create", "--ttl", "1m"], /--ttl: must be a duration from 5m to 7d/],
        [["session", "create", "--label", "x".repeat(101)], /--label: must be at most 100 characters/],
        [["session", "revoke"], /Missing argument <id>/],
      ];
      for (const [args, message] of cases) {
        const result = await runCli(args, offline);
        assert.equal(result.code, 2, `${args.join(" ")}: ${printed(result)}`);
        assert.match(result.stderr, message, args.join(" "));
      }
      const unknown = await cli(["vault", "set", "--vault", "nope", "--policy", "deny"]);
      assert.equal(unknown.code, 1, printed(unknown));
      assert.match(unknown.stderr, /Vault "nope" not found \(not_found, HTTP 404\)/);
    });
  });

  describe("vault logs", () => {
    let agent: TestAgent;

    before(async () => {
      assert.equal((await cli(["vault", "create", "logs"])).code, 0);
      const add = await cli([
        "vault",
        "service",
        "add",
        "echo",
        "--vault",
        "logs",
        "--host",
        "api.echo.test",
        "--upstream",
        upstream.origin,
        "--auth",
        "bearer:ECHO_KEY",
      ]);
      assert.equal(add.code, 0, printed(add));
      assert.equal((await cli(["vault", "credential", "set", "ECHO_KEY", "--vault", "logs"], { stdin: "echo-secret-value" })).code, 0);
      agent = await inviteAgent(edge, company.ownerKey, "log-agent", [{ vault: "logs" }]);
    });

    /** The vault's log, holding exactly `count` entries: in local dev a read first writes what the edge buffered. */
    async function loggedEntries(vault: string, count: number): Promise<LogEntry[]> {
      const res = await edge.call("GET", `/v1/vaults/${vault}/logs`, company.ownerKey);
      const entries = (res.body as { entries: LogEntry[] }).entries;
      assert.equal(entries.length, count);
      return entries;
    }

    it("lists a proxied request and a refused one, newest first; --denied, --limit and --json", async () => {
      const ok = await proxyFetch(edge, agent.token, "api.echo.test/v1/things?secret=not-logged", { vault: "logs" });
      assert.equal(ok.status, 200, await ok.text());
      const received = await upstream.next();
      assert.equal(received.path, "/v1/things?secret=not-logged");
      assert.equal(received.headers.authorization, "Bearer echo-secret-value");

      const refused = await proxyFetch(edge, agent.token, "api.unknown.test/x", { vault: "logs" });
      assert.equal(refused.status, 403);
      await refused.text();
      await loggedEntries("logs", 2);

      const logs = await cli(["vault", "logs", "--vault", "logs"]);
      assert.equal(logs.code, 0, printed(logs));
      const lines = logs.stdout.trim().split("\n");
      assert.match(lines[0] ?? "", /^TIME +ACTOR +METHOD +HOST +PATH +STATUS +LATENCY +SERVICE +DENIAL$/);
      assert.match(lines[1] ?? "", /^\S+ +agent:\S+ +GET +api\.unknown\.test +\/x +403 +\d+ms +- +\S+$/);
      assert.match(lines[2] ?? "", /^\S+ +agent:\S+ +GET +api\.echo\.test +\/v1\/things +200 +\d+ms +echo +-$/);
      assert.ok(!logs.stdout.includes("not-logged"), "query strings are never logged");
      assert.ok(!logs.stdout.includes("echo-secret-value"));

      const denied = await cli(["vault", "logs", "--vault", "logs", "--denied", "--json"]);
      assert.equal(denied.code, 0, printed(denied));
      const deniedEntries = (JSON.parse(denied.stdout) as { entries: LogEntry[] }).entries;
      assert.deepEqual(
        deniedEntries.map((e) => [e.host, e.status]),
        [["api.unknown.test", 403]],
      );
      assert.ok(deniedEntries[0]?.denial);

      const first = await cli(["vault", "logs", "--vault", "logs", "--limit", "1"]);
      assert.equal(first.stdout.trim().split("\n").length, 2);
      const more = /edgevault vault logs --vault logs --before (\d+)/.exec(first.stderr);
      assert.ok(more, first.stderr);
      const second = await cli(["vault", "logs", "--vault", "logs", "--limit", "1", "--before", more[1] ?? ""]);
      assert.match(second.stdout, /api\.echo\.test +\/v1\/things +200/);
      assert.doesNotMatch(second.stderr, /More entries/);

      assert.equal((await cli(["vault", "create", "quiet"])).code, 0);
      const none = await cli(["vault", "logs", "--vault", "quiet"]);
      assert.equal(none.code, 0, printed(none));
      assert.match(none.stderr, /No proxied requests in vault "quiet" yet/);
    });

    it("is for vault admins: a member is refused by the edge", async () => {
      const user = await edge.createUser(company);
      assert.equal((await edge.call("POST", "/v1/vaults/logs/users", company.ownerKey, { email: user.email, role: "member" })).status, 200);
      const userHome = await tempConfigHome();
      assert.equal((await runCli(["login", "--addr", edge.addr, "--email", user.email], { configHome: userHome, stdin: user.password })).code, 0);
      const refused = await runCli(["vault", "logs", "--vault", "logs"], { configHome: userHome });
      assert.equal(refused.code, 1, printed(refused));
      assert.match(refused.stderr, /This needs the admin role in vault "logs"; you have member \(forbidden, HTTP 403\)/);
    });
  });

  describe("vault webhook", () => {
    it("prints the secret once, alone on stdout; deliveries are signed with it; list and remove", async () => {
      assert.equal((await cli(["vault", "create", "hooks"])).code, 0);
      const add = await cli(["vault", "webhook", "add", `${upstream.origin}/hook`, "--events", "created,proposal.rejected", "--vault", "hooks"]);
      assert.equal(add.code, 0, printed(add));
      const secret = add.stdout.trim();
      assert.match(secret, /^whsec_[A-Za-z0-9_-]+$/);
      assert.equal(add.stdout, `${secret}\n`);
      const id = /Webhook (whk_\w+) for vault "hooks": /.exec(add.stderr)?.[1];
      assert.ok(id, add.stderr);
      assert.match(add.stderr, /\(proposal\.created, proposal\.rejected\)/);
      assert.match(add.stderr, /shown only now/);

      const list = await cli(["vault", "webhook", "list", "--vault", "hooks"]);
      assert.equal(list.code, 0, printed(list));
      assert.match(list.stdout, /^ID +URL +EVENTS +CREATED$/m);
      assert.match(list.stdout, new RegExp(`^${id} +${upstream.origin}/hook +proposal\\.created,proposal\\.rejected +\\S+$`, "m"));
      const json = JSON.parse((await cli(["vault", "webhook", "list", "--vault", "hooks", "--json"])).stdout) as { id: string; events: string[] }[];
      assert.deepEqual(
        json.map((w) => [w.id, w.events]),
        [[id, ["proposal.created", "proposal.rejected"]]],
      );

      // A real event: an agent raises a proposal; the delivery's signature checks out with the printed secret.
      const agent = await inviteAgent(edge, company.ownerKey, "hook-agent", [{ vault: "hooks" }]);
      const raised = await fetch(`${edge.addr}/v1/proposals`, {
        method: "POST",
        headers: { Authorization: `Bearer ${agent.token}`, "X-Vault": "hooks", "Content-Type": "application/json" },
        body: JSON.stringify({ credentials: [{ key: "HOOK_KEY", description: "for the webhook test" }], message: "webhook test" }),
      });
      assert.equal(raised.status, 201);
      const delivery = await upstream.next();
      assert.equal(delivery.path, "/hook");
      assert.equal(delivery.headers["x-edgevault-event"], "proposal.created");
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]+)$/.exec(String(delivery.headers["x-edgevault-signature"])) ?? [];
      assert.equal(v1, createHmac("sha256", secret).update(`${t}.${delivery.body}`).digest("hex"));

      const removed = await cli(["vault", "webhook", "remove", id, "--vault", "hooks"]);
      assert.equal(removed.code, 0, printed(removed));
      assert.match(removed.stdout, new RegExp(`^Removed webhook ${id} from vault "hooks"\\.$`, "m"));
      const empty = await cli(["vault", "webhook", "list", "--vault", "hooks"]);
      assert.match(empty.stderr, /No webhooks in vault "hooks"/);
      const again = await cli(["vault", "webhook", "remove", id, "--vault", "hooks"]);
      assert.equal(again.code, 1, printed(again));
      assert.match(again.stderr, /Webhook not found \(not_found, HTTP 404\)/);

      const printedAt = results.filter((r) => printed(r).includes(secret));
      assert.deepEqual(printedAt, [add], "the secret is printed by webhook add and nowhere else");
    });
  });

  describe("session", () => {
    it("create prints the token alone; it works at the proxy without X-Vault until revoked; list shows it", async () => {
      assert.equal((await cli(["vault", "create", "ci"])).code, 0);
      assert.equal(
        (await cli(["vault", "service", "add", "echo", "--vault", "ci", "--host", "api.echo.test", "--upstream", upstream.origin, "--auth", "passthrough"]))
          .code,
        0,
      );

      const create = await cli(["session", "create", "--vault", "ci", "--ttl", "1h", "--label", "deploy job"]);
      assert.equal(create.code, 0, printed(create));
      const token = create.stdout.trim();
      assert.equal(create.stdout, `${token}\n`);
      const id = /Session (ses_\w+) for vault "ci" at /.exec(create.stderr)?.[1];
      assert.ok(id, create.stderr);
      assert.match(create.stderr, /Revoke it with: edgevault session revoke ses_\w+/);

      const proxied = await proxyFetch(edge, token, "api.echo.test/from-ci");
      assert.equal(proxied.status, 200, await proxied.text());
      assert.equal((await upstream.next()).path, "/from-ci");

      const list = await cli(["session", "list", "--vault", "ci"]);
      assert.equal(list.code, 0, printed(list));
      assert.match(list.stdout, /^ID +LABEL +MINTED BY +CREATED +EXPIRES$/m);
      assert.match(list.stdout, new RegExp(`^${id} +deploy job +company_key:\\S+ +\\S+ +\\S+$`, "m"));
      assert.ok(!list.stdout.includes(token));
      const json = await cli(["session", "list", "--json"], { env: { EDGEVAULT_VAULT: "ci" } });
      const sessions = JSON.parse(json.stdout) as { id: string; label: string; expires_at: string }[];
      const listed = sessions.find((s) => s.id === id);
      assert.equal(listed?.label, "deploy job");
      const ttl = Date.parse(listed?.expires_at ?? "") - Date.now();
      assert.ok(ttl > 55 * 60_000 && ttl <= 60 * 60_000, `--ttl 1h: expires in ${ttl} ms`);

      const revoke = await cli(["session", "revoke", id]);
      assert.equal(revoke.code, 0, printed(revoke));
      assert.match(revoke.stdout, new RegExp(`^Revoked session ${id}\\.$`, "m"));
      const refused = await proxyFetch(edge, token, "api.echo.test/after-revoke");
      assert.equal(refused.status, 401);
      const after = await cli(["session", "list", "--vault", "ci"]);
      assert.match(after.stderr, /No active sessions in vault "ci"/);
      const again = await cli(["session", "revoke", id]);
      assert.equal(again.code, 1, printed(again));
      assert.match(again.stderr, /Session not found \(not_found, HTTP 404\)/);

      const printedAt = results.filter((r) => printed(r).includes(token));
      assert.deepEqual(printedAt, [create], "the token is printed by session create and nowhere else");
    });

    it("create --json gives the id, token, expiry, address and vault", async () => {
      const create = await cli(["session", "create", "--vault", "ci", "--json"]);
      assert.equal(create.code, 0, printed(create));
      const minted = JSON.parse(create.stdout) as { id: string; token: string; expires_at: string; addr: string; vault: string };
      assert.deepEqual([minted.vault, minted.addr], ["ci", edge.addr]);
      const ttl = Date.parse(minted.expires_at) - Date.now();
      assert.ok(ttl > 23 * 3600_000 && ttl <= 24 * 3600_000, "the edge's default is 24h");
      assert.equal((await cli(["session", "revoke", minted.id])).code, 0);
    });
  });

  it("every command here has --help with an example", async () => {
    const commands = COMMANDS.filter((c) => (c.path[0] === "vault" && ["set", "logs", "webhook"].includes(c.path[1] ?? "")) || c.path[0] === "session");
    assert.equal(commands.length, 8);
    await assertHelpWithExamples(commands);
  });
});
