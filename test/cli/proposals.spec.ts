/**
 * Proposals through the CLI against a real edge: an agent raises them with fetch; a signed-in
 * person lists, reviews, approves (values from stdin, or typed at a hidden prompt) and rejects
 * them with the CLI; `proposal wait` returns when a decision lands while it waits. API keys are
 * told how to get a person's login. Values typed at approval appear in no output. How values are
 * read at a terminal or from stdin: proposal-values.spec.ts.
 */
import assert from "node:assert/strict";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { COMMANDS } from "../../cli/main.ts";
import { inviteAgent, proxyFetch, type TestAgent } from "./support/agent.ts";
import { spawnCli } from "./support/cli-child.ts";
import { printed, runCli, tempConfigHome, type CliOptions, type CliResult } from "./support/cli.ts";
import { startEdge, type Edge, type TestCompany, type TestUser } from "./support/edge.ts";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import { assertHelpWithExamples } from "./support/help.ts";

type Proposal = { id: string; status: string; vault: string; review_note: string | null; credentials: { key: string; has_value: boolean }[] };

/** Values typed into approve: none of them may ever be printed. */
const SECRETS = {
  stripe: "sk_test_typed-into-approve_51Hx",
  twilioSid: "AC_typed-sid_7f3e",
  twilioToken: "typed-token=with=equals_9q",
  agent: "agent-supplied-value_do-not-print",
  apiKeyCaller: "sk_live_typed-by-an-api-key-caller",
};

