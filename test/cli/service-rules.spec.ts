/**
 * A service's per-request rules through the CLI against a real edge: `--methods`, `--substitute`
 * and `--redact` on add and update land as the edge's fields, `vault service show` prints them in
 * words (and `--json` as the edge holds them), bad flags are refused (exit 2) before any request,
 * and `proposal show` says a proposed service's rules and marks what it loosens.
 */
import assert from "node:assert/strict";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { serviceAdd, serviceShow, serviceUpdate } from "../../cli/commands/service.ts";
import { describeProposal, type Proposal } from "../../cli/proposal-text.ts";
import { printed, runCli, tempConfigHome, type CliOptions, type CliResult } from "./support/cli.ts";
import { startEdge, type Edge, type TestCompany } from "./support/edge.ts";
import { assertHelpWithExamples } from "./support/help.ts";

type Service = { methods: string[] | null; substitutions: { key: string; placeholder: string; in: string[] }[]; redact_response: boolean };

describe("edgevault vault service: per-request rules", () => {
  let edge: Edge;
  let company: TestCompany;
  let cli: (args: readonly string[], options?: Omit<CliOptions, "configHome">) => Promise<CliResult>;

  const onEdge = async (name: string): Promise<Service> => {
    const res = await edge.call("GET", `/v1/vaults/rules/services/${name}`, company.ownerKey);
    assert.equal(res.status, 200);
    return (res.body as { service: Service }).service;
  };

  before(async () => {
    edge = await startEdge();
    company = await edge.createCompany();
    const home = await tempConfigHome();
    cli = (args, options = {}) => runCli(args, { configHome: home, ...options, env: { EDGEVAULT_VAULT: "rules", ...options.env } });
    const login = await cli(["login", "--addr", edge.addr, "--save-api-key"], { stdin: company.ownerKey });
    assert.equal(login.code, 0, printed(login));
    assert.equal((await cli(["vault", "create", "rules"])).code, 0);
  });
  after(async () => {
    await edge?.stop();
  });

  it("add: --methods, --substitute (repeatable, surfaces optional) and --redact land as the edge's fields, said in the summary", async () => {
    const add = await cli([
      "vault",
      "service",
      "add",
      "twilio",
      "--host",
      "api.twilio.com",
      "--auth",
      "basic:TW_SID:TW_TOKEN",
      "--methods",
      "get,HEAD",
      "--substitute",
      "TW_SID:__sid__:path",
      "--substitute",
      "TW_REGION:__region__",
      "--redact",
      "off",
    ]);
    assert.equal(add.code, 0, printed(add));
    assert.match(
      add.stdout,
      /basic TW_SID:TW_TOKEN, only GET and HEAD, puts TW_SID into the path where it reads `__sid__`, .*, redaction off: .*, enabled\.$/m,
    );
    const { methods, substitutions, redact_response } = await onEdge("twilio");
    assert.deepEqual(
      { methods, substitutions, redact_response },
      {
        methods: ["GET", "HEAD"],
        substitutions: [
          { key: "TW_SID", placeholder: "__sid__", in: ["path"] },
          { key: "TW_REGION", placeholder: "__region__", in: ["path", "query"] },
        ],
        redact_response: false,
      },
    );
  });

  it("show: the service and its rules in words; --json as the edge holds it", async () => {
    const show = await cli(["vault", "service", "show", "twilio"]);
    assert.equal(show.code, 0, printed(show));
    assert.match(show.stdout, /^Keys: +TW_SID, TW_TOKEN, TW_REGION$/m);
    assert.match(show.stdout, /^Methods: +only GET and HEAD$/m);
    assert.match(
      show.stdout,
      /^Rules:\n {2}only GET and HEAD\n {2}puts TW_SID into the path where it reads `__sid__`\n {2}puts TW_REGION into the path and query string where it reads `__region__`\n {2}redaction off: /m,
    );
    const json = await cli(["vault", "service", "show", "twilio", "--json"]);
    assert.equal(json.code, 0, printed(json));
    assert.deepEqual((JSON.parse(json.stdout) as Service).methods, ["GET", "HEAD"]);
  });

  it("update: each flag changes only its rule; --methods any and --substitute none lift them; --redact on", async () => {
    const methods = await cli(["vault", "service", "update", "twilio", "--methods", "any"]);
    assert.equal(methods.code, 0, printed(methods));
    let now = await onEdge("twilio");
    assert.equal(now.methods, null);
    assert.equal(now.substitutions.length, 2);
    assert.equal((await cli(["vault", "service", "update", "twilio", "--substitute", "none", "--redact", "on"])).code, 0);
    now = await onEdge("twilio");
    assert.deepEqual([now.substitutions, now.redact_response, now.methods], [[], true, null]);
  });

  it("refuses bad flags with exit 2 before any request, naming the rule", async () => {
    const cases: [string[], RegExp][] = [
      [["--methods", "GET,TRACE"], /--methods: must be a comma-separated list of GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS, or any \("TRACE" is none\)/],
      [["--substitute", "TW_SID:account_sid"], /a placeholder must contain a delimiter/],
      [["--substitute", "tw_sid:__sid__"], /the key must be upper case/],
      [["--substitute", "TW_SID:__sid__:body"], /surfaces are path, query or header/],
      [["--substitute", "TW_SID"], /write it as KEY:placeholder\[:path,query,header\]/],
      [["--redact", "maybe"], /--redact: must be on or off/],
      [["--require-approval", "--no-approval"], /--require-approval and --no-approval contradict each other/],
    ];
    for (const [flags, message] of cases) {
      const res = await cli(["vault", "service", "update", "twilio", ...flags]);
      assert.equal(res.code, 2, `${flags.join(" ")}: ${printed(res)}`);
      assert.match(res.stderr, message);
    }
  });

  it("proposal show says a proposed service's rules (approval among them) and marks each loosening", () => {
    const proposal: Proposal = {
      id: "prp_1",
      status: "pending",
      vault: "rules",
      message: "",
      user_message: null,
      review_note: null,
      reviewed_at: null,
      created_at: "2026-12-01T00:00:00.000Z",
      expires_at: "2026-12-08T00:00:00.000Z",
      credentials: [],
      services: [
        {
          action: "set",
          name: "github",
          host: "api.github.com",
          auth: { type: "bearer", token: "GH_TOKEN" },
          redact_response: false,
          loosens: [
            { rule: "methods", from: "only GET and HEAD", to: "any method" },
            { rule: "require_approval", from: "every call waits for a person (up to 120 s)", to: "calls go through without a person" },
          ],
        },
        { action: "set", name: "deploy", host: "deploy.example.com", auth: { type: "passthrough" }, require_approval: true, approval_timeout_seconds: 60 },
      ],
    };
    const text = describeProposal(proposal).join("\n");
    assert.match(text, /^ {10}any method$/m);
    assert.match(text, /^ {10}redaction off: a credential the upstream echoes back reaches the agent$/m);
    assert.match(text, /^ {8}! Loosens methods: only GET and HEAD → any method$/m);
    assert.match(text, /^ {8}! Loosens require_approval: every call waits for a person \(up to 120 s\) → calls go through without a person$/m);
    assert.match(text, /^ {10}every call waits for a person \(up to 60 s\)$/m);
  });

  it("--help of each command has its examples", async () => {
    await assertHelpWithExamples([serviceAdd, serviceUpdate, serviceShow]);
  });
});
