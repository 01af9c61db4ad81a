/**
 * Per-request approval through the CLI, against a real `wrangler dev`: a service added with
 * `--require-approval`, an agent's curl through `vault run` that simply waits until a person runs
 * `request approve` (then gets the upstream's answer, the credential injected at the edge), a
 * time-boxed approval (`--for`) that lets the same call through, `request releases` and
 * `request revoke`, `request reject`, `--json`, and an API key told that only a person decides.
 */
import assert from "node:assert/strict";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { COMMANDS } from "../../cli/main.ts";
import { printed, runCli, tempConfigHome, type CliOptions, type CliResult } from "./support/cli.ts";
import { spawnCli } from "./support/cli-child.ts";
import { startEdge, type Edge, type TestCompany } from "./support/edge.ts";
import { assertHelpWithExamples } from "./support/help.ts";
import { startUpstream, type Upstream } from "./support/mitm.ts";

const VAULT = "deploys";
const HOST = "api.deploy.test";
const TOKEN = "deploy-token-value-for-the-cli-test";

type Held = { id: string; status: string; path: string; method: string; expired_reason: string | null; released_for_seconds: number | null };

describe("edgevault request: a person approves individual calls", { timeout: 180_000 }, () => {
  let edge: Edge;
  let upstream: Upstream;
  let company: TestCompany;
  /** The owner key's login: it adds the service and runs the agent (`vault run`). */
  let asOwner: (args: readonly string[], options?: Omit<CliOptions, "configHome">) => Promise<CliResult>;
  let ownerHome: string;
  /** A person who is an admin of the vault: they decide. */
  let asAdmin: (args: readonly string[], options?: Omit<CliOptions, "configHome">) => Promise<CliResult>;

  /** The vault's requests in `status` once one is there (recorded by the edge as the call arrives). */
  async function waitingRequest(count = 1): Promise<Held> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await edge.call("GET", `/v1/vaults/${VAULT}/requests?status=pending`, company.ownerKey);
      const requests = (res.body as { requests: Held[] }).requests;
      if (requests.length >= count && requests[0]) return requests[0];
      if (Date.now() > deadline) throw new Error("no request waited for a person within 20 s");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The agent: curl through `vault run`, as a child that keeps running while the test decides. */
  const agentCurl = (path: string) =>
    spawnCli(["vault", "run", "--vault", VAULT, "--", "curl", "-sS", "--fail-with-body", "-X", "POST", `https://${HOST}${path}`], { configHome: ownerHome });

  before(async () => {
    [edge, upstream] = await Promise.all([startEdge(), startUpstream()]);
    company = await edge.createCompany();
    ownerHome = await tempConfigHome();
    asOwner = (args, options = {}) => runCli(args, { configHome: ownerHome, ...options });
    assert.equal((await asOwner(["login", "--addr", edge.addr, "--save-api-key"], { stdin: company.ownerKey })).code, 0);
    assert.equal((await asOwner(["vault", "create", VAULT])).code, 0);
    assert.equal((await asOwner(["vault", "credential", "set", "DEPLOY_TOKEN", "--vault", VAULT], { stdin: TOKEN })).code, 0);

    const person = await edge.createUser(company);
    assert.equal((await edge.call("POST", `/v1/vaults/${VAULT}/users`, company.ownerKey, { email: person.email, role: "admin" })).status, 200);
    const adminHome = await tempConfigHome();
    asAdmin = (args, options = {}) => runCli(args, { configHome: adminHome, ...options, env: { EDGEVAULT_VAULT: VAULT, ...options.env } });
    assert.equal((await asAdmin(["login", "--addr", edge.addr, "--email", person.email], { stdin: person.password })).code, 0);
  });
  after(async () => {
    await Promise.all([edge?.stop(), upstream?.close()]);
  });

  it("vault service add --require-approval says so, and the service holds it", async () => {
    const added = await asOwner([
      "vault",
      "service",
      "add",
      "deploy",
      "--vault",
      VAULT,
      "--host",
      HOST,
      "--upstream",
      upstream.origin,
      "--auth",
      "bearer:DEPLOY_TOKEN",
      "--require-approval",
      "--approval-timeout",
      "5m",
    ]);
    assert.equal(added.code, 0, printed(added));
    assert.match(added.stdout, /every call waits for a person \(up to 5m\)/);
    const service = (await edge.call("GET", `/v1/vaults/${VAULT}/services/deploy`, company.ownerKey)).body as { service: Record<string, unknown> };
    assert.equal(service.service.require_approval, true);
    assert.equal(service.service.approval_timeout_seconds, 300);
  });

  it("the agent's curl through vault run waits until request approve --for 10m; then the same call passes at once", async () => {
    const curl = agentCurl("/v1/deploy?ref=main");
    const held = await waitingRequest();
    assert.equal(held.path, "/v1/deploy");
    assert.equal(upstream.received.length, 0, "nothing reached the upstream while the call waited");

    const listed = await asAdmin(["request", "list", "--status", "pending"]);
    assert.equal(listed.code, 0, printed(listed));
    assert.match(listed.stdout, new RegExp(`^${held.id} +pending +POST ${HOST.replace(/\./g, "\\.")}/v1/deploy +deploy +API key`, "m"));
    assert.doesNotMatch(listed.stdout, /ref=main/);

    const owner = await asOwner(["request", "approve", held.id]);
    assert.equal(owner.code, 1, printed(owner));
    assert.match(owner.stderr, /Only a signed-in person decides held requests/);

    const approved = await asAdmin(["request", "approve", held.id, "--for", "10m"]);
    assert.equal(approved.code, 0, printed(approved));
    assert.match(approved.stdout, /it goes on to the upstream now; the same call passes without asking for 10m/);
    const done = await curl.result;
    assert.equal(done.code, 0, printed(done));
    assert.deepEqual(JSON.parse(done.stdout), { upstream: true, method: "POST", url: "/v1/deploy?ref=main", bytes: 0 });
    assert.equal(upstream.received.at(-1)?.headers.authorization, `Bearer ${TOKEN}`);

    const again = await agentCurl("/v1/deploy?ref=next").result;
    assert.equal(again.code, 0, printed(again));
    assert.equal(upstream.received.at(-1)?.url, "/v1/deploy?ref=next");
  });

  it("request releases lists the time box; request revoke ends it, and the next call waits; request reject refuses it", async () => {
    const releases = await asAdmin(["request", "releases", "--json"]);
    assert.equal(releases.code, 0, printed(releases));
    const [release] = JSON.parse(releases.stdout) as { id: string; path: string }[];
    assert.equal(release?.path, "/v1/deploy");
    const table = await asAdmin(["request", "releases"]);
    assert.match(table.stdout, /^ID +CALL +AGENT +APPROVED BY +UNTIL$/m);

    const revoked = await asAdmin(["request", "revoke", release?.id ?? ""]);
    assert.equal(revoked.code, 0, printed(revoked));
    assert.match(revoked.stdout, /those calls wait for a person again/);

    const before = upstream.received.length;
    const curl = agentCurl("/v1/deploy");
    const held = await waitingRequest();
    const rejected = await asAdmin(["request", "reject", held.id, "--reason", "not during the freeze", "--json"]);
    assert.equal(rejected.code, 0, printed(rejected));
    assert.equal((JSON.parse(rejected.stdout) as Held).status, "rejected");
    const done = await curl.result;
    assert.notEqual(done.code, 0, "curl --fail-with-body fails on the 403");
    assert.match(done.stdout, /"error":"request_rejected"/);
    assert.match(done.stdout, /not during the freeze/);
    assert.equal(upstream.received.length, before, "a rejected call never reaches the upstream");

    const list = await asAdmin(["request", "list", "--json"]);
    assert.deepEqual(
      (JSON.parse(list.stdout) as Held[]).map((r) => [r.status, r.released_for_seconds]),
      [
        ["rejected", null],
        ["approved", 600],
      ],
    );
  });

  it("bad flags are refused before anything is sent, and every command explains itself with examples", async () => {
    const offline = { configHome: await tempConfigHome() };
    for (const [args, message] of [
      [["request", "approve", "hrq_x", "--for", "2h"], /--for: must be a duration from 1s to 1h/],
      [["request", "list", "--status", "waiting"], /--status: must be one of pending, approved, rejected, expired/],
      [["request", "approve", "not an id"], /<id> must be a request id/],
    ] as const) {
      const result = await runCli(args, offline);
      assert.equal(result.code, 2, `${args.join(" ")}: ${printed(result)}`);
      assert.match(result.stderr, message);
    }
    await assertHelpWithExamples(COMMANDS.filter((c) => c.path[0] === "request"));
  });
});