describe("edgevault proposal", () => {
  let edge: Edge;
  let company: TestCompany;
  let upstream: Upstream;
  let agent: TestAgent;
  let reviewer: TestUser;
  let ownerHome: string;
  let reviewerHome: string;
  /** Every CLI result, checked at the end for leaked values. */
  const results: CliResult[] = [];
  const record = async (result: Promise<CliResult>) => {
    const done = await result;
    results.push(done);
    return done;
  };
  /** The CLI signed in as the reviewer, a person with the member role in vault "payments". */
  const asReviewer = (args: readonly string[], options: Omit<CliOptions, "configHome"> = {}) => record(runCli(args, { configHome: reviewerHome, ...options }));
  /** The CLI logged in with the company's owner API key. */
  const asOwnerKey = (args: readonly string[], options: Omit<CliOptions, "configHome"> = {}) => record(runCli(args, { configHome: ownerHome, ...options }));

  /** The agent's side: POST /v1/proposals with its own token. */
  async function raise(body: Record<string, unknown>): Promise<string> {
    const res = await fetch(`${edge.addr}/v1/proposals`, {
      method: "POST",
      headers: { Authorization: `Bearer ${agent.token}`, "X-Vault": "payments", "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const raised = (await res.json()) as { id?: string };
    assert.equal(res.status, 201, JSON.stringify(raised));
    assert.ok(raised.id);
    return raised.id;
  }

  const proposalOnEdge = async (id: string): Promise<Proposal> => (await edge.call("GET", `/v1/proposals/${id}`, company.ownerKey)).body as Proposal;

  /** The reviewer's bearer session, for deciding through the API while the CLI waits. */
  async function reviewerToken(): Promise<string> {
    const res = await edge.call("POST", "/v1/auth/sign-in", undefined, { email: reviewer.email, password: reviewer.password, mode: "bearer" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body as { token: string }).token;
  }

  /** Asks for a service, a value to type, a value the agent supplies, and (optionally) removing a key. */
  const stripeProposal = (name = "stripe", host = "api.stripe.test", removeOldKey = false) => ({
    services: [{ name, host, upstream: upstream.origin, description: "Stripe API", auth: { type: "bearer", token: "STRIPE_KEY" } }],
    credentials: [
      {
        key: "STRIPE_KEY",
        description: "Stripe secret key",
        obtain: "https://dashboard.stripe.com/apikeys",
        obtain_instructions: "Developers → API keys → Create restricted key",
      },
      { key: "AGENT_KEY", description: "Supplied by the agent", value: SECRETS.agent },
      ...(removeOldKey ? [{ action: "delete", key: "OLD_KEY" }] : []),
    ],
    message: "I need to list charges \x1b[2Jand nothing else",
  });

  before(async () => {
    [edge, upstream] = await Promise.all([startEdge(), startUpstream()]);
    company = await edge.createCompany();
    ownerHome = await tempConfigHome();
    reviewerHome = await tempConfigHome();
    assert.equal((await runCli(["login", "--addr", edge.addr, "--save-api-key"], { configHome: ownerHome, stdin: company.ownerKey })).code, 0);
    assert.equal((await runCli(["vault", "create", "payments"], { configHome: ownerHome })).code, 0);
    assert.equal((await runCli(["vault", "create", "other"], { configHome: ownerHome })).code, 0);
    reviewer = await edge.createUser(company, "member");
    // These proposals add services: deciding them needs an admin of the vault.
    assert.equal((await edge.call("POST", "/v1/vaults/payments/users", company.ownerKey, { email: reviewer.email, role: "admin" })).status, 200);
    const login = await runCli(["login", "--addr", edge.addr, "--email", reviewer.email], { configHome: reviewerHome, stdin: reviewer.password });
    assert.equal(login.code, 0, printed(login));
    agent = await inviteAgent(edge, company.ownerKey, "billing-agent", [{ vault: "payments" }]);
  });
  after(async () => {
    await Promise.all([edge?.stop(), upstream?.close()]);
  });

  describe("list and show", () => {
    let id: string;
    before(async () => {
      assert.equal((await runCli(["vault", "credential", "set", "OLD_KEY", "--vault", "payments"], { configHome: ownerHome, stdin: "old" })).code, 0);
      id = await raise(stripeProposal("stripe", "api.stripe.test", true));
    });

    it("lists the vault's proposals as a table and as JSON, filtered by status", async () => {
      const list = await asReviewer(["proposal", "list", "--vault", "payments"]);
      assert.equal(list.code, 0, printed(list));
      assert.match(list.stdout, /^ID +STATUS +RAISED BY +SERVICES +CREDENTIALS +CREATED +MESSAGE$/m);
      assert.match(
        list.stdout,
        new RegExp(
          `^${id} +pending +agent billing-agent +stripe +STRIPE_KEY,AGENT_KEY,-OLD_KEY +\\S+ +I need to list charges \\\\u\\{1b\\}\\[2Jand nothing else$`,
          "m",
        ),
      );
      assert.match(list.stderr, /1 pending\. Review one with: edgevault proposal show/);

      const json = await asReviewer(["proposal", "list", "--json"], { env: { EDGEVAULT_VAULT: "payments" } });
      assert.equal(json.code, 0, printed(json));
      const proposals = JSON.parse(json.stdout) as Proposal[];
      assert.deepEqual(
        proposals.map((p) => [p.id, p.status]),
        [[id, "pending"]],
      );

      const applied = await asReviewer(["proposal", "list", "--vault", "payments", "--status", "applied"]);
      assert.equal(applied.code, 0, printed(applied));
      assert.equal(applied.stdout, "");
      assert.match(applied.stderr, /No applied proposals in vault "payments"/);
    });

    it("shows who raised it, services with host and auth, slots with where each value goes, description, where to obtain and how, and the message", async () => {
      const show = await asReviewer(["proposal", "show", id]);
      assert.equal(show.code, 0, printed(show));
      assert.match(show.stdout, new RegExp(`^Proposal: +${id}$`, "m"));
      assert.match(show.stdout, /^Raised by: +agent billing-agent$/m);
      assert.match(show.stdout, /^Vault: +payments$/m);
      assert.match(show.stdout, /^Status: +pending \(expires \S+\)$/m);
      assert.match(show.stdout, /^Services:\n {2}set +stripe +api\.stripe\.test via http:\/\/127\.0\.0\.1:\d+ +bearer STRIPE_KEY\n {10}Stripe API$/m);
      assert.match(
        show.stdout,
        /^ {2}set +STRIPE_KEY +needs a value\n {8}! Sent to: http:\/\/127\.0\.0\.1:\d+ \(service stripe; host chosen by agent billing-agent in this proposal\)\n {10}Stripe secret key\n {10}Get it at: https:\/\/dashboard\.stripe\.com\/apikeys\n {10}How: Developers → API keys → Create restricted key$/m,
      );
      assert.match(show.stdout, /^ {2}set +AGENT_KEY +value supplied by the agent\n {10}Sent to: no service \(only stored\)$/m);
      assert.match(show.stdout, /^ {2}delete +OLD_KEY$/m);
      // The agent's escape sequence is shown, never sent to the reviewer's terminal.
      assert.match(show.stdout, /^Message: +I need to list charges \\u\{1b\}\[2Jand nothing else$/m);
      assert.ok(!show.stdout.includes("\x1b"));
      assert.match(show.stderr, new RegExp(`Approve with: edgevault proposal approve ${id}`));
      assert.ok(!printed(show).includes(SECRETS.agent));

      const json = await asReviewer(["proposal", "show", id, "--json"]);
      const shown = JSON.parse(json.stdout) as Proposal;
      assert.deepEqual(
        shown.credentials.map((c) => [c.key, c.has_value]),
        [
          ["STRIPE_KEY", false],
          ["AGENT_KEY", true],
          ["OLD_KEY", false],
        ],
      );

      const missing = await asReviewer(["proposal", "show", "prp_000000000000000000"]);
      assert.equal(missing.code, 1, printed(missing));
      assert.match(missing.stderr, /Proposal not found \(not_found, HTTP 404\)/);
    });

    it("an API key is told to log in as a person, before any value is read; nothing is decided", async () => {
      const approve = await asOwnerKey(["proposal", "approve", id], { stdin: `${SECRETS.apiKeyCaller}\n` });
      assert.equal(approve.code, 1, printed(approve));
      assert.match(
        approve.stderr,
        /Only a signed-in person can approve proposals, not an API key, agent or session\. Log in as yourself with `edgevault login --email you@example\.com`/,
      );
      assert.doesNotMatch(approve.stderr, /EDGEVAULT_API_KEY/);

      const fromEnv = await record(
        runCli(["proposal", "reject", id, "--reason", "no"], {
          configHome: await tempConfigHome(),
          env: { EDGEVAULT_ADDR: edge.addr, EDGEVAULT_API_KEY: company.ownerKey },
        }),
      );
      assert.equal(fromEnv.code, 1, printed(fromEnv));
      // Refused by the edge itself this time: its code is kept, and the fix names the variable to unset.
      assert.match(
        fromEnv.stderr,
        /Only a signed-in person can reject proposals, not an API key, agent or session \(human_required, HTTP 403\)\. Log in as yourself with `edgevault login --email you@example\.com` and unset EDGEVAULT_API_KEY/,
      );
      assert.equal((await proposalOnEdge(id)).status, "pending");
    });

    it("--vault guards against an id from another vault", async () => {
      const wrong = await asReviewer(["proposal", "approve", id, "--vault", "other"], { stdin: "x" });
      assert.equal(wrong.code, 1, printed(wrong));
      assert.match(wrong.stderr, new RegExp(`Proposal ${id} belongs to vault "payments", not "other"; nothing was decided`));
      assert.equal((await proposalOnEdge(id)).status, "pending");
    });

    it("approves with the one missing value from stdin: services and credentials applied, the proxy uses the value", async () => {
      const approve = await asReviewer(["proposal", "approve", id, "--vault", "payments", "--note", "ok for charges"], { stdin: `${SECRETS.stripe}\n` });
      assert.equal(approve.code, 0, printed(approve));
      // Who asks and where the value goes are said before the value is read.
      assert.match(
        approve.stderr,
        /^Raised by agent billing-agent\.\nSTRIPE_KEY:\n {2}! Sent to: http:\/\/127\.0\.0\.1:\d+ \(service stripe; host chosen by agent billing-agent in this proposal\)$/m,
      );
      assert.match(
        approve.stdout,
        new RegExp(`^Approved proposal ${id} in vault "payments": set stripe, stored STRIPE_KEY, stored AGENT_KEY, removed OLD_KEY\\.$`, "m"),
      );
      const decided = await proposalOnEdge(id);
      assert.deepEqual([decided.status, decided.review_note], ["applied", "ok for charges"]);

      const proxied = await proxyFetch(edge, agent.token, "api.stripe.test/v1/charges", { vault: "payments" });
      assert.equal(proxied.status, 200, await proxied.text());
      assert.equal((await upstream.next()).headers.authorization, `Bearer ${SECRETS.stripe}`);

      const again = await asReviewer(["proposal", "approve", id], { stdin: SECRETS.stripe });
      assert.equal(again.code, 1, printed(again));
      assert.match(again.stderr, new RegExp(`Proposal ${id} is already applied; nothing was decided`));

      // Once applied, show says what became of each value, and no slot "needs a value" any more.
      const shown = await asReviewer(["proposal", "show", id]);
      assert.equal(shown.code, 0, printed(shown));
      assert.doesNotMatch(shown.stdout, /needs a value/);
      assert.match(shown.stdout, /^ {2}set +STRIPE_KEY +stored: typed by the approver$/m);
      assert.match(shown.stdout, /^ {2}set +AGENT_KEY +stored: supplied by the agent$/m);
      assert.doesNotMatch(shown.stderr, /Approve with/);
    });
  });

  describe("approve with several values", () => {
    const twilio = () => ({
      services: [
        { name: "twilio", host: "api.twilio.test", upstream: upstream.origin, auth: { type: "basic", username: "TWILIO_SID", password: "TWILIO_TOKEN" } },
      ],
      credentials: [
        { key: "TWILIO_SID", description: "Account SID" },
        { key: "TWILIO_TOKEN", description: "Auth token" },
      ],
      message: "Send SMS",
    });

    it("refuses stdin that does not name every slot, without echoing it, and decides nothing", async () => {
      const id = await raise(twilio());
      const cases: [string, RegExp][] = [
        [`TWILIO_SID=${SECRETS.twilioSid}\n`, /No value on stdin for TWILIO_TOKEN: pipe one KEY=value line per slot/],
        [`TWILIO_SID=${SECRETS.twilioSid}\n${SECRETS.twilioToken}\n`, /stdin line 2 is not KEY=value \(one line per slot: TWILIO_SID=…, TWILIO_TOKEN=…\)/],
        [
          `TWILIO_SID=${SECRETS.twilioSid}\nSTRIPE_KEY=${SECRETS.twilioToken}\n`,
          /stdin line 2: STRIPE_KEY is not a slot that needs a value here \(they are TWILIO_SID, TWILIO_TOKEN\)/,
        ],
        [`TWILIO_SID=${SECRETS.twilioSid}\nTWILIO_SID=${SECRETS.twilioToken}\n`, /stdin line 2: TWILIO_SID is given twice/],
        ["", /Empty values for TWILIO_SID, TWILIO_TOKEN/],
      ];
      for (const [stdin, message] of cases) {
        const result = await asReviewer(["proposal", "approve", id], { stdin });
        assert.equal(result.code, 1, printed(result));
        assert.match(result.stderr, message);
      }
      assert.equal((await proposalOnEdge(id)).status, "pending");
    });

    it("takes one KEY=value line per slot (blank lines and comments skipped, = allowed in values)", async () => {
      const id = await raise(twilio());
      const stdin = `# from the Twilio console\nTWILIO_SID=${SECRETS.twilioSid}\n\nTWILIO_TOKEN=${SECRETS.twilioToken}\n`;
      const approve = await asReviewer(["proposal", "approve", id], { stdin });
      assert.equal(approve.code, 0, printed(approve));
      assert.match(approve.stdout, /: set twilio, stored TWILIO_SID, stored TWILIO_TOKEN\.$/m);
      const proxied = await proxyFetch(edge, agent.token, "api.twilio.test/2010-04-01/Messages", { vault: "payments" });
      assert.equal(proxied.status, 200, await proxied.text());
      const expected = `Basic ${Buffer.from(`${SECRETS.twilioSid}:${SECRETS.twilioToken}`).toString("base64")}`;
      assert.equal((await upstream.next()).headers.authorization, expected);
    });
  });

  describe("an approval is bound to the destinations it showed", () => {
    it("a service re-pointed while the values are being typed: nothing is decided, and approving again works", async () => {
      const service = { name: "ledger", host: "api.ledger.test", upstream: upstream.origin, auth: { type: "bearer", token: "LEDGER_KEY" } };
      assert.equal((await edge.call("POST", "/v1/vaults/payments/services", company.ownerKey, service)).status, 201);
      const id = await raise({ credentials: [{ key: "LEDGER_KEY", description: "Ledger API key" }], message: "ledger" });
      const approving = spawnCli(["proposal", "approve", id], { configHome: reviewerHome, stdinOpen: true });
      await approving.stderrMatching(/LEDGER_KEY:\n {4}Sent to: http:\/\/127\.0\.0\.1:\d+ \(service ledger; set by API key “[^”]*” on \d{4}-\d\d-\d\d\)\n/);
      const moved = await edge.call("PATCH", "/v1/vaults/payments/services/ledger", company.ownerKey, { upstream: "https://mirror.ledger.test" });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      approving.finishInput(`${SECRETS.stripe}\n`);
      const refused = await record(approving.result);
      assert.equal(refused.code, 1, printed(refused));
      assert.match(refused.stderr, new RegExp(`Where proposal ${id}'s values would be sent changed since it was read; nothing was decided`));
      assert.equal((await proposalOnEdge(id)).status, "pending");

      const again = await asReviewer(["proposal", "approve", id], { stdin: `${SECRETS.stripe}\n` });
      assert.equal(again.code, 0, printed(again));
      assert.match(again.stderr, /LEDGER_KEY:\n {4}Sent to: https:\/\/mirror\.ledger\.test \(service ledger; set by API key/);
    });
  });

  describe("reject", () => {
    it("rejects with a reason the agent reads; --reason is required", async () => {
      const id = await raise(stripeProposal("stripe-2", "api2.stripe.test"));
      const missing = await asReviewer(["proposal", "reject", id]);
      assert.equal(missing.code, 2, printed(missing));
      assert.match(missing.stderr, /--reason: is required/);

      const reject = await asReviewer(["proposal", "reject", id, "--reason", "Use the restricted key service"]);
      assert.equal(reject.code, 0, printed(reject));
      assert.match(reject.stdout, new RegExp(`^Rejected proposal ${id} in vault "payments"\\.$`, "m"));
      const seen = await fetch(`${edge.addr}/v1/proposals/${id}`, { headers: { Authorization: `Bearer ${agent.token}` } });
      assert.deepEqual((({ status, review_note }) => ({ status, review_note }))((await seen.json()) as Proposal), {
        status: "rejected",
        review_note: "Use the restricted key service",
      });
      const list = await asReviewer(["proposal", "list", "--vault", "payments", "--status", "rejected"]);
      assert.match(list.stdout, new RegExp(`^${id} +rejected `, "m"));
      const shown = await asReviewer(["proposal", "show", id]);
      assert.match(shown.stdout, /^ {2}set +STRIPE_KEY +not stored: the proposal was rejected$/m);
      assert.doesNotMatch(shown.stdout, /needs a value/);
      // --status all lists every status, with who raised each.
      const all = await asReviewer(["proposal", "list", "--vault", "payments", "--status", "all"]);
      assert.equal(all.code, 0, printed(all));
      assert.match(all.stdout, new RegExp(`^${id} +rejected +agent billing-agent `, "m"));
      assert.match(all.stdout, /^prp_\w+ +applied +agent billing-agent /m);
      assert.deepEqual(
        (JSON.parse((await asReviewer(["proposal", "list", "--vault", "payments", "--status", "all", "--json"])).stdout) as Proposal[])
          .map((p) => p.status)
          .sort(),
        (JSON.parse((await asReviewer(["proposal", "list", "--vault", "payments", "--json"])).stdout) as Proposal[]).map((p) => p.status).sort(),
      );
    });
  });

  describe("wait", () => {
    it("returns 0 when the proposal is approved while it waits", async () => {
      const id = await raise({
        services: [{ name: "waited", host: "api.waited.test", upstream: upstream.origin, auth: { type: "passthrough" } }],
        message: "wait for me",
      });
      const waiting = spawnCli(["proposal", "wait", id, "--timeout", "2m"], { configHome: reviewerHome });
      await waiting.stderrMatching(new RegExp(`Waiting for a decision on proposal ${id} \\(pending; giving up after 2m\\)`));
      const decided = await edge.call("POST", `/v1/proposals/${id}/approve`, await reviewerToken(), { note: "go ahead" });
      assert.equal(decided.status, 200, JSON.stringify(decided.body));
      const result = await record(waiting.result);
      assert.equal(result.code, 0, printed(result));
      assert.match(result.stdout, new RegExp(`^Proposal ${id} was approved and applied in vault "payments": go ahead\\.$`, "m"));
    });

    it("returns 3 with the review note when the proposal is rejected while it waits; --json prints it", async () => {
      const id = await raise({ credentials: [{ key: "WAIT_KEY" }], message: "wait again" });
      const waiting = spawnCli(["proposal", "wait", id, "--json"], { configHome: ownerHome });
      await waiting.stderrMatching(/giving up after 10m\)/);
      const decided = await edge.call("POST", `/v1/proposals/${id}/reject`, await reviewerToken(), { reason: "Not this quarter" });
      assert.equal(decided.status, 200, JSON.stringify(decided.body));
      const result = await record(waiting.result);
      assert.equal(result.code, 3, printed(result));
      // With --json the outcome is JSON on stderr too, its last line.
      const error = JSON.parse(result.stderr.trim().split("\n").at(-1) ?? "") as { error: string; message: string };
      assert.equal(error.error, "proposal_rejected");
      assert.match(error.message, new RegExp(`^Proposal ${id} was rejected: Not this quarter`));
      assert.deepEqual((({ id: got, status }) => [got, status])(JSON.parse(result.stdout) as Proposal), [id, "rejected"]);
    });

    it("returns at once for a decided proposal (3: rejected), and 5 when --timeout runs out while pending", async () => {
      const decidedId = await raise({ credentials: [{ key: "DONE_KEY" }] });
      assert.equal((await edge.call("POST", `/v1/proposals/${decidedId}/reject`, await reviewerToken(), { reason: "no" })).status, 200);
      const done = await asReviewer(["proposal", "wait", decidedId]);
      assert.equal(done.code, 3, printed(done));
      assert.match(done.stderr, /was rejected: no/);
      assert.doesNotMatch(done.stderr, /Waiting/);

      const pendingId = await raise({ credentials: [{ key: "SLOW_KEY" }] });
      const timedOut = await asReviewer(["proposal", "wait", pendingId, "--timeout", "1s"]);
      assert.equal(timedOut.code, 5, printed(timedOut));
      assert.match(timedOut.stderr, new RegExp(`Proposal ${pendingId} is still pending after 1s; wait again with: edgevault proposal wait ${pendingId}`));
      assert.equal((await proposalOnEdge(pendingId)).status, "pending");
    });

    it("approve never takes a value as an argument, and does not repeat it", async () => {
      const result = await asReviewer(["proposal", "approve", "prp_4f1c9a07b2e8d35c61", "sk_live_typed-as-an-argument"]);
      assert.equal(result.code, 2, printed(result));
      assert.match(result.stderr, /credential values are read from stdin or a hidden prompt, never from arguments/);
      assert.ok(!printed(result).includes("sk_live_typed-as-an-argument"));
    });

    it("refuses a bad --timeout or id with exit 2", async () => {
      for (const args of [
        ["proposal", "wait", "prp_x", "--timeout", "forever"],
        ["proposal", "wait", "prp_x", "--timeout", "8d"],
        ["proposal", "wait", "bad id"],
        ["proposal", "wait"],
      ]) {
        const result = await asReviewer(args);
        assert.equal(result.code, 2, `${args.join(" ")}: ${printed(result)}`);
      }
    });
  });

  describe("secrets and help", () => {
    it("no value typed into approve (or supplied by the agent) appeared in any output", () => {
      assert.ok(results.length > 20);
      for (const result of results) {
        for (const secret of Object.values(SECRETS)) assert.ok(!printed(result).includes(secret), `a value leaked in: ${printed(result)}`);
      }
    });

    it("every proposal command has --help with an example", async () => {
      const commands = COMMANDS.filter((c) => c.path[0] === "proposal");
      assert.deepEqual(
        commands.map((c) => c.path[1]),
        ["list", "show", "approve", "reject", "wait"],
      );
      await assertHelpWithExamples(commands);
    });
  });
});
