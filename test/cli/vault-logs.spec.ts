/**
 * `vault logs` filters and `--follow` against a real edge: agents shown by name, the edge's
 * filters (agent, service, status, refusals), and a follow that prints entries logged after it
 * started, in order, until Ctrl+C ends it with exit 0.
 */
import assert from "node:assert/strict";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { inviteAgent, proxyFetch, type TestAgent } from "./support/agent.ts";
import { spawnCli } from "./support/cli-child.ts";
import { printed, runCli, tempConfigHome, type CliOptions } from "./support/cli.ts";
import { startEdge, type Edge, type TestCompany } from "./support/edge.ts";
import { startUpstream, type Upstream } from "./support/upstream.ts";

type LogEntry = { id: number; actor_type: string; actor_name: string | null; host: string; path: string; status: number; service: string | null };

describe("edgevault vault logs: filters and --follow", () => {
  let edge: Edge;
  let company: TestCompany;
  let upstream: Upstream;
  let home: string;
  let alpha: TestAgent;
  let beta: TestAgent;
  const cli = (args: readonly string[], options: Omit<CliOptions, "configHome"> = {}) => runCli(args, { configHome: home, ...options });

  /** A request through the proxy as `agent`; resolves with its status once answered. */
  async function call(agent: TestAgent, hostAndPath: string): Promise<number> {
    const response = await proxyFetch(edge, agent.token, hostAndPath, { vault: "traffic" });
    await response.text();
    return response.status;
  }

  /** The log holds exactly `count` entries: in local dev a read first writes what the edge buffered, so no waiting. */
  async function logged(count: number): Promise<void> {
    const res = await edge.call("GET", "/v1/vaults/traffic/logs", company.ownerKey);
    assert.equal((res.body as { entries: unknown[] }).entries.length, count);
  }

  before(async () => {
    [edge, upstream] = await Promise.all([startEdge(), startUpstream()]);
    company = await edge.createCompany();
    home = await tempConfigHome();
    assert.equal((await cli(["login", "--addr", edge.addr, "--save-api-key"], { stdin: company.ownerKey })).code, 0);
    assert.equal((await cli(["vault", "create", "traffic"])).code, 0);
    for (const name of ["one", "two"]) {
      const add = await cli([
        "vault",
        "service",
        "add",
        name,
        "--vault",
        "traffic",
        "--host",
        `api.${name}.test`,
        "--upstream",
        upstream.origin,
        "--auth",
        "passthrough",
      ]);
      assert.equal(add.code, 0, printed(add));
    }
    [alpha, beta] = await Promise.all([
      inviteAgent(edge, company.ownerKey, "alpha-agent", [{ vault: "traffic" }]),
      inviteAgent(edge, company.ownerKey, "beta-agent", [{ vault: "traffic" }]),
    ]);
    assert.equal(await call(alpha, "api.one.test/a"), 200);
    assert.equal(await call(beta, "api.two.test/b"), 200);
    assert.equal(await call(beta, "api.nowhere.test/c"), 403);
    await logged(3);
  });
  after(async () => {
    await Promise.all([edge?.stop(), upstream?.close()]);
  });

  it("shows agents by name, and filters by agent, service, status and refusal on the edge", async () => {
    const all = await cli(["vault", "logs", "--vault", "traffic"]);
    assert.equal(all.code, 0, printed(all));
    assert.match(all.stdout, /^\S+ +agent:alpha-agent +GET +api\.one\.test +\/a +200 /m);
    assert.match(all.stdout, /^\S+ +agent:beta-agent +GET +api\.two\.test +\/b +200 /m);

    const filtered = async (...args: string[]) => {
      const result = await cli(["vault", "logs", "--vault", "traffic", "--json", ...args]);
      assert.equal(result.code, 0, printed(result));
      return (JSON.parse(result.stdout) as { entries: LogEntry[] }).entries.map((e) => `${e.actor_name} ${e.host}${e.path} ${e.status}`);
    };
    assert.deepEqual(await filtered("--agent", "alpha-agent"), ["alpha-agent api.one.test/a 200"]);
    assert.deepEqual(await filtered("--service", "two"), ["beta-agent api.two.test/b 200"]);
    assert.deepEqual(await filtered("--status", "403"), ["beta-agent api.nowhere.test/c 403"]);
    assert.deepEqual(await filtered("--agent", "beta-agent", "--denied"), ["beta-agent api.nowhere.test/c 403"]);
    assert.deepEqual(await filtered("--agent", "beta-agent", "--status", "200", "--service", "one"), []);

    const unknown = await cli(["vault", "logs", "--vault", "traffic", "--agent", "no-such-agent"]);
    assert.equal(unknown.code, 1, printed(unknown));
    assert.match(unknown.stderr, /HTTP 404/);
    const none = await cli(["vault", "logs", "--vault", "traffic", "--service", "one", "--status", "500"]);
    assert.equal(none.code, 0, printed(none));
    assert.match(none.stderr, /No requests in vault "traffic" match/);
  });

  it("--follow prints the last entries oldest first, then new ones as they are logged; Ctrl+C ends it with 0", async () => {
    const following = spawnCli(["vault", "logs", "--vault", "traffic", "--follow", "--limit", "2"], { configHome: home });
    await following.stderrMatching(/Following the request log of vault "traffic"; Ctrl\+C to stop\./);
    assert.equal(await call(alpha, "api.one.test/followed-1"), 200);
    assert.equal(await call(beta, "api.two.test/followed-2"), 200);
    await following.stdoutMatching(/followed-2/);
    // Cells longer than their column: a long path, and a long host no service answers (refused).
    assert.equal(await call(beta, `api.one.test/long-${"x".repeat(80)}`), 200);
    assert.equal(await call(beta, "api.a-host-name-far-longer-than-its-column.test/d"), 403);
    await following.stdoutMatching(/api\.a-host-name-far-lon/);
    following.interrupt();
    const result = await following.result;
    assert.equal(result.code, 0, printed(result));
    const lines = result.stdout.trim().split("\n");
    assert.match(lines[0] ?? "", /^TIME +ACTOR +METHOD +HOST +PATH +STATUS +LATENCY +SERVICE +DENIAL$/);
    // The columns never drift from the header: every row's cells start where its titles do.
    const starts = [...(lines[0] ?? "").matchAll(/\S+/g)].map((m) => m.index);
    for (const line of lines.slice(1)) {
      for (const start of starts.slice(1)) assert.match(line.slice(start - 2, start + 1), /^ {2}\S$/, `column at ${start} of:\n${lines[0]}\n${line}`);
    }
    assert.match(result.stdout, /\/long-x+… +200 /);
    assert.match(result.stdout, / +403 +\S+ +- +forbidden$/m);
    // The two latest before it started (oldest first), then the two new ones in the order made.
    assert.deepEqual(
      lines.slice(1, 5).map((line) => line.split(/ +/).slice(1, 5).join(" ")),
      [
        "agent:beta-agent GET api.two.test /b",
        "agent:beta-agent GET api.nowhere.test /c",
        "agent:alpha-agent GET api.one.test /followed-1",
        "agent:beta-agent GET api.two.test /followed-2",
      ],
    );
  });

  it("--follow --json prints one entry per line, filters applied", async () => {
    const following = spawnCli(["vault", "logs", "--vault", "traffic", "--follow", "--json", "--agent", "alpha-agent", "--limit", "1"], { configHome: home });
    await following.stderrMatching(/Following/);
    assert.equal(await call(beta, "api.two.test/not-alpha"), 200);
    assert.equal(await call(alpha, "api.one.test/alpha-again"), 200);
    await following.stdoutMatching(/alpha-again/);
    following.interrupt();
    const result = await following.result;
    assert.equal(result.code, 0, printed(result));
    const entries = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as LogEntry);
    assert.deepEqual(
      entries.map((e) => `${e.actor_name} ${e.path}`),
      ["alpha-agent /followed-1", "alpha-agent /alpha-again"],
    );
  });

  it("--follow cannot start --before an entry (exit 2)", async () => {
    const result = await cli(["vault", "logs", "--vault", "traffic", "--follow", "--before", "5"]);
    assert.equal(result.code, 2, printed(result));
    assert.match(result.stderr, /--follow prints new entries as they arrive; it cannot start --before an entry/);
  });
});
